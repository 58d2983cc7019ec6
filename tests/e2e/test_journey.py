"""The foundation journey in a real browser, with axe on every page it visits."""

import re

import pyotp
from playwright.sync_api import expect

PASSWORD = "a long and memorable passphrase"


def test_citizen_and_officer_journey(live_server, browser, make_user, check_page):
    officer = make_user("staff", mission="tokyo", name="林怡君")
    citizen_context = browser.new_context(locale="zh-TW")
    page = citizen_context.new_page()

    page.goto(live_server + "/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hant-TW")
    check_page(page, "home-zh")
    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    check_page(page, "home-en")

    page.get_by_role("link", name="Create an account").first.click()
    page.get_by_role("button", name="Create account").click()
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page).to_have_title(re.compile("^Error:"))
    check_page(page, "register-errors")
    page.get_by_label("Full name").fill("Amy Lin")
    page.get_by_label("Email address").fill("amy@example.tw")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Confirm password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()

    page.goto(live_server + "/dev/mailbox")
    check_page(page, "dev-mailbox")
    page.locator("a[href*='/account/confirm/']").first.click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    check_page(page, "sign-in")
    page.get_by_label("Email address").fill("amy@example.tw")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="My cases")).to_be_visible()
    check_page(page, "my-cases-empty")

    page.get_by_role("link", name="Ask a mission a question").click()
    page.get_by_role("button", name="Send enquiry").click()
    check_page(page, "enquiry-errors")
    page.get_by_label("Which country are you in?").select_option("JP")
    page.get_by_label("What is it about?").select_option("passports")
    page.get_by_label("Subject").fill("Renewing in Osaka")
    page.get_by_label("Your question").fill("Can I renew my passport in Osaka?")
    page.get_by_role("button", name="Send enquiry").click()
    expect(page.get_by_role("heading", name="Your request has been sent")).to_be_visible()
    check_page(page, "enquiry-sent")
    reference = page.locator(".panel-confirmation .reference").inner_text()

    staff_context = browser.new_context(locale="en-GB")
    staff = staff_context.new_page()
    staff.goto(live_server + "/staff/queue")
    staff.get_by_label("Email address").fill(officer.email)
    staff.get_by_label("Password").fill("correct horse battery staple")
    staff.get_by_role("button", name="Sign in").click()
    staff.get_by_label("6-digit code").fill(pyotp.TOTP(officer.totp_secret).now())
    check_page(staff, "second-factor")
    staff.get_by_role("button", name="Continue").click()
    expect(staff.get_by_role("heading", name="Work queue")).to_be_visible()
    check_page(staff, "staff-queue")
    staff.get_by_role("link", name=reference).click()
    staff.get_by_role("button", name="Claim this case").click()
    expect(staff.get_by_text("You hold this case now.")).to_be_visible()
    check_page(staff, "staff-case")
    staff.get_by_role("button", name="Start handling").click()
    staff.get_by_label("Note for “Send the answer and close” (required)").fill("Yes: book a visit to our Osaka office.")
    staff.get_by_role("button", name="Send the answer and close").click()
    expect(staff.get_by_text("Done. The case is now: Answered.")).to_be_visible()

    page.goto(live_server + "/account")
    row = page.get_by_role("row", name=re.compile(reference))
    expect(row).to_contain_text("Answered")
    row.get_by_role("link", name=reference).click()
    expect(page.get_by_text("Yes: book a visit to our Osaka office.")).to_be_visible()
    check_page(page, "citizen-case-answered")
    citizen_context.close()
    staff_context.close()


def test_the_first_tab_reaches_the_skip_link_and_pages_fit_a_320px_phone(live_server, browser, check_page):
    context = browser.new_context(viewport={"width": 320, "height": 640}, locale="zh-TW")
    page = context.new_page()
    for path in ("/", "/missions", "/account/register", "/account/login", "/privacy"):
        page.goto(live_server + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 320, (path, width)
        check_page(page, "phone" + path.replace("/", "-"))
    page.goto(live_server + "/")
    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#main-content")).to_be_focused()
    context.close()


def test_the_error_summary_takes_focus_and_its_links_focus_the_field(live_server, browser):
    context = browser.new_context(locale="en")
    page = context.new_page()
    page.goto(live_server + "/account/register")
    page.get_by_role("button", name="Create account").click()
    expect(page.locator(".error-summary")).to_be_focused()
    page.get_by_role("link", name="Enter your full name.").click()
    expect(page.get_by_label("Full name")).to_be_focused()
    context.close()


def test_pages_work_without_javascript(live_server, browser):
    context = browser.new_context(locale="en", java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server + "/account/register")
    page.get_by_role("button", name="Create account").click()
    expect(page.locator(".error-summary")).to_contain_text("Enter your full name.")
    page.goto(live_server + "/language?lang=zh_Hant_TW&next=/missions")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hant-TW")
    context.close()
