"""Document authentication in a real browser: a request with scans on a phone, staff issue the
stickers, the public check says valid, a supervisor revokes, the check says revoked. Axe on every page."""

import re

from playwright.sync_api import expect

from tests.fixtures.browser import PASSWORD, browser_sign_in
from tests.fixtures.documents import png_bytes
from tests.fixtures.files import pdf_bytes


def fits(page, width):
    assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url


def test_request_issue_check_revoke_check(live_server, browser, make_user, check_page):
    citizen = make_user("citizen", name="王小明")
    officer = make_user("staff", mission="tokyo", name="林怡君")
    supervisor = make_user("supervisor", mission="tokyo", name="陳志強")

    # A citizen on a 320 px phone asks for two authenticated copies of a diploma.
    phone = browser.new_context(viewport={"width": 320, "height": 700}, locale="en")
    page = phone.new_page()
    page.goto(live_server + "/documents")
    check_page(page, "documents-info")
    fits(page, 320)
    page.get_by_role("link", name="Start your request").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_label("Email address").fill(citizen.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Request document authentication")).to_be_visible()
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".error-summary")).to_be_focused()
    check_page(page, "documents-apply-errors")
    fits(page, 320)
    page.get_by_role("link", name="Choose the type of document.").click()
    expect(page.get_by_label("Type of document")).to_be_focused()

    page.get_by_label("Type of document").select_option("diploma")
    page.get_by_label("Name of the person the document is about").fill("王小明")
    page.get_by_label("Country where it was issued").select_option("JP")
    page.get_by_label("Who issued it").fill("University of Tokyo")
    issued = page.get_by_role("group", name="Date of issue")
    issued.get_by_label("Day").fill("25")
    issued.get_by_label("Month").fill("3")
    issued.get_by_label("Year").fill("2024")
    page.get_by_label("Language of the document").select_option("ja")
    page.get_by_label("Number of authenticated copies").select_option("2")
    page.get_by_label("What will the documents be used for?").fill("To have my degree recognised in Taiwan")
    page.get_by_label("Which mission should handle your request?").select_option(
        label="Taipei Economic and Cultural Representative Office in Japan")
    page.get_by_label("Collect from the mission").check()
    check_page(page, "documents-apply")
    # Enter in a text box continues; it must not press "Add another document", the first visible button.
    page.get_by_label("What will the documents be used for?").press("Enter")

    expect(page.get_by_role("heading", name="Check your answers before sending your request")).to_be_visible()
    expect(page.locator(".fee-total")).to_contain_text("NT$800")
    fits(page, 320)
    page.get_by_role("button", name="Send request").click()
    expect(page.get_by_role("link", name="Attach a scan or photo of each document.")).to_be_visible()
    check_page(page, "documents-check-errors")
    page.get_by_label("Scans or photos of the documents").set_input_files([
        {"name": "diploma.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()},
        {"name": "diploma-back.png", "mimeType": "image/png", "buffer": png_bytes()},
    ])
    check_page(page, "documents-check")
    page.get_by_role("button", name="Send request").click()
    expect(page.get_by_role("heading", name="Your request has been sent")).to_be_visible()
    reference = page.locator(".panel-confirmation .reference").inner_text()
    expect(page.locator("main")).to_contain_text("NT$800")
    check_page(page, "documents-sent")
    fits(page, 320)

    # The officer checks, authenticates and issues; the sticker page prints a QR code.
    desk = browser.new_context(locale="en")
    staff = desk.new_page()
    browser_sign_in(staff, live_server, officer, f"/staff/cases/{reference}")
    staff.get_by_role("button", name="Claim this case").click()
    expect(staff.get_by_role("link", name="diploma.pdf")).to_be_visible()
    staff.get_by_label("Note for “Ask the citizen for more information” (required)").fill(
        "Please add a scan of the back of the diploma.")
    staff.get_by_role("button", name="Ask the citizen for more information").click()
    expect(staff.get_by_text("Done. The case is now: Waiting for more information.")).to_be_visible()

    page.goto(live_server + f"/account/cases/{reference}")
    expect(page.locator("main")).to_contain_text("Please add a scan of the back of the diploma.")
    page.get_by_role("link", name="Add more scans").click()
    check_page(page, "documents-add-scans")
    fits(page, 320)
    page.get_by_label("More scans or photos").set_input_files(
        [{"name": "diploma-back.png", "mimeType": "image/png", "buffer": png_bytes()}])
    page.get_by_role("button", name="Add scans").click()
    expect(page.get_by_text("Your scans have been added.")).to_be_visible()
    page.get_by_label("Note for “Send your reply” (required)").fill("The back is attached.")
    page.get_by_role("button", name="Send your reply").click()
    expect(page.get_by_text("Done. The case is now: Information sent.")).to_be_visible()

    staff.reload()
    expect(staff.get_by_role("link", name="diploma-back.png").first).to_be_visible()
    for action, status in (("Mark the documents as checked", "Documents checked"), ("Authenticate", "Authenticated"),
                           ("Issue the stickers", "Issued")):
        staff.get_by_role("button", name=action).click()
        expect(staff.get_by_text(f"Done. The case is now: {status}.")).to_be_visible()
    check_page(staff, "documents-staff-case")
    staff.get_by_role("link", name="Print every sticker").click()
    expect(staff.locator(".sticker")).to_have_count(2)
    check_page(staff, "documents-stickers-all")
    staff.go_back()
    staff.get_by_role("link", name="Sticker for copy 1").click()
    qr = staff.locator("img.sticker-qr")
    expect(qr).to_be_visible()
    assert qr.get_attribute("src").startswith("data:image/svg+xml")
    staff.wait_for_function("() => { const img = document.querySelector('img.sticker-qr');"
                            " return img && img.complete && img.naturalWidth > 0; }")
    code = staff.locator(".sticker-code").inner_text()
    assert re.fullmatch(r"([0-9A-Z]{4}-){4}[0-9A-Z]", code)
    check_page(staff, "documents-sticker")
    staff.emulate_media(media="print")
    box = staff.locator(".sticker").bounding_box()
    assert abs(box["width"] - 60 / 25.4 * 96) < 2 and abs(box["height"] - 40 / 25.4 * 96) < 2
    expect(staff.locator(".site-header")).to_be_hidden()
    expect(staff.get_by_role("heading", name="Verification stickers")).to_be_hidden()
    staff.emulate_media(media="screen")

    # Anyone checks the code, typed loosely, and follows the QR link.
    public = browser.new_context(locale="en")
    visitor = public.new_page()
    visitor.goto(live_server + "/verify")
    check_page(visitor, "verify-form")
    visitor.get_by_label("Verification code").fill(code.lower().replace("-", " "))
    visitor.get_by_role("button", name="Check").click()
    result = visitor.locator(".verify-result")
    expect(result).to_contain_text("Valid")
    expect(visitor.locator("main")).to_contain_text("王○明")
    expect(visitor.locator("main")).not_to_contain_text("王小明")
    check_page(visitor, "verify-valid")
    visitor.get_by_label("Verification code").fill(code[:-1] + ("A" if code[-1] != "A" else "B"))
    visitor.get_by_role("button", name="Check").click()
    expect(visitor.locator(".error-summary")).to_contain_text("typing mistake")
    check_page(visitor, "verify-typo")
    qr_link = staff.get_by_role("link", name="Open the public check this QR code leads to").first.get_attribute("href")
    visitor.goto(qr_link)
    expect(visitor.locator("main")).to_contain_text("Genuine: signed by the ministry")

    # A supervisor revokes copy 1 with a reason; the check now says revoked.
    office = browser.new_context(locale="en")
    boss = office.new_page()
    browser_sign_in(boss, live_server, supervisor, f"/staff/cases/{reference}")
    boss.get_by_role("link", name="Revoke an authentication").click()
    check_page(boss, "documents-revoke")
    boss.get_by_role("button", name="Revoke").click()
    expect(boss.locator(".error-summary")).to_contain_text("Enter the reason for revoking.")
    check_page(boss, "documents-revoke-errors")
    boss.get_by_label(re.compile(f"copy 1: Diploma – {code}")).check()
    boss.get_by_label("Reason (the citizen sees it; the public check does not)").fill("The notarisation was forged.")
    boss.get_by_role("button", name="Revoke").click()
    expect(boss.get_by_text("1 copy revoked.")).to_be_visible()
    expect(boss.locator("main")).to_contain_text("Authentication revoked")

    visitor.goto(live_server + f"/verify/{code}")
    expect(visitor.locator(".verify-result")).to_contain_text("Revoked on")
    expect(visitor.locator("main")).not_to_contain_text("notarisation")
    check_page(visitor, "verify-revoked")
    chinese = public.new_page()
    chinese.goto(live_server + f"/language?lang=zh_Hant_TW&next=/verify/{code}")
    expect(chinese.locator(".verify-result")).to_contain_text("已於民國")
    check_page(chinese, "verify-revoked-zh")

    page.goto(live_server + f"/account/cases/{reference}")
    expect(page.locator("main")).to_contain_text("The notarisation was forged.")
    check_page(page, "documents-citizen-case-revoked")
    for context in (phone, desk, public, office):
        context.close()
