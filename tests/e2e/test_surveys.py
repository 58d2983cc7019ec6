"""From a completed service through the emailed survey link to the satisfaction figure a
supervisor reads, in a real browser, with axe on every survey page in both languages."""

from playwright.sync_api import expect

from tests.fixtures.browser import browser_sign_in
from tests.fixtures.surveys import survey_mails, survey_path


def test_a_citizen_answers_from_the_email_and_the_supervisor_sees_the_share_satisfied(
        live_server, browser, citizen, supervisor, outbox, completed, check_page, client):
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
    expect(english.get_by_role("link", name="Write to the Director-General's mailbox")).to_be_visible()
    check_page(english, "survey-thanks-en")
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
    boss.set_viewport_size({"width": 320, "height": 640})
    check_page(boss, "survey-results-phone-en")
