"""Mobile consular service days: planning and publishing, the public pages and calendars, booking
within the quota, the waiting list, moving and cancelling, and notice of changes."""

import re
from datetime import UTC, date, datetime, time, timedelta

import icalendar
import pytest
import sqlalchemy as sa
import time_machine

from tests.fixtures.accounts import signed_in_client
from tests.fixtures.mobile import book, bookings, day_form, quota_row
from tests.fixtures.pages import page_text


def day_row(app, day_id):
    from portal.extensions import db
    from portal.mobile.models import ServiceDay

    with app.app_context():
        row = db.session.get(ServiceDay, day_id)
        db.session.expunge(row)
        return row


def run_jobs(app):
    from portal.core.jobs import run_due_jobs
    from portal.extensions import db

    with app.app_context():
        run_due_jobs(db.session)


# --- staff: planning and publishing ------------------------------------------------------------------

def test_an_officer_plans_a_draft_nobody_sees_until_it_is_published(app, officer, client):
    staff = signed_in_client(app, officer)
    when = date.today() + timedelta(days=40)
    response = staff.post("/staff/mobile-services/new", data=day_form(app, day=when, sessions=[("09:30", "12:00"),
                                                                                         ("13:30", "16:00")]))
    assert response.status_code == 303
    day_id = int(response.headers["Location"].rsplit("/", 1)[1])
    day = day_row(app, day_id)
    assert day.status == "draft"
    assert client.get(f"/mobile-services/{day.uid}").status_code == 404
    assert "Sendai" not in page_text(client.get("/mobile-services"))

    page = staff.get(f"/staff/mobile-services/{day_id}")
    assert "Draft" in page_text(page)
    response = staff.post(f"/staff/mobile-services/{day_id}/publish", data={"version": str(day.version)},
                          follow_redirects=True)
    assert "The day is published" in page_text(response)
    listing = page_text(client.get("/mobile-services"))
    assert "Sendai" in listing and "5 places left" in listing
    public = page_text(client.get(f"/mobile-services/{day.uid}"))
    assert "09:30" in public and "13:30" in public
    assert "First-time passports and express service are not offered" in public
    assert "one colour photo" in public  # what to bring for a passport renewal


@pytest.mark.parametrize(("change", "message"), [
    ({"sessions-0-ends_at": "09:00"}, "Session 1 must end after it starts."),
    ({"sessions-0-passport_renewal_book": "0", "sessions-0-passport_renewal_walk_in": "0",
      "sessions-0-information_walk_in": "0"}, "offers no places"),
    ({"sessions-0-passport_renewal_book": "-3"}, "Enter a number from 0 to 500."),
    ({"sessions-0-passport_renewal_book": "many"}, "Not a valid integer value."),
    ({"timezone": "Mars/Olympus"}, "Choose the time zone of the venue from the list."),
    ({"map_url": "javascript:alert(1)"}, "Enter a link that starts with https://."),
    ({"venue": ""}, "Enter the name of the venue."),
    ({"day": "2020-01-01"}, "The day must be today or later."),
])
def test_a_bad_plan_is_refused_with_its_reason_and_nothing_is_saved(app, officer, change, message):
    from portal.mobile.models import ServiceDay

    staff = signed_in_client(app, officer)
    response = staff.post("/staff/mobile-services/new",
                          data=day_form(app, **{"day": date.today() + timedelta(days=40), **change}))
    assert response.status_code == 400
    assert message in page_text(response)
    with app.app_context():
        from portal.extensions import db

        assert db.session.scalar(sa.select(sa.func.count()).select_from(ServiceDay)) == 0


def test_overlapping_sessions_are_refused(app, officer):
    staff = signed_in_client(app, officer)
    response = staff.post("/staff/mobile-services/new", data=day_form(
        app, day=date.today() + timedelta(days=40), sessions=[("09:30", "12:00"), ("11:00", "13:00")]))
    assert response.status_code == 400
    assert "Sessions must not overlap." in page_text(response)


def test_officers_of_another_mission_cannot_see_or_change_a_day(app, make_user, make_day):
    day_id, uid, _ = make_day(mission="tokyo")
    other = signed_in_client(app, make_user("staff", mission="seoul"))
    assert other.get(f"/staff/mobile-services/{day_id}").status_code == 404
    assert other.post(f"/staff/mobile-services/{day_id}/cancel", data={"reason": "x"}).status_code == 404
    assert other.get(f"/staff/mobile-services/{day_id}/edit").status_code == 404
    assert "Sendai" not in page_text(other.get("/staff/mobile-services"))
    boss = signed_in_client(app, make_user("supervisor", mission="seoul"))
    assert boss.get(f"/staff/mobile-services/{day_id}").status_code == 200


def test_citizens_and_visitors_cannot_reach_the_staff_pages(app, citizen, client, make_day):
    day_id, _, _ = make_day()
    assert client.get("/staff/mobile-services").status_code == 302
    signed = signed_in_client(app, citizen)
    assert signed.get(f"/staff/mobile-services/{day_id}").status_code == 403
    assert signed.post("/staff/mobile-services/new", data={}).status_code == 403


# --- calendars ------------------------------------------------------------------------------------

def test_the_calendar_feeds_parse_with_stable_uids_and_sequences_that_follow_changes(app, officer, client, make_day):
    day_id, uid, _ = make_day(sessions=((time(9, 30), time(12, 0)), (time(13, 30), time(16, 0))), by=officer)
    feed = icalendar.Calendar.from_ical(client.get("/mobile-services/calendar.ics").data)
    events = feed.walk("VEVENT")
    assert len(events) == 2
    first = events[0]
    assert first["DTSTART"].params["TZID"] == "Asia/Tokyo"
    assert first.decoded("DTSTART").utcoffset() == timedelta(hours=9)
    assert first.decoded("DTSTART").time() == time(9, 30)
    assert first["DTSTAMP"] and "Sendai" in str(first["LOCATION"])
    assert int(first["SEQUENCE"]) == 0 and str(first["STATUS"]) == "CONFIRMED"
    assert feed.walk("VTIMEZONE")
    uids = [str(e["UID"]) for e in events]

    staff = signed_in_client(app, officer)
    form = day_form(app, day=day_row(app, day_id).day, sessions=[("10:00", "12:00"), ("13:30", "16:00")],
                    places={"passport_renewal": (5, 2)}, version=str(day_row(app, day_id).version))
    edit_page = staff.get(f"/staff/mobile-services/{day_id}/edit").get_data(as_text=True)
    for index, session_id in enumerate(re.findall(r'name="sessions-\d-session_id" type="hidden" value="(\d+)"',
                                                  edit_page)):
        form[f"sessions-{index}-session_id"] = session_id
    assert staff.post(f"/staff/mobile-services/{day_id}/edit", data=form).status_code == 303
    mission_feed = icalendar.Calendar.from_ical(client.get("/missions/tokyo/mobile-services.ics").data)
    changed = mission_feed.walk("VEVENT")
    assert [str(e["UID"]) for e in changed] == uids
    assert int(changed[0]["SEQUENCE"]) == 1 and changed[0].decoded("DTSTART").time() == time(10, 0)

    staff.post(f"/staff/mobile-services/{day_id}/cancel",
               data={"reason": "Typhoon warning", "version": str(day_row(app, day_id).version)})
    cancelled = icalendar.Calendar.from_ical(client.get("/mobile-services/calendar.ics").data).walk("VEVENT")
    assert {str(e["STATUS"]) for e in cancelled} == {"CANCELLED"}
    assert int(cancelled[0]["SEQUENCE"]) == 2
    assert [str(e["UID"]) for e in cancelled] == uids
    assert client.get("/missions/nowhere/mobile-services.ics").status_code == 404


# --- booking ------------------------------------------------------------------------------------------

def test_a_citizen_books_a_place_and_is_sent_the_invitation(app, citizen, make_day, outbox):
    _, uid, quotas = make_day(places={"passport_renewal": (3, 1)})
    signed = signed_in_client(app, citizen)
    response = book(signed, uid, quotas[(0, "passport_renewal")])
    assert response.status_code == 303
    page = page_text(signed.get(response.headers["Location"]))
    assert "Your place is booked" in page
    [booking] = bookings(app)
    assert booking.reference in page and booking.status == "booked"
    assert quota_row(app, quotas[(0, "passport_renewal")]).booked == 1

    [mail] = [m for m in outbox(citizen.email) if "booked" in m.subject]
    assert booking.reference in mail.subject and "What to bring" in mail.body
    [attachment] = mail.attachments
    assert attachment["content_type"] == "text/calendar; method=REQUEST"
    invitation = icalendar.Calendar.from_ical(attachment["content"])
    assert str(invitation["METHOD"]) == "REQUEST"
    [event] = invitation.walk("VEVENT")
    assert str(event["UID"]) == f"booking-{booking.reference}@localhost"
    assert str(event["ATTENDEE"]) == f"mailto:{citizen.email}"
    assert str(event["ORGANIZER"]).startswith("mailto:")
    assert event["DTSTART"].params["TZID"] == "Asia/Tokyo"

    download = signed.get(f"/mobile-services/bookings/{booking.reference}/invitation.ics")
    assert download.mimetype == "text/calendar"
    assert icalendar.Calendar.from_ical(download.data).walk("VEVENT")[0]["UID"] == event["UID"]


def test_the_same_form_sent_twice_books_once(app, citizen, make_day):
    from tests.fixtures.mobile import submission_token

    _, uid, quotas = make_day()
    signed = signed_in_client(app, citizen)
    token = submission_token(signed.get(f"/mobile-services/{uid}/book").get_data(as_text=True))
    data = {"quota": str(quotas[(0, "passport_renewal")]), "submission_token": token, "confirm": "1"}
    first, second = signed.post(f"/mobile-services/{uid}/book", data=data), signed.post(f"/mobile-services/{uid}/book", data=data)
    assert first.headers["Location"] == second.headers["Location"]
    assert len(bookings(app)) == 1
    assert quota_row(app, quotas[(0, "passport_renewal")]).booked == 1


def test_one_booking_per_person_and_session(app, citizen, make_day):
    _, uid, quotas = make_day(places={"passport_renewal": (3, 0), "document_authentication": (3, 0)})
    signed = signed_in_client(app, citizen)
    assert book(signed, uid, quotas[(0, "passport_renewal")]).status_code == 303
    again = book(signed, uid, quotas[(0, "document_authentication")])
    assert again.status_code == 400
    assert "You already have a booking for this session" in page_text(again)
    assert len(bookings(app)) == 1
    assert quota_row(app, quotas[(0, "document_authentication")]).booked == 0


def test_a_service_the_day_does_not_offer_cannot_be_booked(app, citizen, make_day):
    _, uid, quotas = make_day(places={"passport_renewal": (3, 0), "information": (0, 5)})
    _, _, other_quotas = make_day(places={"document_authentication": (3, 0)})
    signed = signed_in_client(app, citizen)
    for quota_id in (quotas[(0, "information")], other_quotas[(0, "document_authentication")], 99999):
        response = book(signed, uid, quota_id)
        assert response.status_code == 400
        assert "Choose a session and a service." in page_text(response)
    assert bookings(app) == []


def test_booking_closes_before_the_session_and_a_late_attempt_saves_nothing(app, citizen, make_day):
    day = date(2027, 3, 14)
    with time_machine.travel(datetime(2027, 3, 1, 3, 0, tzinfo=UTC)):
        _, uid, quotas = make_day(day=day)
        signed = signed_in_client(app, citizen)
        from tests.fixtures.mobile import submission_token

        token = submission_token(signed.get(f"/mobile-services/{uid}/book").get_data(as_text=True))
    # 09:30 in Tokyo is 00:30 UTC; bookings close 24 hours before.
    with time_machine.travel(datetime(2027, 3, 13, 0, 31, tzinfo=UTC)):
        signed = signed_in_client(app, citizen)
        response = signed.post(f"/mobile-services/{uid}/book", data={
            "quota": str(quotas[(0, "passport_renewal")]), "submission_token": token, "confirm": "1"})
        assert response.status_code == 200
        assert "No session of this day can be booked any more" in page_text(response)
        assert "Booking has closed" in page_text(signed.get(f"/mobile-services/{uid}"))
    assert bookings(app) == [] and quota_row(app, quotas[(0, "passport_renewal")]).booked == 0


def test_staff_cannot_book_and_visitors_are_sent_to_sign_in(app, officer, client, make_day):
    _, uid, _ = make_day()
    response = client.get(f"/mobile-services/{uid}/book")
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]
    assert signed_in_client(app, officer).get(f"/mobile-services/{uid}/book").status_code == 302


def test_another_citizens_booking_answers_404(app, make_user, make_day):
    _, uid, quotas = make_day()
    owner, stranger = make_user("citizen"), make_user("citizen")
    book(signed_in_client(app, owner), uid, quotas[(0, "passport_renewal")])
    [booking] = bookings(app)
    other = signed_in_client(app, stranger)
    for path in ("", "/invitation.ics", "/cancel", "/move"):
        assert other.get(f"/mobile-services/bookings/{booking.reference}{path}").status_code == 404
    assert other.post(f"/mobile-services/bookings/{booking.reference}/cancel", data={"reason": ""}).status_code == 404
    assert other.post(f"/mobile-services/bookings/{booking.reference}/confirm").status_code == 404
    assert bookings(app)[0].status == "booked"


# --- a full session: the waiting list ------------------------------------------------------------------

def test_a_full_session_offers_its_waiting_list_and_a_cancellation_promotes_the_first_in_line(
        app, make_user, make_day, outbox):
    _, uid, quotas = make_day(places={"passport_renewal": (1, 0)})
    quota_id = quotas[(0, "passport_renewal")]
    first, second, third = (make_user("citizen") for _ in range(3))
    book(signed_in_client(app, first), uid, quota_id)
    second_client, third_client = signed_in_client(app, second), signed_in_client(app, third)

    full = book(second_client, uid, quota_id)
    assert full.status_code == 409
    assert "Every place for this service in this session has just been taken" in page_text(full)
    assert len(bookings(app)) == 1
    assert book(second_client, uid, quota_id, waitlist=True).status_code == 303
    assert book(third_client, uid, quota_id, waitlist=True).status_code == 303
    assert [b.status for b in bookings(app)] == ["booked", "waitlisted", "waitlisted"]
    assert "1 waiting" not in page_text(second_client.get(f"/mobile-services/{uid}"))  # two are waiting
    assert "2 waiting" in page_text(second_client.get(f"/mobile-services/{uid}"))

    owner = signed_in_client(app, first)
    reference = bookings(app)[0].reference
    response = owner.post(f"/mobile-services/bookings/{reference}/cancel",
                          data={"reason": "Cannot travel", "version": str(bookings(app)[0].version)})
    assert response.status_code == 303
    statuses = [b.status for b in bookings(app)]
    assert statuses == ["cancelled", "offered", "waitlisted"]
    assert quota_row(app, quota_id).booked == 1
    cancel_mail = [m for m in outbox(first.email) if "cancelled" in m.subject]
    assert cancel_mail and cancel_mail[0].attachments[0]["content_type"] == "text/calendar; method=CANCEL"
    assert str(icalendar.Calendar.from_ical(cancel_mail[0].attachments[0]["content"])["METHOD"]) == "CANCEL"
    [offer] = [m for m in outbox(second.email) if "waiting for you" in m.subject]
    assert "confirm it by" in offer.body.lower() or "Confirm your place" in offer.body

    promoted = bookings(app)[1]
    page = page_text(second_client.get(f"/mobile-services/bookings/{promoted.reference}"))
    assert "A place has freed up" in page
    second_client.post(f"/mobile-services/bookings/{promoted.reference}/confirm", data={"version": str(promoted.version)})
    assert bookings(app)[1].status == "booked"
    assert [m for m in outbox(second.email) if "Your place is booked" in m.subject]


def test_an_offer_not_confirmed_in_time_passes_to_the_next_person(app, make_user, make_day, outbox):
    from portal.cli import maintenance_round
    from portal.extensions import db

    with time_machine.travel(datetime(2027, 3, 1, 3, 0, tzinfo=UTC)):
        _, uid, quotas = make_day(day=date(2027, 3, 20), places={"passport_renewal": (1, 0)})
        quota_id = quotas[(0, "passport_renewal")]
        people = [make_user("citizen") for _ in range(3)]
        clients = [signed_in_client(app, person) for person in people]
        book(clients[0], uid, quota_id)
        book(clients[1], uid, quota_id, waitlist=True)
        book(clients[2], uid, quota_id, waitlist=True)
        reference = bookings(app)[0].reference
        clients[0].post(f"/mobile-services/bookings/{reference}/cancel", data={"reason": ""})
        assert [b.status for b in bookings(app)] == ["cancelled", "offered", "waitlisted"]
    with time_machine.travel(datetime(2027, 3, 2, 3, 1, tzinfo=UTC)):  # 24 hours and a minute later
        clients[1] = signed_in_client(app, people[1])
        late = bookings(app)[1]
        response = clients[1].post(f"/mobile-services/bookings/{late.reference}/confirm", data={}, follow_redirects=True)
        assert "The time to confirm this place has passed" in page_text(response)
        with app.app_context():
            maintenance_round(db.session)
        assert [b.status for b in bookings(app)] == ["cancelled", "cancelled", "offered"]
        assert quota_row(app, quota_id).booked == 1
        assert [m for m in outbox(people[1].email) if "has gone" in m.subject]
        assert [m for m in outbox(people[2].email) if "waiting for you" in m.subject]


def test_leaving_the_waiting_list_frees_no_place(app, make_user, make_day):
    _, uid, quotas = make_day(places={"passport_renewal": (1, 0)})
    quota_id = quotas[(0, "passport_renewal")]
    holder, waiting = make_user("citizen"), make_user("citizen")
    book(signed_in_client(app, holder), uid, quota_id)
    waiting_client = signed_in_client(app, waiting)
    book(waiting_client, uid, quota_id, waitlist=True)
    reference = bookings(app)[1].reference
    assert waiting_client.post(f"/mobile-services/bookings/{reference}/cancel", data={"reason": ""}).status_code == 303
    assert [b.status for b in bookings(app)] == ["booked", "cancelled"]
    assert quota_row(app, quota_id).booked == 1


# --- moving and cancelling --------------------------------------------------------------------------

def test_moving_takes_the_new_place_before_giving_up_the_old(app, citizen, make_user, make_day, outbox):
    _, uid, quotas = make_day(sessions=((time(9, 30), time(12, 0)), (time(13, 30), time(16, 0))),
                              places={"passport_renewal": (1, 0)})
    morning, afternoon = quotas[(0, "passport_renewal")], quotas[(1, "passport_renewal")]
    signed = signed_in_client(app, citizen)
    book(signed, uid, morning)
    [booking] = bookings(app)
    page = page_text(signed.get(f"/mobile-services/bookings/{booking.reference}/move"))
    assert "13:30" in page
    response = signed.post(f"/mobile-services/bookings/{booking.reference}/move",
                           data={"quota": str(afternoon), "version": str(booking.version)})
    assert response.status_code == 303
    assert quota_row(app, morning).booked == 0 and quota_row(app, afternoon).booked == 1
    [moved_mail] = [m for m in outbox(citizen.email) if "moved" in m.subject]
    event = icalendar.Calendar.from_ical(moved_mail.attachments[0]["content"]).walk("VEVENT")[0]
    assert str(event["UID"]) == f"booking-{booking.reference}@localhost" and int(event["SEQUENCE"]) == 1
    assert event.decoded("DTSTART").time() == time(13, 30)

    # The afternoon is now full: moving back into the morning works, into a full session does not.
    other = signed_in_client(app, make_user("citizen"))
    book(other, uid, morning)
    response = signed.post(f"/mobile-services/bookings/{booking.reference}/move",
                           data={"quota": str(morning), "version": str(bookings(app)[0].version)})
    assert response.status_code == 400
    assert quota_row(app, afternoon).booked == 1 and bookings(app)[0].quota_id == afternoon


def test_the_emailed_link_cancels_without_signing_in_and_a_wrong_link_finds_nothing(app, citizen, client, make_day, outbox):
    _, uid, quotas = make_day()
    book(signed_in_client(app, citizen), uid, quotas[(0, "passport_renewal")])
    [mail] = [m for m in outbox(citizen.email) if "booked" in m.subject]
    link = next(line.split(": ", 1)[1].split("://", 1)[1] for line in mail.body.splitlines() if "/manage/" in line)
    path = "/" + link.split("/", 1)[1]
    page = client.get(path)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert bookings(app)[0].reference in page_text(page)
    assert client.get(path[:-2] + "xx").status_code == 404
    response = client.post(path, data={"reason": "Plans changed", "version": str(bookings(app)[0].version)})
    assert response.status_code == 303
    assert bookings(app)[0].status == "cancelled" and bookings(app)[0].cancel_reason == "Plans changed"
    assert quota_row(app, quotas[(0, "passport_renewal")]).booked == 0
    again = client.post(path, data={"reason": ""})
    assert again.status_code == 400 and "can no longer be changed: it is “Cancelled”" in page_text(again)


def test_the_cancellation_link_is_rate_limited(app, client):
    for _ in range(10):
        client.post("/mobile-services/manage/nothing-here", data={})
    assert client.post("/mobile-services/manage/nothing-here", data={}).status_code == 429


# --- the mission changes or cancels the day ----------------------------------------------------------

def test_a_published_change_tells_everyone_booked_and_a_cancellation_cancels_every_booking(
        app, officer, make_user, make_day, outbox):
    day_id, uid, quotas = make_day(places={"passport_renewal": (2, 0)}, by=officer)
    quota_id = quotas[(0, "passport_renewal")]
    people = [make_user("citizen") for _ in range(3)]
    for index, person in enumerate(people):
        book(signed_in_client(app, person), uid, quota_id, waitlist=index == 2)
    staff = signed_in_client(app, officer)
    day = day_row(app, day_id)
    edit_page = staff.get(f"/staff/mobile-services/{day_id}/edit").get_data(as_text=True)
    session_id = re.search(r'name="sessions-0-session_id" type="hidden" value="(\d+)"', edit_page).group(1)
    # Fewer places than bookings is refused.
    form = day_form(app, day=day.day, places={"passport_renewal": (1, 0)}, version=str(day.version),
                    **{"sessions-0-session_id": session_id})
    refused = staff.post(f"/staff/mobile-services/{day_id}/edit", data=form)
    assert refused.status_code == 400 and "cannot have fewer places" in page_text(refused)
    form = day_form(app, day=day.day, places={"passport_renewal": (2, 0)}, version=str(day.version), venue="Sendai City Hall",
                    **{"sessions-0-session_id": session_id})
    assert staff.post(f"/staff/mobile-services/{day_id}/edit", data=form).status_code == 303
    run_jobs(app)
    for person in people:
        [changed] = [m for m in outbox(person.email) if "has changed" in m.subject]
        assert "Sendai City Hall" in changed.body
    assert [len(m.attachments or []) for p in people for m in outbox(p.email) if "has changed" in m.subject] == [1, 1, 0]

    stale = staff.post(f"/staff/mobile-services/{day_id}/cancel", data={"reason": "Typhoon", "version": str(day.version)})
    assert stale.status_code == 400 and "Someone else changed this service day" in page_text(stale)
    empty = staff.post(f"/staff/mobile-services/{day_id}/cancel",
                       data={"reason": " ", "version": str(day_row(app, day_id).version)})
    assert empty.status_code == 400 and "Say why the day is cancelled" in page_text(empty)
    response = staff.post(f"/staff/mobile-services/{day_id}/cancel",
                          data={"reason": "Typhoon warning", "version": str(day_row(app, day_id).version)},
                          follow_redirects=True)
    assert "3 bookings were cancelled" in page_text(response)
    assert {b.status for b in bookings(app)} == {"cancelled"}
    assert quota_row(app, quota_id).booked == 0
    run_jobs(app)
    for person in people:
        [cancelled] = [m for m in outbox(person.email) if m.subject.startswith("Cancelled")]
        assert "Typhoon warning" in cancelled.body
        assert cancelled.attachments[0]["content_type"] == "text/calendar; method=CANCEL"
    public = page_text(app.test_client().get(f"/mobile-services/{uid}"))
    assert "This service day is cancelled." in public and "Typhoon warning" in public


def test_a_reminder_goes_once_two_days_before(app, citizen, make_day, outbox):
    from portal.cli import maintenance_round
    from portal.extensions import db

    with time_machine.travel(datetime(2027, 3, 1, 3, 0, tzinfo=UTC)):
        _, uid, quotas = make_day(day=date(2027, 3, 14))
        book(signed_in_client(app, citizen), uid, quotas[(0, "passport_renewal")])
        with app.app_context():
            maintenance_round(db.session)
        assert not [m for m in outbox(citizen.email) if m.subject.startswith("Reminder")]
    with time_machine.travel(datetime(2027, 3, 12, 1, 0, tzinfo=UTC)):
        with app.app_context():
            maintenance_round(db.session)
            maintenance_round(db.session)
        [reminder] = [m for m in outbox(citizen.email) if m.subject.startswith("Reminder")]
        assert "What to bring" in reminder.body


# --- the public list ------------------------------------------------------------------------------

def test_the_list_goes_by_region_and_country_and_leaves_out_past_days(app, make_day, client, count_queries):
    make_day(days_ahead=10)
    make_day(days_ahead=20, mission="seoul", country="KR", city="Busan")
    make_day(days_ahead=25, mission="london", country="GB", city="Manchester")
    listing = page_text(client.get("/mobile-services")).split("Show", 1)[1]  # what follows the filters
    assert listing.index("Asia and the Pacific") < listing.index("Japan") < listing.index("Sendai") \
        < listing.index("South Korea") < listing.index("Busan") < listing.index("Europe") < listing.index("Manchester")
    only_japan = page_text(client.get("/mobile-services?country=JP"))
    assert "Sendai" in only_japan and "Busan" not in only_japan
    europe = page_text(client.get("/mobile-services?region=europe"))
    assert "Manchester" in europe and "Sendai" not in europe and "Busan" not in europe
    assert "Sendai" in page_text(client.get("/mobile-services?region=nowhere"))  # an unknown region filters nothing
    with time_machine.travel(datetime.now(UTC) + timedelta(days=15)):
        later = page_text(app.test_client().get("/mobile-services"))
    assert "Busan" in later and "Sendai" not in later
    for _ in range(5):
        make_day(days_ahead=12)
    assert count_queries(lambda: client.get("/mobile-services")) <= 8


def test_publishing_tells_the_countrys_alert_subscribers_and_travellers_there_on_the_day(
        app, officer, make_day, outbox):
    from portal.advisories import alerts, travel
    from portal.core.db import unit_of_work

    day_id, _, _ = make_day(days_ahead=30, publish=False, by=officer)
    when = day_row(app, day_id).day
    with app.app_context(), unit_of_work() as session:
        for email, country in (("fan@example.tw", "JP"), ("korea@example.tw", "KR"), ("pending@example.tw", "JP")):
            subscription = alerts.subscribe(session, email=email, country_code=country, locale="en")
            if email != "pending@example.tw":
                alerts.confirm(session, subscription.token)
        for email, starts, ends in (("there@example.tw", when - timedelta(days=2), when + timedelta(days=3)),
                                    ("gone@example.tw", when - timedelta(days=9), when - timedelta(days=1))):
            trip = travel.register_trip(session, user=None, email=email, locale="zh_Hant_TW", country_code="JP",
                                        regions=[], starts_on=starts, ends_on=ends, phone_abroad="+81 90 1234 5678",
                                        email_abroad="", contact_name="Lin", contact_phone="+886 912 345 678",
                                        today=when - timedelta(days=20))
            travel.confirm_trip(session, trip.token)
    staff = signed_in_client(app, officer)
    staff.post(f"/staff/mobile-services/{day_id}/publish", data={"version": str(day_row(app, day_id).version)})
    run_jobs(app)
    run_jobs(app)  # a second run sends nothing more
    told = {m.to_address: m for m in outbox() if "Sendai" in m.subject}
    assert set(told) == {"fan@example.tw", "there@example.tw"}
    assert "/advisories/unsubscribe/" in told["fan@example.tw"].body
    assert told["fan@example.tw"].headers["List-Unsubscribe"].startswith("<http")
    assert "registered a trip" not in told["there@example.tw"].body  # written in the traveller's language
    # A change after publishing does not announce the day again.
    day = day_row(app, day_id)
    staff.post(f"/staff/mobile-services/{day_id}/cancel", data={"reason": "Venue closed", "version": str(day.version)})
    run_jobs(app)
    assert len([m for m in outbox() if "Sendai" in m.subject]) == 2


def test_a_place_taken_while_confirming_offers_the_waiting_list_from_the_same_page(app, make_user, make_day):
    from tests.fixtures.mobile import submission_token

    _, uid, quotas = make_day(places={"passport_renewal": (1, 0)})
    quota_id = quotas[(0, "passport_renewal")]
    late = signed_in_client(app, make_user("citizen"))
    page = late.post(f"/mobile-services/{uid}/book", data={
        "quota": str(quota_id), "continue": "1",
        "submission_token": submission_token(late.get(f"/mobile-services/{uid}/book").get_data(as_text=True))})
    form = dict(re.findall(r'name="(\w+)" type="hidden" value="([^"]*)"', page.get_data(as_text=True)))
    assert form["waitlist"] == ""  # a place was left when the page was shown
    book(signed_in_client(app, make_user("citizen")), uid, quota_id)  # someone else takes it meanwhile
    full = late.post(f"/mobile-services/{uid}/book", data={**form, "quota": str(quota_id), "confirm": "1"})
    assert full.status_code == 409 and "Join the waiting list" in page_text(full)
    again = dict(re.findall(r'name="(\w+)" type="hidden" value="([^"]*)"', full.get_data(as_text=True)))
    joined = late.post(f"/mobile-services/{uid}/book", data={**again, "quota": str(quota_id), "confirm": "1"})
    assert joined.status_code == 303
    assert [b.status for b in bookings(app)] == ["booked", "waitlisted"]
