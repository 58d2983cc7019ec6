"""The mission's own counter on the same engine: a weekly opening set once, its days opened ahead
by the worker and booked like service days, and the "ready to collect" email linking to them."""

from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
import time_machine

from tests.fixtures.accounts import signed_in_client
from tests.fixtures.mobile import book
from tests.fixtures.pages import page_text

#: a Monday, 10:00 in Tokyo
MONDAY = datetime(2027, 3, 1, 1, 0, tzinfo=UTC)


def counter_form(**overrides) -> dict:
    data = {"weekdays": ["1", "3"], "weeks_ahead": "2", "is_open": "y", "save": "1",
            "sessions-0-starts_at": "09:00", "sessions-0-ends_at": "12:00",
            "sessions-0-document_pickup_book": "6", "sessions-0-document_pickup_walk_in": "0",
            "sessions-0-passport_renewal_book": "4", "sessions-0-passport_renewal_walk_in": "2"}
    data.update(overrides)
    return data


def counter_days(app, mission_code="tokyo"):
    from portal.extensions import db
    from portal.missions.models import Mission
    from sqlalchemy.orm import selectinload

    from portal.mobile.models import ServiceDay, ServiceSession

    with app.app_context():
        found = db.session.scalars(sa.select(ServiceDay).join(Mission, ServiceDay.mission_id == Mission.id)
                                   .where(Mission.code == mission_code, ServiceDay.is_counter.is_(True))
                                   .options(selectinload(ServiceDay.sessions).selectinload(ServiceSession.quotas))
                                   .order_by(ServiceDay.day)).all()
        db.session.expunge_all()
        return found


def test_a_weekly_opening_set_once_opens_bookable_days_ahead(app, officer, citizen, client):
    from portal.cli import maintenance_round
    from portal.extensions import db

    with time_machine.travel(MONDAY):
        staff = signed_in_client(app, officer)
        response = staff.post("/staff/mobile-services/counter", data=counter_form())
        assert response.status_code == 303
        days = counter_days(app)
        # Two weeks ahead from Monday 1 March: Wednesdays 3 and 10, Mondays 8 and 15.
        assert [d.day for d in days] == [date(2027, 3, 3), date(2027, 3, 8), date(2027, 3, 10), date(2027, 3, 15)]
        assert {d.status for d in days} == {"published"}
        public = page_text(client.get("/missions/tokyo/counter?service=document_pickup"))
        assert "Collecting a passport or documents: 6" in public and "Passport renewal" not in public
        # Counter days are not mobile service days: the list and the calendars leave them out.
        assert "Tokyo" not in page_text(client.get("/mobile-services"))
        assert b"VEVENT" not in client.get("/mobile-services/calendar.ics").data

        page = page_text(signed_in_client(app, citizen).get(f"/mobile-services/{days[0].uid}/book?service=document_pickup"))
        assert "Collecting a passport or documents" in page and "Passport renewal" not in page
        assert book(signed_in_client(app, citizen), days[0].uid, days[0].sessions[0].quotas[0].id).status_code == 303

    with time_machine.travel(MONDAY + timedelta(days=7)):
        with app.app_context():
            maintenance_round(db.session)
            maintenance_round(db.session)  # a second round makes nothing twice
    assert [d.day for d in counter_days(app)][-2:] == [date(2027, 3, 17), date(2027, 3, 22)]
    assert len(counter_days(app)) == 6


def test_a_bad_opening_is_refused_and_saves_nothing(app, officer):
    with time_machine.travel(MONDAY):
        staff = signed_in_client(app, officer)
        for change, message in (({"weekdays": []}, "Choose the days of the week the counter opens."),
                                ({"weeks_ahead": "40"}, "Enter a number from 1 to 12."),
                                ({"sessions-0-ends_at": "08:00"}, "Session 1 must end after it starts.")):
            response = staff.post("/staff/mobile-services/counter", data=counter_form(**change))
            assert response.status_code == 400 and message in page_text(response)
    assert counter_days(app) == []


def test_only_the_missions_staff_set_its_counter_and_a_closed_counter_has_no_public_page(app, make_user, client):
    with time_machine.travel(MONDAY):
        seoul = signed_in_client(app, make_user("staff", mission="seoul"))
        seoul.post("/staff/mobile-services/counter?mission=1", data=counter_form())
    assert counter_days(app, "tokyo") == [] and len(counter_days(app, "seoul")) == 4
    assert client.get("/missions/tokyo/counter").status_code == 404
    assert client.get("/missions/nowhere/counter").status_code == 404


def test_the_ready_to_collect_email_links_to_a_collection_time(app, officer, citizen, make_passport_application,
                                                                outbox):
    from portal.accounts.models import User
    from portal.core.cases.service import case_by_reference, claim, transition
    from portal.core.db import unit_of_work

    with time_machine.travel(MONDAY):
        reference = make_passport_application(citizen, "renewal")
        with app.app_context(), unit_of_work() as session:
            mission_code = case_by_reference(session, reference).mission.code
        assert mission_code == "tokyo"  # the officer's mission, where the application is collected
        signed_in_client(app, officer).post("/staff/mobile-services/counter", data=counter_form())
        with app.app_context(), unit_of_work() as session:
            case = case_by_reference(session, reference)
            holder = session.get(User, officer.id)
            claim(session, case, by=holder)
            for action in ("approve", "print", "ready"):
                transition(session, case, action, by=holder)
    ready = [m for m in outbox(citizen.email) if reference in m.subject][-1]
    assert f"/missions/{mission_code}/counter?service=document_pickup" in ready.body
    earlier = [m for m in outbox(citizen.email) if reference in m.subject][:-1]
    assert all("/counter" not in m.body for m in earlier)
