"""Visas in a real browser: a visitor on a phone looks up the rule for their nationality, applies for
a visitor visa with their passport's zone and a scan, the mission approves it, and anyone checks the
visa's code on /verify. Axe on every page; every page fits 320 px."""

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.fixtures.browser import PASSWORD, browser_sign_in
from tests.fixtures.files import pdf_bytes
from tests.fixtures.visas import passport_zone

pytestmark = pytest.mark.usefixtures("visa_rules")


def fits(page, width):
    assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url


def fill_date(page, name, day):
    group = page.get_by_role("group", name=name)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def test_look_up_apply_approve_verify(live_server, browser, make_user, check_page):
    visitor = make_user("citizen", name="Chinedu Okafor")
    officer = make_user("staff", mission="tokyo", name="林怡君")
    # Dates from today on (the live server keeps the real clock): a visit next month, a passport for years.
    arrival = date.today() + timedelta(days=30)
    expiry = date(date.today().year + 6, 1, 1)

    phone = browser.new_context(viewport={"width": 320, "height": 700}, locale="en")
    page = phone.new_page()
    page.goto(live_server + "/visas")
    check_page(page, "visas-lookup")
    fits(page, 320)
    page.get_by_label("Your nationality (the country on your passport)").select_option("NG")
    page.get_by_label("Why are you coming to Taiwan?").select_option("business")
    page.get_by_role("button", name="Look up").click()
    expect(page.locator(".visa-result")).to_contain_text("Visa required before travel")
    check_page(page, "visas-lookup-result")
    fits(page, 320)
    page.get_by_role("link", name="Apply for a visitor visa online").click()
    page.get_by_label("Email address").fill(visitor.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Apply for a visitor visa")).to_be_visible()
    expect(page.get_by_label("Nationality")).to_have_value("NG")

    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".error-summary")).to_be_focused()
    check_page(page, "visas-apply-errors")
    fits(page, 320)
    page.get_by_label("Surname, as in your passport").fill("Okafor")
    page.get_by_label("Given names, as in your passport").fill("Chinedu Emeka")
    page.get_by_label("Male", exact=True).check()
    fill_date(page, "Date of birth", date(1990, 5, 4))
    page.get_by_label("Place of birth").fill("Lagos")
    page.get_by_label("Passport number").fill("A12345678")
    fill_date(page, "Passport expiry date", expiry)
    page.get_by_label("The two lines at the bottom of your passport's photo page").fill(
        passport_zone(expiry=expiry.strftime("%y%m%d")))
    page.get_by_label("Tell us about your visit").fill("Computex trade fair in Taipei")
    fill_date(page, "Day you arrive in Taiwan", arrival)
    fill_date(page, "Day you leave Taiwan", arrival + timedelta(days=9))
    page.get_by_label("Where you will stay in Taiwan").fill("Grand Hotel, Taipei")
    page.get_by_label("Mission that handles your application").select_option(
        label="Taipei Economic and Cultural Representative Office in Japan")
    check_page(page, "visas-apply")
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", name="Check your answers before sending your application")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Check digits correct")
    fits(page, 320)
    page.get_by_label("Scans: your passport's photo page, a photo of you, your tickets or itinerary, and proof of "
                      "funds").set_input_files([{"name": "passport.pdf", "mimeType": "application/pdf",
                                                 "buffer": pdf_bytes()}])
    check_page(page, "visas-check")
    page.get_by_role("button", name="Send application").click()
    reference = page.locator(".panel-confirmation .reference").inner_text()
    assert reference.startswith("VIS-")
    check_page(page, "visas-sent")
    fits(page, 320)

    desk = browser.new_context(locale="en")
    staff = desk.new_page()
    browser_sign_in(staff, live_server, officer, f"/staff/cases/{reference}")
    staff.get_by_role("button", name="Claim this case").click()
    expect(staff.get_by_role("link", name="passport.pdf")).to_be_visible()
    staff.get_by_role("button", name="Approve and issue the visa").click()
    check_page(staff, "visas-approve-confirm")  # a visa cannot be taken back: asked once more
    staff.get_by_role("button", name="Yes: Approve and issue the visa").click()
    expect(staff.get_by_text("Done. The case is now: Approved: visa issued.")).to_be_visible()
    check_page(staff, "visas-staff-case")

    page.goto(live_server + f"/account/cases/{reference}")
    code = page.locator(".summary-list .reference").nth(1).inner_text()
    expect(page.locator("main")).to_contain_text("Machine-readable zone")
    check_page(page, "visas-approved")
    fits(page, 320)

    public = browser.new_context(viewport={"width": 320, "height": 700}, locale="en")
    checker = public.new_page()
    checker.goto(live_server + "/verify")
    checker.get_by_label("Verification code").fill(code.lower())
    checker.get_by_role("button", name="Check").click()
    expect(checker.locator("main")).to_contain_text("Type: Visa")
    expect(checker.locator(".verify-result")).to_contain_text("Issued, valid from")
    expect(checker.locator("main")).to_contain_text("C○ E○ O○")
    check_page(checker, "visas-verified")
    fits(checker, 320)
