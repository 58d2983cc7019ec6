"""The mailbox and the hotline log in a real browser, with axe on every page visited."""

import re

import pytest
from playwright.sync_api import expect

from tests.fixtures.browser import browser_sign_in
from tests.fixtures.feedback import pdf_bytes

pytestmark = pytest.mark.usefixtures("headquarters")


def test_an_anonymous_message_is_confirmed_answered_and_answered_back_and_a_call_becomes_a_case(
        live_server, browser, make_user, check_page, tmp_path):
    officer = make_user("staff", mission="hq", name="Officer Lin")
    boss = make_user("supervisor", mission="hq", name="Supervisor Chen")
    receipt = tmp_path / "receipt.pdf"
    receipt.write_bytes(pdf_bytes())

    writer_context = browser.new_context(locale="en-GB")
    writer = writer_context.new_page()
    writer.goto(live_server + "/")
    writer.get_by_role("link", name="Director-General's mailbox").click()
    expect(writer.get_by_role("heading", name="Director-General's mailbox", level=1)).to_be_visible()
    check_page(writer, "mailbox-form-en")
    writer.get_by_role("button", name="Send message").click()
    expect(writer.locator(".error-summary")).to_be_focused()
    check_page(writer, "mailbox-errors-en")
    writer.get_by_label("What is your message about?").select_option("service")
    writer.get_by_label("Subject").fill("Three hours at the passport counter")
    writer.get_by_label("Your message", exact=True).fill(
        "I waited three hours on 2 November. Could more counters open?")
    writer.get_by_label("Attachments (optional)").set_input_files(str(receipt))
    writer.get_by_label("Your name").fill("Amy Lin")
    writer.get_by_label("Email address").fill("amy@example.tw")
    writer.get_by_role("button", name="Send message").click()
    expect(writer.get_by_role("heading", name="Check your email")).to_be_visible()
    check_page(writer, "mailbox-check-email-en")

    writer.goto(live_server + "/dev/mailbox")
    writer.locator("a[href*='/mailbox/confirm/']").first.click()
    expect(writer.get_by_text("your email address is confirmed")).to_be_visible()
    expect(writer.locator(".summary-list").first).to_contain_text("Received")
    check_page(writer, "mailbox-track-received-en")
    reference = writer.locator("h1 .reference").inner_text()
    assert reference.startswith("DGM-")

    staff_context = browser.new_context(locale="en-GB")
    staff = staff_context.new_page()
    browser_sign_in(staff, live_server, officer, "/staff/queue")
    expect(staff.get_by_role("heading", name="Work queue")).to_be_visible()
    staff.get_by_role("link", name=reference).click()
    staff.get_by_role("button", name="Claim this case").click()
    expect(staff.get_by_text("receipt.pdf")).to_be_visible()
    check_page(staff, "mailbox-staff-case-en")
    staff.get_by_role("link", name="Assign to a mission or unit").click()
    check_page(staff, "mailbox-assign-en")
    staff.get_by_label("Assign to").select_option(label="Passport Division")
    staff.get_by_role("button", name="Assign", exact=True).click()
    expect(staff.get_by_text("The message is assigned.")).to_be_visible()
    staff.get_by_role("link", name="Write the reply").click()
    staff.get_by_label("Start from a template").select_option(label="Apology for our service")
    staff.get_by_role("button", name="Use this template").click()
    expect(staff.get_by_label("Reply to the writer")).to_have_value(re.compile(r"^Dear Amy Lin,"))
    check_page(staff, "mailbox-draft-en")
    staff.get_by_label("Reply to the writer").fill("Dear Amy Lin,\n\nWe are sorry. From December two more "
                                                   "counters open in the mornings.\n\nBureau of Consular Affairs")
    staff.get_by_role("button", name="Save the draft for approval").click()
    expect(staff.locator(".summary-list").first).to_contain_text("Reply drafted")

    boss_context = browser.new_context(locale="en-GB")
    supervisor = boss_context.new_page()
    browser_sign_in(supervisor, live_server, boss, f"/staff/cases/{reference}")
    expect(supervisor.locator(".message-body").get_by_text("two more counters")).to_be_visible()
    supervisor.get_by_role("button", name="Approve the reply").click()
    expect(supervisor.get_by_text("Done. The case is now: Reply approved.")).to_be_visible()
    check_page(supervisor, "mailbox-approved-en")
    supervisor.get_by_role("button", name="Send the approved reply").click()
    expect(supervisor.get_by_text("The reply has been sent to the writer.")).to_be_visible()

    writer.goto(live_server + "/dev/mailbox")
    expect(writer.locator(".mail").first).to_contain_text(f"Our reply to your message {reference}")
    writer.locator(".mail").first.locator("a[href*='/mailbox/track/']").click()
    expect(writer.get_by_role("heading", name="Our reply")).to_be_visible()
    expect(writer.locator(".message-body").last).to_contain_text("two more counters")
    check_page(writer, "mailbox-track-answered-en")
    writer.get_by_label("Note for “Answer back” (required)").fill("Thank you. Will the counters open on Saturdays?")
    writer.get_by_role("button", name="Answer back").click()
    expect(writer.get_by_text("Done. The case is now: Assigned.")).to_be_visible()
    expect(writer.locator(".timeline")).to_contain_text("Will the counters open on Saturdays?")

    staff.goto(live_server + f"/staff/cases/{reference}")
    expect(staff.locator(".timeline")).to_contain_text("Will the counters open on Saturdays?")
    staff.get_by_role("link", name="Hotline log").click()
    expect(staff.get_by_role("heading", name="Complaint hotline log")).to_be_visible()
    check_page(staff, "hotline-log-empty-en")
    staff.get_by_role("link", name="Log a call").click()
    staff.get_by_role("button", name="Log the call").click()
    expect(staff.locator(".error-summary")).to_be_visible()
    check_page(staff, "hotline-new-errors-en")
    staff.get_by_label("Length in minutes").fill("6")
    staff.get_by_label("Language of the call").select_option("taiwanese")
    staff.get_by_label("Caller's name (optional)").fill("Mr Huang")
    staff.get_by_label("Caller's phone (optional)").fill("+886 912 000 111")
    staff.get_by_label("What was the call about?").select_option("documents")
    staff.get_by_label("Summary").fill("Asks why his authenticated diploma has not come back after three weeks.")
    staff.get_by_label("Outcome").select_option("follow_up")
    staff.get_by_role("button", name="Log the call").click()
    expect(staff.get_by_text("The call is logged.")).to_be_visible()
    check_page(staff, "hotline-call-en")
    call_reference = staff.locator("h1 .reference").inner_text()
    staff.get_by_role("button", name="Turn into a mailbox case").click()
    expect(staff.get_by_text(re.compile(r"Mailbox case DGM-\S+ is open for this call."))).to_be_visible()
    expect(staff.get_by_role("link", name=f"Hotline call {call_reference}")).to_be_visible()
    check_page(staff, "hotline-case-en")
    staff.get_by_role("link", name=f"Hotline call {call_reference}").click()
    expect(staff.locator(".summary-list")).to_contain_text("Turned into a mailbox case")
    staff.get_by_role("link", name="Back to the hotline log").click()
    expect(staff.get_by_role("table", name="Calls per category")).to_contain_text("Document authentication")
    check_page(staff, "hotline-log-en")
    for context in (writer_context, staff_context, boss_context):
        context.close()


@pytest.mark.parametrize("width", [320, 1280])
def test_the_new_pages_fit_a_phone_and_a_desktop_in_chinese(live_server, browser, make_user, make_message,
                                                             tracking_path, check_page, width):
    officer = make_user("staff", mission="hq", name="林怡君", locale="zh_Hant_TW")
    reference = make_message(name="王小明", locale="zh_Hant_TW")
    context = browser.new_context(viewport={"width": width, "height": 800}, locale="zh-TW")
    page = context.new_page()
    for name, path in (("mailbox-form", "/mailbox"), ("mailbox-track", tracking_path(reference))):
        page.goto(live_server + path)
        check_page(page, f"{name}-zh-{width}")
        assert page.evaluate("document.documentElement.scrollWidth") <= width, path
    page.goto(live_server + "/mailbox")
    page.locator("main form button[type=submit]").last.click()
    check_page(page, f"mailbox-errors-zh-{width}")
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    browser_sign_in(page, live_server, officer, "/staff/queue")
    page.goto(live_server + f"/staff/cases/{reference}")
    page.locator("form[action$='/claim'] button").click()
    for name, path in (("mailbox-staff-case", f"/staff/cases/{reference}"),
                       ("mailbox-assign", f"/staff/mailbox/{reference}/assign"),
                       ("hotline-new", "/staff/hotline/new")):
        page.goto(live_server + path)
        check_page(page, f"{name}-zh-{width}")
        assert page.evaluate("document.documentElement.scrollWidth") <= width, path
    page.locator("input[name=duration_minutes]").fill("3")
    page.locator("select[name=language]").select_option("mandarin")
    page.locator("select[name=category]").select_option("passports")
    page.locator("textarea[name=summary]").fill("詢問護照換發所需時間。")
    page.locator("select[name=outcome]").select_option("answered")
    page.locator("main form button[type=submit]").last.click()
    expect(page.locator("h1 .reference")).to_be_visible()
    check_page(page, f"hotline-call-zh-{width}")
    page.goto(live_server + "/staff/hotline")
    check_page(page, f"hotline-log-zh-{width}")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    context.close()
