"""Steps on a case that matter most, in a real browser with axe: the request for more information
at the top of the case page, an irreversible step confirmed on a page of its own, and an officer's
internal note; in both languages, at phone and desktop width."""

from playwright.sync_api import expect

from tests.fixtures.browser import browser_sign_in


def test_more_information_then_a_withdrawal_confirmed_on_its_own_page(live_server, browser, make_user, make_enquiry,
                                                                        check_page):
    for locale, width, withdraw, sure in (("en", 1280, "Withdraw this enquiry", "Are you sure?"),
                                          ("zh_Hant_TW", 320, "撤回此詢問", "確定要執行嗎？")):
        citizen = make_user("citizen", locale=locale)
        officer = make_user("staff", mission="tokyo", locale="en")  # one each: a code is used once
        reference = make_enquiry(citizen)
        staff = browser.new_context(locale="en").new_page()
        browser_sign_in(staff, live_server, officer, f"/staff/cases/{reference}")
        staff.get_by_role("button", name="Claim this case").click()
        staff.get_by_role("button", name="Start handling").click()
        staff.get_by_role("textbox", name="Internal note").fill("The caller sounded worried; call back if no reply.")
        staff.get_by_role("button", name="Add the note").click()
        expect(staff.locator("#internal-notes").locator("..")).to_contain_text("The caller sounded worried")
        check_page(staff, f"staff-case-notes-{locale}")
        staff.get_by_label("Note for “Ask the citizen for more information” (required)").fill("Which city?")
        staff.get_by_role("button", name="Ask the citizen for more information").click()
        staff.context.close()

        page = browser.new_context(locale=locale.replace("_Hant_TW", "-TW"),
                                   viewport={"width": width, "height": 900}).new_page()
        browser_sign_in(page, live_server, citizen, f"/account/cases/{reference}")
        notice = page.locator("#more-information")
        expect(notice).to_contain_text("Which city?")
        expect(page.locator("body")).not_to_contain_text("The caller sounded worried")
        check_page(page, f"case-more-information-{locale}-{width}")
        page.get_by_role("button", name=withdraw).click()
        expect(page.locator("h1")).to_contain_text(sure)
        check_page(page, f"confirm-withdraw-{locale}-{width}")
        page.locator("main form button.button-warning").click()
        expect(page.locator(".tag")).to_contain_text("Withdrawn" if locale == "en" else "已撤回")
        page.context.close()
