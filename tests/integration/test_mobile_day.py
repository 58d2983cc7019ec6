"""On a mobile service day: check-in, no-shows, walk-in tickets in order within their quota, each
service recorded once as a case (or finishing the passport waiting to be collected), the list to
take offline, and the report after the day."""

import csv
import io
import threading
from datetime import UTC, date, datetime

import sqlalchemy as sa
import time_machine

from tests.fixtures.accounts import signed_in_client
from tests.fixtures.cases import load_case
from tests.fixtures.mobile import book, bookings, quota_row
from tests.fixtures.pages import page_text

DAY = date(2027, 3, 14)
#: 10:00 in Tokyo on the day
ON_THE_DAY = datetime(2027, 3, 14, 1, 0, tzinfo=UTC)
BEFORE = datetime(2027, 3, 1, 3, 0, tzinfo=UTC)


def tickets(app):
    from portal.extensions import db
    from portal.mobile.models import WalkInTicket

    with app.app_context():
        found = db.session.scalars(sa.select(WalkInTicket).order_by(WalkInTicket.id)).all()
        db.session.expunge_all()
        return found


def day_with_bookings(app, make_day, make_user, officer, places, people=2, service="passport_renewal"):
    with time_machine.travel(BEFORE):
        day_id, uid, quotas = make_day(day=DAY, places=places, by=officer)
        citizens = [make_user("citizen") for _ in range(people)]
        for citizen in citizens:
            book(signed_in_client(app, citizen), uid, quotas[(0, service)])
    return day_id, uid, quotas, citizens


def test_on_the_day_staff_check_people_in_mark_no_shows_and_record_services(app, officer, make_user, make_day, outbox):
    day_id, _, quotas, citizens = day_with_bookings(app, make_day, make_user, officer,
                                                    {"passport_renewal": (5, 0)}, people=3)
    first, second, third = bookings(app)
    with time_machine.travel(ON_THE_DAY):
        staff = signed_in_client(app, officer)
        listing = page_text(staff.get(f"/staff/mobile-services/{day_id}/check-in"))
        assert all(c.name in listing for c in citizens)
        base = f"/staff/mobile-services/{day_id}/bookings"
        arrived = staff.post(f"{base}/{first.reference}/arrived", follow_redirects=True)
        assert f"{citizens[0].name} has arrived." in page_text(arrived)
        staff.post(f"{base}/{second.reference}/absent")
        response = staff.post(f"{base}/{first.reference}/served", follow_redirects=True)
        assert "Service recorded" in page_text(response)
        # Searching by reference finds one person.
        found = page_text(staff.get(f"/staff/mobile-services/{day_id}/check-in?q={third.reference.lower()}"))
        assert third.reference in found and first.reference not in found
        queue = page_text(staff.get("/staff/queue"))

    first, second, third = bookings(app)
    assert (first.status, second.status, third.status) == ("attended", "no_show", "booked")
    case, events = load_case(app, _reference_of(app, first.case_id))
    assert case.kind == "mobile" and case.status == "received" and case.applicant_id == citizens[0].id
    assert "mobile_service" in [action for action, _, _ in events]
    assert case.reference in queue
    # Recording again is refused: one service, one case.
    with time_machine.travel(ON_THE_DAY):
        again = signed_in_client(app, make_user("staff", mission="tokyo")).post(
            f"/staff/mobile-services/{day_id}/bookings/{first.reference}/served", follow_redirects=True)
        assert "This service is already recorded." in page_text(again)
    from portal.core.cases.models import Case

    with app.app_context():
        from portal.extensions import db

        assert db.session.scalar(sa.select(sa.func.count()).select_from(Case).where(Case.kind == "mobile")) == 1


def _reference_of(app, case_id):
    from portal.core.cases.models import Case
    from portal.extensions import db

    with app.app_context():
        return db.session.get(Case, case_id).reference


def test_information_given_is_completed_at_once_and_invites_the_citizen_to_the_survey(
        app, officer, make_user, make_day, outbox):
    day_id, _, _, citizens = day_with_bookings(app, make_day, make_user, officer, {"information": (5, 5)}, people=1,
                                               service="information")
    [booking] = bookings(app)
    with time_machine.travel(ON_THE_DAY):
        signed_in_client(app, officer).post(f"/staff/mobile-services/{day_id}/bookings/{booking.reference}/served")
    case, _ = load_case(app, _reference_of(app, bookings(app)[0].case_id))
    assert case.status == "completed" and case.closed_at is not None
    assert [m for m in outbox(citizens[0].email) if "survey" in m.body.lower() or "/surveys/" in m.body]


def test_collecting_at_the_mobile_service_finishes_the_passport_waiting_at_the_mission(
        app, officer, make_user, make_day, make_passport_application):
    from portal.accounts.models import User
    from portal.core.cases.service import case_by_reference, claim, transition
    from portal.core.db import unit_of_work

    citizen = make_user("citizen")
    with time_machine.travel(BEFORE):
        reference = make_passport_application(citizen, "renewal")
        with app.app_context(), unit_of_work() as session:
            case = case_by_reference(session, reference)
            holder = session.get(User, officer.id)
            claim(session, case, by=holder)
            for action in ("approve", "print", "ready"):
                transition(session, case, action, by=holder)
            from portal.core.cases.service import release

            release(session, case, by=holder)
            mission_code = case.mission.code
        day_id, uid, quotas = make_day(day=DAY, places={"document_pickup": (5, 0)}, by=officer, mission=mission_code)
        book(signed_in_client(app, citizen), uid, quotas[(0, "document_pickup")])
    [booking] = bookings(app)
    with time_machine.travel(ON_THE_DAY):
        other_officer = make_user("staff", mission=mission_code)
        response = signed_in_client(app, other_officer).post(
            f"/staff/mobile-services/{day_id}/bookings/{booking.reference}/served", follow_redirects=True)
        assert f"case {reference}" in page_text(response)
    passport, events = load_case(app, reference)
    assert passport.status == "collected"
    assert any(action == "collect" and "mobile service" in (note or "") for action, _, note in events)
    assert bookings(app)[0].case_id == passport.id


def test_walk_in_tickets_are_numbered_in_order_and_stop_at_the_quota(app, officer, make_day):
    with time_machine.travel(BEFORE):
        day_id, _, quotas = make_day(day=DAY, places={"passport_renewal": (2, 3)}, by=officer)
    quota_id = quotas[(0, "passport_renewal")]
    with time_machine.travel(ON_THE_DAY):
        staff = signed_in_client(app, officer)
        for name in ("Lin", "Chen", "Wang"):
            response = staff.post(f"/staff/mobile-services/{day_id}/tickets", data={"quota": str(quota_id),
                                                                                    "name": name},
                                  follow_redirects=True)
        assert "Ticket P-003" in page_text(response) and "0 left" in page_text(response)
        refused = staff.post(f"/staff/mobile-services/{day_id}/tickets", data={"quota": str(quota_id), "name": "Wu"},
                             follow_redirects=True)
        assert "No walk-in tickets are left for Passport renewal in this session." in page_text(refused)
        missing = staff.post(f"/staff/mobile-services/{day_id}/tickets", data={"quota": ""}, follow_redirects=True)
        assert "Choose the service and the session." in page_text(missing)
    assert [(t.number, t.name) for t in tickets(app)] == [(1, "Lin"), (2, "Chen"), (3, "Wang")]
    assert quota_row(app, quota_id).walk_ins == 3

    # A walk-in without an account: the service opens a case with no applicant, and no survey email.
    first = tickets(app)[0]
    with time_machine.travel(ON_THE_DAY):
        response = staff.post(f"/staff/mobile-services/{day_id}/tickets/{first.id}/served", follow_redirects=True)
        assert "Service recorded for ticket P-001" in page_text(response)
    case, _ = load_case(app, _reference_of(app, tickets(app)[0].case_id))
    assert case.kind == "mobile" and case.applicant_id is None


def test_tickets_handed_out_at_once_by_several_officers_never_pass_the_quota(app, make_user, make_day):
    officers = [make_user("staff", mission="tokyo") for _ in range(8)]
    with time_machine.travel(BEFORE):
        day_id, _, quotas = make_day(day=DAY, places={"passport_renewal": (0, 5)}, by=officers[0])
    quota_id = quotas[(0, "passport_renewal")]
    with time_machine.travel(ON_THE_DAY):
        clients = [signed_in_client(app, o) for o in officers]
        start, answers = threading.Barrier(len(clients) * 2), []

        def hand_out(client):
            start.wait()
            answers.append(client.post(f"/staff/mobile-services/{day_id}/tickets", data={"quota": str(quota_id)}))

        threads = [threading.Thread(target=hand_out, args=(c,)) for c in clients * 2]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert all(a.status_code == 303 for a in answers)
    assert sorted(t.number for t in tickets(app)) == [1, 2, 3, 4, 5]
    assert quota_row(app, quota_id).walk_ins == 5


def test_two_officers_recording_the_same_service_at_once_open_one_case(app, make_user, make_day):
    from portal.core.cases.models import Case
    from portal.extensions import db

    officers = [make_user("staff", mission="tokyo") for _ in range(4)]
    day_id, _, _, _ = day_with_bookings(app, make_day, make_user, officers[0], {"passport_renewal": (5, 0)}, people=1)
    [booking] = bookings(app)
    with time_machine.travel(ON_THE_DAY):
        clients = [signed_in_client(app, o) for o in officers]
        start, answers = threading.Barrier(len(clients)), []

        def record(client):
            start.wait()
            answers.append(client.post(f"/staff/mobile-services/{day_id}/bookings/{booking.reference}/served"))

        threads = [threading.Thread(target=record, args=(c,)) for c in clients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert all(a.status_code == 303 for a in answers)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Case).where(Case.kind == "mobile")) == 1
    assert bookings(app)[0].case_id is not None


def test_nothing_is_recorded_before_the_day(app, officer, make_user, make_day):
    day_id, _, quotas, _ = day_with_bookings(app, make_day, make_user, officer, {"passport_renewal": (5, 5)}, people=1)
    [booking] = bookings(app)
    with time_machine.travel(datetime(2027, 3, 13, 3, 0, tzinfo=UTC)):
        staff = signed_in_client(app, officer)
        for action in ("arrived", "absent", "served"):
            response = staff.post(f"/staff/mobile-services/{day_id}/bookings/{booking.reference}/{action}",
                                  follow_redirects=True)
            assert "only on the day itself" in page_text(response)
        staff.post(f"/staff/mobile-services/{day_id}/tickets", data={"quota": str(quotas[(0, "passport_renewal")])})
    assert bookings(app)[0].status == "booked" and tickets(app) == []


def test_another_missions_officer_and_citizens_cannot_use_the_check_in(app, officer, citizen, make_user, make_day):
    day_id, _, quotas, _ = day_with_bookings(app, make_day, make_user, officer, {"passport_renewal": (5, 5)}, people=1)
    [booking] = bookings(app)
    with time_machine.travel(ON_THE_DAY):
        stranger = signed_in_client(app, make_user("staff", mission="seoul"))
        assert stranger.get(f"/staff/mobile-services/{day_id}/check-in").status_code == 404
        assert stranger.post(f"/staff/mobile-services/{day_id}/bookings/{booking.reference}/served").status_code == 404
        assert stranger.post(f"/staff/mobile-services/{day_id}/tickets",
                             data={"quota": str(quotas[(0, "passport_renewal")])}).status_code == 404
        assert stranger.get(f"/staff/mobile-services/{day_id}/list.csv").status_code == 404
        assert signed_in_client(app, citizen).get(f"/staff/mobile-services/{day_id}/check-in").status_code == 403
        # A booking of another day is not found through this day.
        other_day, _, _ = make_day(day=DAY, by=officer)
        assert signed_in_client(app, officer).post(
            f"/staff/mobile-services/{other_day}/bookings/{booking.reference}/arrived").status_code == 404
    assert bookings(app)[0].status == "booked" and tickets(app) == []


def test_the_list_downloads_for_a_venue_without_network_and_no_cell_runs_as_a_formula(app, officer, make_user,
                                                                                       make_day):
    with time_machine.travel(BEFORE):
        day_id, uid, quotas = make_day(day=DAY, places={"passport_renewal": (5, 0)}, by=officer)
        sly = make_user("citizen", name="=HYPERLINK(\"http://evil.example\")")
        book(signed_in_client(app, sly), uid, quotas[(0, "passport_renewal")])
        response = signed_in_client(app, officer).get(f"/staff/mobile-services/{day_id}/list.csv")
    assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["Session", "Reference", "Name"]
    assert rows[1][1] == bookings(app)[0].reference
    assert rows[1][2].startswith("'=")


def test_the_report_gives_services_no_shows_walk_ins_and_mail_out_dates(app, officer, make_user, make_day):
    day_id, _, quotas, _ = day_with_bookings(app, make_day, make_user, officer, {"passport_renewal": (5, 2)}, people=4)
    base = f"/staff/mobile-services/{day_id}"
    with time_machine.travel(ON_THE_DAY):
        staff = signed_in_client(app, officer)
        first, second, third, fourth = bookings(app)
        staff.post(f"{base}/bookings/{first.reference}/served")
        staff.post(f"{base}/bookings/{second.reference}/served")
        staff.post(f"{base}/bookings/{third.reference}/absent")
        staff.post(f"{base}/tickets", data={"quota": str(quotas[(0, "passport_renewal")])})
        staff.post(f"{base}/tickets/{tickets(app)[0].id}/served")
        report = page_text(staff.get(f"{base}/report"))
    cells = report.replace(" ", "")  # table cells run together in the page's text
    assert "Passportrenewal3" in cells and "Allservices3" in cells
    assert "No-showrate25%(1person)" in cells
    assert "Walk-inticketshandedout1" in cells
    assert "Shareofservicesforwalk-ins33%" in cells
    # Ten working days after 14 March 2027 (a Sunday): 26 March.
    assert "26March20273" in cells


def test_the_staff_pages_of_a_day_ask_the_database_as_often_for_thirty_bookings_as_for_three(
        app, officer, make_user, make_day, count_queries):
    with time_machine.travel(BEFORE):
        day_id, uid, quotas = make_day(day=DAY, places={"passport_renewal": (40, 5), "information": (40, 0)},
                                       by=officer)
        few = make_user("citizen")
        book(signed_in_client(app, few), uid, quotas[(0, "passport_renewal")])
    with time_machine.travel(ON_THE_DAY):
        staff = signed_in_client(app, officer)
        pages = (f"/staff/mobile-services/{day_id}", f"/staff/mobile-services/{day_id}/check-in",
                 f"/staff/mobile-services/{day_id}/report", f"/staff/mobile-services/{day_id}/list.csv")
        small = [count_queries(lambda path=path: staff.get(path)) for path in pages]
    with time_machine.travel(BEFORE):
        for n in range(29):
            book(signed_in_client(app, make_user("citizen")), uid,
                 quotas[(0, "passport_renewal" if n % 2 else "information")])
    with time_machine.travel(ON_THE_DAY):
        large = [count_queries(lambda path=path: staff.get(path)) for path in pages]
    assert large == small, list(zip(pages, small, large))
