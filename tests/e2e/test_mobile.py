"""A mobile service day from end to end in a real browser: staff plan and publish it, a citizen books
and downloads the invitation, another joins the waiting list and is promoted when the first cancels,
and on the day staff check both in and record their services, which reach the queue. Axe checks
every page on the way, in both languages and at phone width."""

import re
from datetime import UTC, datetime, time
from pathlib import Path

import icalendar
import time_machine
from playwright.sync_api import expect

from tests.fixtures.browser import browser_sign_in

#: Monday 1 March 2027, 12:00 in Tokyo; the day itself is Sunday 14 March
PLANNING = datetime(2027, 3, 1, 3, 0, tzinfo=UTC)
ON_THE_DAY = datetime(2027, 3, 14, 1, 30, tzinfo=UTC)


def test_a_service_day_from_planning_to_the_queue(live_server, browser, officer, make_user, outbox, check_page):
    first = make_user("citizen", name="Lin Mei-hua")
    second = make_user("citizen", name="Chen Wei", locale="zh_Hant_TW")
    with time_machine.travel(PLANNING):
        staff = browser.new_context(locale="en-GB").new_page()
        browser_sign_in(staff, live_server, officer, "/staff/mobile-services")
        expect(staff.get_by_role("heading", name="Mobile service days")).to_be_visible()
        staff.get_by_role("link", name="Plan a service day").click()
        check_page(staff, "mobile-plan-en")
        staff.get_by_label("Date").fill("2027-03-14")
        staff.get_by_label("Venue", exact=True).fill("Sendai Taiwanese Hall")
        staff.get_by_label("Address").fill("1-3 Ichibancho, Aoba-ku")
        staff.get_by_label("City").fill("Sendai")
        staff.get_by_label("Map link (optional)").fill("https://maps.example.org/sendai")
        staff.locator("#sessions-0-starts_at").fill("09:30")
        staff.locator("#sessions-0-ends_at").fill("12:00")
        staff.get_by_label("Passport renewal: Places to book").fill("1")
        staff.get_by_role("button", name="Add a session").click()
        staff.locator("#sessions-1-starts_at").fill("13:30")
        staff.locator("#sessions-1-ends_at").fill("16:00")
        staff.locator("#sessions-1-passport_renewal_book").fill("3")
        staff.locator("#sessions-1-information_walk_in").fill("10")
        staff.get_by_role("button", name="Save as a draft").click()
        expect(staff.get_by_text("The day is saved as a draft.")).to_be_visible()
        check_page(staff, "mobile-staff-day-draft-en")
        staff.get_by_role("button", name="Publish").click()
        expect(staff.get_by_text("The day is published")).to_be_visible()

        # The first citizen finds the day, books the morning's only place and downloads the invitation.
        citizen = browser.new_context(locale="en-GB", accept_downloads=True).new_page()
        citizen.goto(live_server + "/mobile-services")
        check_page(citizen, "mobile-index-en")
        citizen.get_by_role("link", name=re.compile("Sendai")).click()
        expect(citizen.get_by_role("heading", name="Mobile consular service in Sendai")).to_be_visible()
        check_page(citizen, "mobile-day-en")
        citizen.set_viewport_size({"width": 320, "height": 640})
        check_page(citizen, "mobile-day-phone-en")
        citizen.set_viewport_size({"width": 1280, "height": 800})
        citizen.get_by_role("link", name="Book a place").click()
        citizen.locator("main input[name=email]").fill(first.email)
        citizen.locator("main input[name=password]").fill("correct horse battery staple")
        citizen.locator("main form button[type=submit]").click()
        citizen.get_by_role("button", name="Continue").click()
        expect(citizen.locator(".error-summary")).to_be_visible()
        check_page(citizen, "mobile-book-errors-en")
        citizen.get_by_label(re.compile("09:30–12:00 · Passport renewal · 1 place left")).check()
        citizen.get_by_role("button", name="Continue").click()
        check_page(citizen, "mobile-confirm-en")
        citizen.get_by_role("button", name="Confirm the booking").click()
        expect(citizen.get_by_role("heading", name="Your place is booked")).to_be_visible()
        check_page(citizen, "mobile-booked-en")
        with citizen.expect_download() as download:
            citizen.get_by_role("link", name="Add it to your calendar (.ics)").click()
        invitation = icalendar.Calendar.from_ical(Path(download.value.path()).read_bytes())
        event = invitation.walk("VEVENT")[0]
        assert event.decoded("DTSTART").isoformat() == "2027-03-14T09:30:00+09:00"
        assert "Sendai" in str(event["LOCATION"])

        # The second, reading in Chinese, finds the morning full and joins its waiting list.
        waiting = browser.new_context(locale="zh-TW").new_page()
        browser_sign_in(waiting, live_server, second)
        waiting.goto(live_server + "/mobile-services")
        waiting.get_by_role("link", name=re.compile("Sendai")).click()
        check_page(waiting, "mobile-day-zh")
        waiting.get_by_role("link", name="預約名額").click()
        check_page(waiting, "mobile-book-zh")
        waiting.get_by_label(re.compile("09:30–12:00 · 護照換發 · 已額滿")).check()
        waiting.get_by_role("button", name="繼續").click()
        waiting.get_by_role("button", name="登記候補").click()
        expect(waiting.get_by_role("heading", name="您已登記候補")).to_be_visible()
        check_page(waiting, "mobile-waitlisted-zh")
        waiting.set_viewport_size({"width": 320, "height": 640})
        check_page(waiting, "mobile-waitlisted-phone-zh")

        # The first cancels; the second is offered the place by email and confirms it.
        citizen.get_by_role("link", name="Cancel the booking").click()
        check_page(citizen, "mobile-cancel-en")
        citizen.get_by_label("Why are you cancelling? (optional)").fill("I can come in the afternoon instead.")
        citizen.get_by_role("button", name="Cancel the booking").click()
        expect(citizen.get_by_text(re.compile("Your booking BKG-.* is cancelled."))).to_be_visible()
        [offer] = [m for m in outbox(second.email) if "有名額為您保留" in m.subject]
        link = re.search(r"https?://\S+/mobile-services/bookings/\S+", offer.body).group(0)
        waiting.goto(link)
        check_page(waiting, "mobile-offered-zh")
        waiting.get_by_role("button", name="確認名額").click()
        expect(waiting.get_by_role("heading", name="預約成功")).to_be_visible()

        # The first books the afternoon instead.
        citizen.goto(live_server + "/mobile-services/bookings")
        check_page(citizen, "mobile-my-bookings-en")
        citizen.goto(live_server + "/mobile-services")
        citizen.get_by_role("link", name=re.compile("Sendai")).click()
        citizen.get_by_role("link", name="Book a place").click()
        citizen.get_by_label(re.compile("13:30–16:00 · Passport renewal")).check()
        citizen.get_by_role("button", name="Continue").click()
        citizen.get_by_role("button", name="Confirm the booking").click()
        expect(citizen.get_by_role("heading", name="Your place is booked")).to_be_visible()

    with time_machine.travel(ON_THE_DAY):
        venue = browser.new_context(locale="en-GB", viewport={"width": 360, "height": 740}).new_page()
        browser_sign_in(venue, live_server, officer, "/staff/mobile-services")
        venue.get_by_role("link", name=re.compile("14 March 2027")).click()
        venue.get_by_role("link", name="Check-in and walk-ins").click()
        check_page(venue, "mobile-check-in-phone-en")
        for name in ("Chen Wei", "Lin Mei-hua"):
            venue.get_by_label("Find by reference or name").fill(name)
            venue.get_by_role("button", name="Search").click()
            venue.get_by_role("button", name=re.compile("^Arrived")).click()
            expect(venue.get_by_text(f"{name} has arrived.")).to_be_visible()
            venue.get_by_role("button", name=re.compile("^Record the service")).click()
            expect(venue.get_by_text(re.compile(f"Service recorded for {name}: case MCS-"))).to_be_visible()
        venue.get_by_label("Service and session").select_option(index=1)
        venue.get_by_label("Name (optional)").fill("Wang")
        venue.get_by_role("button", name="Hand out the next ticket").click()
        expect(venue.get_by_text(re.compile(r"Ticket I-001: Information and advice\. 9 left\."))).to_be_visible()
        check_page(venue, "mobile-check-in-ticket-phone-en")
        venue.goto(live_server + "/staff/queue")
        expect(venue.locator("main")).to_contain_text("MCS-")
        references = re.findall(r"MCS-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]", venue.locator("main").inner_text())
        assert len(set(references)) == 2
        venue.goto(live_server + "/staff/mobile-services")
        venue.get_by_role("link", name=re.compile("14 March 2027")).click()
        venue.get_by_role("link", name="Report").click()
        expect(venue.get_by_role("table", name="Services performed")).to_contain_text("2")
        check_page(venue, "mobile-report-phone-en")


def test_the_other_mobile_service_pages_pass_axe_in_both_languages_and_on_a_phone(
        live_server, browser, officer, supervisor, make_user, make_day, check_page):
    citizen = make_user("citizen", locale="zh_Hant_TW")
    with time_machine.travel(PLANNING):
        day_id, uid, quotas = make_day(day=ON_THE_DAY.date(), by=officer, places={"passport_renewal": (3, 2)},
                                       sessions=((time(9, 30), time(12, 0)), (time(13, 30), time(16, 0))))
        staff = browser.new_context(locale="en-GB").new_page()
        browser_sign_in(staff, live_server, officer, "/staff/mobile-services/counter")
        expect(staff.get_by_role("heading", name="Counter bookings")).to_be_visible()
        check_page(staff, "mobile-staff-counter-en")
        staff.get_by_label("Monday").check()
        staff.get_by_label("Thursday").check()
        staff.locator("#sessions-0-starts_at").fill("09:00")
        staff.locator("#sessions-0-ends_at").fill("12:00")
        staff.locator("#sessions-0-document_pickup_book").fill("6")
        staff.get_by_role("button", name="Save the counter's opening").click()
        expect(staff.get_by_text("The counter's opening is saved.")).to_be_visible()
        staff.goto(f"{live_server}/staff/mobile-services/{day_id}/cancel")
        check_page(staff, "mobile-staff-cancel-en")
        staff.get_by_role("button", name="Cancel the day").click()
        expect(staff.locator(".error-summary")).to_be_focused()
        check_page(staff, "mobile-staff-cancel-errors-en")

        person = browser.new_context(locale="zh-TW", viewport={"width": 320, "height": 640}).new_page()
        person.goto(f"{live_server}/missions/tokyo/counter?service=document_pickup")
        check_page(person, "mobile-counter-phone-zh")
        browser_sign_in(person, live_server, citizen, f"/mobile-services/{uid}/book")
        person.get_by_label(re.compile("09:30–12:00")).check()
        person.get_by_role("button", name="繼續").click()
        person.get_by_role("button", name="確認預約").click()
        person.get_by_role("link", name="改到其他場次").click()
        check_page(person, "mobile-move-phone-zh")
        person.get_by_role("button", name="改期").click()
        expect(person.locator(".error-summary")).to_be_visible()
        person.get_by_label(re.compile("13:30–16:00")).check()
        person.get_by_role("button", name="改期").click()
        expect(person.get_by_text("您的預約已改期")).to_be_visible()
        person.goto(f"{live_server}/mobile-services/manage/not-a-real-link")
        check_page(person, "mobile-link-invalid-phone-zh")

        boss = browser.new_context(locale="en-GB").new_page()
        browser_sign_in(boss, live_server, supervisor, "/staff/personal-data-views")
        expect(boss.get_by_role("heading", name="Personal data shown")).to_be_visible()
        check_page(boss, "personal-data-views-en")
