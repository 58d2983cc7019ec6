"""From a completed service through the emailed survey link to the satisfaction figure a
supervisor reads, in a real browser, with axe on every survey page in both languages."""

from playwright.sync_api import expect

from tests.fixtures.browser import PASSWORD, browser_sign_in
from tests.fixtures.surveys import survey_mails, survey_path


def test_a_citizen_answers_from_the_email_and_the_supervisor_sees_the_share_satisfied(
        live_server, browser, citizen, supervisor, outbox, completed, check_page, client, headquarters):
    for _ in range(6):
        completed("enquiry")
    links = [survey_path(mail) for mail in survey_mails(outbox, citizen.email)]
    assert len(links) == 6
    for link in links[2:]:  # four answered already: two satisfied, two very satisfied
        client.post(link, data={"overall": "4" if link in links[2:4] else "5"})

    english = browser.new_context(locale="en-GB").new_page()
    english.goto(live_server + links[0])
    expect(english.get_by_role("heading", name="How was the service?")).to_be_visible()
    check_page(english, "survey-en")
    english.get_by_role("button", name="Send my answer").click()
    expect(english.locator(".error-summary")).to_be_focused()
    check_page(english, "survey-errors-en")
    english.get_by_label("Dissatisfied", exact=True).check()
    english.get_by_label("How could we improve this service? (optional)").fill("The answer took two weeks.")
    english.get_by_role("button", name="Send my answer").click()
    expect(english.get_by_role("heading", name="Thank you for your answer")).to_be_visible()
    expect(english.get_by_role("heading", name="Would you like us to contact you about it?")).to_be_visible()
    check_page(english, "survey-thanks-en")
    english.get_by_role("link", name="Yes, contact me").click()  # the message goes in their name: sign in
    english.locator("main input[name=email]").fill(citizen.email)
    english.locator("main input[name=password]").fill(PASSWORD)
    english.locator("main form button[type=submit]").click()
    english.get_by_label("What should we look into?").fill("Two weeks for a simple answer.")
    english.get_by_role("button", name="Yes, contact me").click()
    expect(english.get_by_role("heading", name="We will contact you")).to_be_visible()
    expect(english.locator(".reference")).to_contain_text("DGM-")
    check_page(english, "survey-contact-sent-en")
    english.goto(live_server + links[0])
    expect(english.get_by_role("heading", name="This survey link no longer works")).to_be_visible()
    check_page(english, "survey-spent-en")

    chinese = browser.new_context(locale="zh-TW").new_page()
    chinese.goto(live_server + links[1])
    expect(chinese.get_by_role("heading", name="服務如何？")).to_be_visible()
    check_page(chinese, "survey-zh")
    chinese.get_by_label("非常滿意").check()
    chinese.get_by_role("button", name="送出回答").click()
    expect(chinese.get_by_role("heading", name="感謝您的回答")).to_be_visible()
    check_page(chinese, "survey-thanks-zh")

    boss = browser.new_context(locale="en-GB").new_page()
    browser_sign_in(boss, live_server, supervisor, "/staff/surveys")
    expect(boss.get_by_role("heading", name="Satisfaction surveys")).to_be_visible()
    trend = boss.get_by_role("table", name="General enquiry: every mission, by month")
    expect(trend).to_contain_text("83 %")  # 5 of 6 satisfied or very satisfied
    expect(trend).to_contain_text("100 %")  # every invitation answered
    check_page(boss, "survey-results-en")
    boss.get_by_role("link", name="The questions of this survey").click()
    expect(boss.get_by_role("heading", name="Survey questions: General enquiry")).to_be_visible()
    boss.locator("#questions-0-zh").fill("您如何得知本服務？")
    boss.locator("#questions-0-en").fill("How did you hear of this service?")
    boss.locator("#questions-0-type").select_option("choice")
    boss.locator("#questions-0-options").fill("網站 | Website\n親友 | Family or friends")
    boss.get_by_role("button", name="Save as a new version").click()
    expect(boss.get_by_text("Saved as version 2 of the survey.")).to_be_visible()
    check_page(boss, "survey-questions-en")
    boss.set_viewport_size({"width": 320, "height": 640})
    check_page(boss, "survey-questions-phone-en")
    boss.goto(live_server + "/staff/surveys")
    check_page(boss, "survey-results-phone-en")


def test_the_other_survey_pages_in_both_languages(live_server, browser, citizen, supervisor, check_page):
    for locale, suffix in (("en-GB", "en"), ("zh-TW", "zh")):
        page = browser.new_context(locale=locale).new_page()
        page.goto(live_server + "/advisories")
        page.locator("form.page-usefulness button[value='no']").click()
        expect(page.locator("textarea[name='comment']")).to_be_visible()
        check_page(page, f"page-feedback-{suffix}")
        page.locator("textarea[name='comment']").fill("The list is long.")
        page.locator("main form button[type=submit]").click()
        expect(page.locator("h1")).to_have_text("Thank you for telling us" if suffix == "en" else "感謝您告訴我們")
        check_page(page, f"page-feedback-sent-{suffix}")
        page.goto(live_server + "/surveys/no-such-link")
        check_page(page, f"survey-spent-{suffix}")
        browser_sign_in(page, live_server, citizen, "/account/surveys")
        if suffix == "zh":
            page.get_by_role("link", name="中文").click()  # the account keeps English until asked
            expect(page.get_by_role("heading", name="滿意度問卷電子郵件")).to_be_visible()
        expect(page.locator("input[name='survey_emails']")).to_be_checked()
        check_page(page, f"survey-emails-{suffix}")
    # Staff sign in once: a second sign-in within the same 30 seconds would reuse the one-time code.
    staff = browser.new_context(locale="en-GB").new_page()
    browser_sign_in(staff, live_server, supervisor, "/staff/surveys")
    check_page(staff, "survey-results-pages-en")
    staff.get_by_role("link", name="中文").click()
    expect(staff.get_by_role("heading", name="滿意度問卷")).to_be_visible()
    check_page(staff, "survey-results-pages-zh")
    staff.goto(live_server + "/staff/surveys/passport/questions")
    expect(staff.get_by_role("heading", name="問卷題目：護照申請")).to_be_visible()
    check_page(staff, "survey-questions-zh")
