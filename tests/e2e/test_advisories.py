"""Travel advice in a real browser: an editor drafts a level change, a supervisor publishes it,
a confirmed subscriber and a registered traveller get the email through a real SMTP server, and
the public page, history and feed show the new level."""

import re
from datetime import UTC, datetime, timedelta

import feedparser
from playwright.sync_api import expect

from tests.fixtures.browser import browser_sign_in


def test_a_level_change_from_draft_to_inboxes(app, live_server, browser, make_user, editors, publish_advice,
                                              check_page, smtp_server):
    publish_advice("TH", "grey", regions=[("南部", "Southern provinces", "yellow")])
    editor, supervisor = editors
    traveller = make_user("citizen", email="traveller@example.tw")

    public = browser.new_context(locale="en").new_page()
    public.goto(live_server + "/advisories")
    check_page(public, "advisories-index")
    public.get_by_label("Country name").fill("thai")
    public.get_by_role("button", name="Show countries").click()
    public.get_by_role("link", name="Thailand").click()
    expect(public.locator(".advisory-level")).to_contain_text("Level 1 · Grey")
    check_page(public, "advisory-country")
    public.get_by_role("link", name="Get email alerts for Thailand").click()
    public.get_by_label("Email address").fill("subscriber@example.tw")
    public.get_by_role("button", name="Subscribe").click()
    expect(public.get_by_role("heading", name="Check your email")).to_be_visible()
    public.goto(live_server + "/dev/mailbox")
    public.locator("a[href*='/advisories/subscribe/confirm/']").first.click()
    expect(public.get_by_text("You will now get an email when the advice changes.")).to_be_visible()

    trip_page = browser.new_context(locale="en").new_page()
    trip_page.goto(live_server + "/account/login")
    trip_page.get_by_label("Email address").fill(traveller.email)
    trip_page.get_by_label("Password").fill("correct horse battery staple")
    trip_page.get_by_role("button", name="Sign in").click()
    trip_page.goto(live_server + "/travel-registration?country=TH")
    check_page(trip_page, "travel-registration")
    trip_page.get_by_role("group", name="Regions you will visit (optional)").get_by_label(
        "Southern provinces").check()
    today = datetime.now(UTC).date()
    trip_page.get_by_label("First day of the trip").fill(today.isoformat())
    trip_page.get_by_label("Last day of the trip").fill((today + timedelta(days=14)).isoformat())
    trip_page.get_by_label("Phone number while abroad").fill("+66 81 234 5678")
    trip_page.get_by_label("Emergency contact at home: name").fill("Lin Mei")
    trip_page.get_by_label("Emergency contact at home: phone").fill("+886 912 345 678")
    trip_page.get_by_role("button", name="Register trip").click()
    expect(trip_page.get_by_role("heading", name="Your trip is registered")).to_be_visible()
    check_page(trip_page, "travel-registered")

    desk = browser.new_context(locale="en").new_page()
    browser_sign_in(desk, live_server, editor)
    expect(desk.get_by_role("heading", name="Work queue")).to_be_visible()
    desk.get_by_role("link", name="Travel advice").click()
    check_page(desk, "advisory-staff-overview")
    desk.get_by_role("link", name="Thailand").click()
    desk.get_by_role("button", name="Start a new draft").click()
    desk.get_by_label("Level for the whole country").select_option("yellow")
    desk.get_by_label("Regions with their own level").fill("南部 | Southern provinces | orange")
    desk.get_by_label("Latest update note in Chinese").fill("南部發生爆炸案，調升為橙色。")
    desk.get_by_label("Latest update note in English").fill("Bombings in the south: raised to orange.")
    check_page(desk, "advisory-edit")
    desk.get_by_role("button", name="Save draft").click()
    expect(desk.get_by_text("Draft saved.")).to_be_visible()
    check_page(desk, "advisory-edition")
    edition_url = desk.url

    boss = browser.new_context(locale="en").new_page()
    browser_sign_in(boss, live_server, supervisor)
    expect(boss.get_by_role("heading", name="Work queue")).to_be_visible()
    boss.goto(edition_url)
    expect(boss.locator("pre.diff").first).to_contain_text("+yellow")
    boss.get_by_label("Comment for the change history").fill("Confirmed with the mission in Bangkok")
    boss.get_by_role("button", name="Publish or schedule").click()
    expect(boss.get_by_text("Published. Subscribers will be told of a major update.")).to_be_visible()

    result = app.test_cli_runner().invoke(args=["worker", "--once"])  # delivers to the local SMTP server
    assert result.exit_code == 0, result.output
    delivered = {m["To"]: m for m in smtp_server.messages}  # each person's last message
    assert delivered["subscriber@example.tw"]["Subject"] == "Travel advice changed: Thailand"
    assert delivered["subscriber@example.tw"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "Bombings in the south" in delivered["subscriber@example.tw"].get_payload(decode=True).decode()
    assert delivered["traveller@example.tw"]["Subject"].startswith("Important: the travel level for Thailand")

    public.goto(live_server + "/advisories/TH")
    expect(public.locator(".advisory-level")).to_contain_text("Level 2 · Yellow")
    expect(public.locator(".region-levels")).to_contain_text("Southern provinces")
    expect(public.locator(".region-levels")).to_contain_text("Level 3 · Orange")
    expect(public.locator(".timeline").first).to_contain_text("Bombings in the south: raised to orange.")
    feed = feedparser.parse(public.request.get(live_server + "/advisories/TH/feed.atom",
                                               headers={"Accept-Language": "en"}).body())
    assert re.search("Yellow", feed.entries[0].title) and feed.bozo == 0


def test_emergency_help_pages_are_accessible(live_server, browser, check_page, outbox):
    page = browser.new_context(locale="zh-TW").new_page()
    page.goto(live_server + "/assistance?country=JP")
    check_page(page, "assistance-start-zh")
    page.locator("a[href*='/assistance/lost_passport']").click()
    check_page(page, "assistance-form-zh")
    page.locator("main form button[type=submit]").last.click()
    expect(page.locator(".error-summary")).to_be_visible()
    check_page(page, "assistance-errors-zh")
    page.select_option("#country_code", "JP")
    page.fill("#location", "新宿車站")
    page.fill("#name", "陳偉")
    page.fill("#phone", "+81 90 1111 2222")
    page.fill("#email", "wei@example.tw")
    page.fill("#details", "護照在車站被偷了。")
    page.locator("main form button[type=submit]").last.click()
    expect(page.locator(".panel-confirmation")).to_be_visible()
    check_page(page, "assistance-sent-zh")
    page.goto(live_server + outbox.link("wei@example.tw"))  # the follow link, without an account
    expect(page.locator("h1 .reference")).to_be_visible()
    check_page(page, "assistance-follow-zh")
