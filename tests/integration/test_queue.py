"""The staff queue: order, filters, overdue flags, keyset paging and bounded queries."""

from datetime import datetime

import sqlalchemy as sa
import time_machine

from portal.core.workdays import TAIPEI
from tests.fixtures.accounts import sign_in
from tests.fixtures.cases import load_case
from tests.fixtures.pages import text_of


def references_on(page_html: str) -> list[str]:
    import re

    return re.findall(r'class="reference" href="/staff/cases/([^"]+)"', page_html)


def test_the_queue_pages_by_keyset_in_due_order_without_gaps_or_repeats(app, citizen, officer, make_enquiry):
    with time_machine.travel(datetime(2026, 11, 2, 9, 0, tzinfo=TAIPEI), tick=False) as traveller:
        made = []
        for day in range(30):
            traveller.shift(3600 * 7)
            made.append(make_enquiry(citizen, subject=f"Question {day}"))
    client = app.test_client()
    sign_in(client, officer)
    seen, url = [], "/staff/queue"
    while url:
        html = client.get(url).get_data(as_text=True)
        seen.extend(references_on(html))
        import re

        found = re.search(r'href="(/staff/queue\?after=[^"]+)">Next page', html)
        url = found.group(1).replace("&amp;", "&") if found else None
    assert seen == made  # oldest first = soonest due, every case exactly once
    assert len(seen) == 30


def test_the_queue_issues_the_same_number_of_queries_however_long_it_is(app, citizen, officer, make_enquiry,
                                                                         count_queries):
    client = app.test_client()
    sign_in(client, officer)

    def open_queue():
        assert client.get("/staff/queue").status_code == 200

    make_enquiry(citizen)
    few = count_queries(open_queue)
    for _ in range(12):
        make_enquiry(citizen)
    assert count_queries(open_queue) == few


def test_overdue_cases_are_flagged_and_can_be_filtered(app, citizen, officer, make_enquiry):
    with time_machine.travel(datetime(2026, 11, 2, 9, 0, tzinfo=TAIPEI)):
        late = make_enquiry(citizen, subject="Old question")
    fresh = make_enquiry(citizen, subject="New question")
    client = app.test_client()
    sign_in(client, officer)
    everything = client.get("/staff/queue").get_data(as_text=True)
    assert late in everything and fresh in everything and "Overdue" in everything
    only_late = client.get("/staff/queue?overdue=y").get_data(as_text=True)
    assert references_on(only_late) == [late]


def test_filters_by_status_and_holder(app, citizen, officer, make_enquiry):
    first, second = make_enquiry(citizen), make_enquiry(citizen)
    client = app.test_client()
    sign_in(client, officer)
    client.post(f"/staff/cases/{first}/claim", data={"version": 1})
    client.post(f"/staff/cases/{first}/act", data={"action": "start", "version": 2})
    assert references_on(client.get("/staff/queue?status=enquiry:in_progress").get_data(as_text=True)) == [first]
    assert references_on(client.get("/staff/queue?assigned=nobody").get_data(as_text=True)) == [second]
    assert references_on(client.get("/staff/queue?assigned=me").get_data(as_text=True)) == [first]


def test_waiting_on_the_citizen_pauses_the_service_level_clock(app, citizen, officer, make_enquiry):
    client = app.test_client()
    with time_machine.travel(datetime(2026, 11, 2, 9, 0, tzinfo=TAIPEI)) as traveller:  # a Monday
        reference = make_enquiry(citizen)
        due_before = load_case(app, reference)[0].due_at
        assert due_before.astimezone(TAIPEI).date().isoformat() == "2026-11-09"
        sign_in(client, officer)
        client.post(f"/staff/cases/{reference}/claim", data={"version": 1})
        client.post(f"/staff/cases/{reference}/act", data={"action": "start", "version": 2})
        client.post(f"/staff/cases/{reference}/act", data={"action": "request_info", "note": "Send a copy",
                                                          "version": 3})
        traveller.move_to(datetime(2026, 11, 13, 9, 0, tzinfo=TAIPEI))  # the citizen answers 9 working days later
        case, _ = load_case(app, reference)
        assert case.waiting_since is not None and not case.is_overdue()
        citizen_client = app.test_client()
        sign_in(citizen_client, citizen)
        citizen_client.post(f"/account/cases/{reference}", data={"action": "reply", "note": "Here it is",
                                                                 "version": case.version})
        case, _ = load_case(app, reference)
        assert case.waiting_since is None
        assert case.due_at.astimezone(TAIPEI).date().isoformat() == "2026-11-20"  # 9 Nov + the 9 paused days
        assert not case.is_overdue()


def test_nothing_is_queued_for_staff_once_closed(app, citizen, officer, make_enquiry):
    reference = make_enquiry(citizen)
    citizen_client = app.test_client()
    sign_in(citizen_client, citizen)
    citizen_client.post(f"/account/cases/{reference}", data={"action": "withdraw", "version": 1, "confirmed": "yes"})
    client = app.test_client()
    sign_in(client, officer)
    assert reference not in client.get("/staff/queue").get_data(as_text=True)
    from portal.core.cases.models import Case
    from portal.extensions import db

    with app.app_context():
        assert db.session.scalar(sa.select(Case.closed_at).where(Case.reference == reference)) is not None


def test_the_status_filter_names_each_status_once_per_kind_in_staff_words(app, citizen, officer, get_page,
                                                                          make_enquiry, make_passport_application):
    enquiry, passport = make_enquiry(citizen), make_passport_application(citizen, pickup="mission:tokyo")
    client = app.test_client()
    sign_in(client, officer)
    _, page = get_page("/staff/queue", client_=client)
    select = page.find(".//select[@name='status']")
    groups = {group.get("label"): [o.text for o in group.iter("option")] for group in select.iter("optgroup")}
    values = [o.get("value") for o in select.iter("option")]
    assert len(values) == len(set(values)) and {"General enquiry", "Passport application"} <= set(groups)
    assert "Waiting for the citizen" in groups["General enquiry"]
    assert "Waiting for your reply" not in text_of(page) and "We have contacted you" not in text_of(page)
    # Both cases are "submitted"; the filter names the kind with the status.
    assert references_on(client.get("/staff/queue?status=enquiry:submitted").get_data(as_text=True)) == [enquiry]
    assert references_on(client.get("/staff/queue?status=passport:submitted").get_data(as_text=True)) == [passport]


def queue_rows(page) -> list[str]:
    """Each row of the queue as the officer reads it."""
    return [" ".join("".join(row.itertext()).split()) for row in page.iter("tr")][1:]


def test_summaries_are_in_the_readers_language(app, citizen, make_user, make_passport_application,
                                               make_document_request, get_page):
    from tests.fixtures.accounts import signed_in_client

    make_passport_application(citizen, "first")
    make_document_request(citizen, copies=(2, 1))
    english = signed_in_client(app, make_user("staff", mission="tokyo", locale="en"))
    chinese = signed_in_client(app, make_user("staff", mission="tokyo", locale="zh_Hant_TW"))
    _, page = get_page("/staff/queue", client_=english)
    rows = " ".join(queue_rows(page))
    assert "First adult passport: CHEN, MEI-LING (陳美玲)" in rows and "Diploma ×2, Diploma ×1" in rows
    _, page = get_page("/staff/queue", client_=chinese)
    rows = " ".join(queue_rows(page))
    assert "成年人首次申請：陳美玲" in rows and "畢業證書 ×2、畢業證書 ×1" in rows
    assert "First adult passport" not in rows


def test_an_emergency_stands_out_with_the_hours_since_the_report_and_the_country_by_name(
        app, client, officer, citizen, make_enquiry, get_page):
    from datetime import timedelta

    from tests.integration.test_assistance import request_help

    make_enquiry(citizen)
    with time_machine.travel(datetime.now(TAIPEI) - timedelta(hours=5, minutes=10)):
        request_help(client, country_code="JP", location="Shinjuku station")
    staff = app.test_client()
    sign_in(staff, officer)
    response, page = get_page("/staff/queue", client_=staff)
    first = queue_rows(page)[0]
    assert "Emergency reported 5 hours ago" in first
    assert "Lost or stolen passport · Japan · Shinjuku station" in first and " JP " not in f" {first} "
    assert 'class="queue-emergency"' in response.get_data(as_text=True)
    request_help(client, country_code="JP", location="Ginza", submission_token="help-2")
    _, page = get_page("/staff/queue", client_=staff)
    assert "Emergency reported within the hour" in queue_rows(page)[1]  # the older report stays first


def test_the_queue_finds_a_case_by_reference_name_email_or_national_id(
        app, citizen, officer, make_user, make_enquiry, make_passport_application, get_page):
    from tests.fixtures.passports import NATIONAL_ID

    other = make_user("citizen", name="Huang Da-wei", email="dawei@example.tw")
    enquiry = make_enquiry(other, subject="Visa question")
    passport = make_passport_application(citizen, "first")
    staff = app.test_client()
    sign_in(staff, officer)

    def found(text):
        return references_on(staff.get("/staff/queue", query_string={"q": text}).get_data(as_text=True))

    assert found(enquiry.lower().replace("-", " ")) == [enquiry]
    assert found("da-wei") == [enquiry] and found("DAWEI@example") == [enquiry]
    assert found(NATIONAL_ID.lower()) == [passport]
    assert found("nobody at all") == [] and found("%") == []


def test_counts_per_kind_and_status_stand_above_the_list_and_link_to_it(app, citizen, officer, make_enquiry,
                                                                       get_page):
    for n in range(3):
        make_enquiry(citizen, subject=f"Question {n}")
    staff = app.test_client()
    sign_in(staff, officer)
    response, page = get_page("/staff/queue", client_=staff)
    counts = " ".join("".join(page.find(".//section").itertext()).split())
    assert "General enquiry Received 3" in counts
    html = response.get_data(as_text=True)
    assert 'href="/staff/queue?kind=enquiry&amp;status=enquiry:submitted"' in html


def test_on_a_phone_each_value_of_a_queue_card_says_what_it_is(app, citizen, officer, make_enquiry):
    make_enquiry(citizen)
    staff = app.test_client()
    sign_in(staff, officer)
    html = staff.get("/staff/queue").get_data(as_text=True)
    for label in ("Kind", "Subject", "Status", "Held by", "Due"):
        assert f'data-label="{label}"' in html


def test_emergencies_in_many_countries_cost_the_queue_no_query_more(app, client, supervisor, count_queries):
    """Each emergency names its country in the reader's language: from the names at hand, not the database."""
    from tests.integration.test_assistance import request_help

    staff = app.test_client()
    sign_in(staff, supervisor)

    def open_queue():
        assert staff.get("/staff/queue").status_code == 200

    request_help(client, country_code="JP", submission_token="help-jp")
    few = count_queries(open_queue)
    for code in ("TH", "FR", "US", "KR", "DE"):
        request_help(client, country_code=code, submission_token=f"help-{code}")
    assert count_queries(open_queue) == few
    assert "Thailand" in staff.get("/staff/queue").get_data(as_text=True)


def _open_cases(app, count):
    """Open enquiries with priorities 0, 1 and 100 and many equal due times, as a busy mission has."""
    from datetime import timedelta

    from portal.accounts.models import User
    from portal.core.cases.service import open_case
    from portal.core.db import unit_of_work
    from tests.fixtures.accounts import mission_id

    with app.test_request_context(), unit_of_work() as session:
        applicant = session.scalar(sa.select(User).limit(1))
        start = datetime(2026, 11, 2, 9, 0, tzinfo=TAIPEI)
        for number in range(count):
            case, _ = open_case(session, kind="enquiry", mission_id=mission_id("tokyo"), applicant=applicant,
                                summary=f"Case {number}", notify=False)
            case.priority = (0, 1, 100)[number % 3]
            case.due_at = start + timedelta(hours=number % 4)  # ties on priority and due: the id decides


def test_pages_follow_priority_then_due_then_id_across_ties(app, citizen, supervisor):
    from portal.core.cases.models import Case
    from portal.extensions import db
    from portal.staff.queries import QueueFilter, open_cases_page

    _open_cases(app, 80)
    with app.test_request_context():
        user = db.session.merge(supervisor)
        expected = [c.id for c in sorted(db.session.scalars(sa.select(Case)).all(),
                                         key=lambda c: (-c.priority, c.due_at, c.id))]
        seen, cursor = [], None
        while True:
            rows, cursor = open_cases_page(db.session, user, QueueFilter(), after=cursor)
            seen.extend(c.id for c in rows)
            if cursor is None:
                break
    assert seen == expected and len(seen) == 80


def test_every_view_of_the_queue_reads_an_index_in_its_order(app, citizen, supervisor):
    """No view sorts the backlog: SQLite's plan for each page walks one of the partial indexes."""
    import pytest

    from portal.extensions import db
    from portal.staff.queries import QueueFilter, encode_cursor, open_cases_page, page_query
    from tests.fixtures.accounts import mission_id

    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("the plan is read from SQLite; bench/staff_queue.py measures PostgreSQL's")
    _open_cases(app, 30)
    with app.test_request_context():
        user = db.session.merge(supervisor)
        tokyo = mission_id("tokyo")
        views = [QueueFilter(), QueueFilter(mission_id=tokyo), QueueFilter(kind="enquiry"),
                 QueueFilter(status_kind="enquiry", status="submitted"), QueueFilter(mission_id=tokyo, kind="enquiry"),
                 QueueFilter(mission_id=tokyo, status_kind="enquiry", status="submitted")]
        first = open_cases_page(db.session, user, QueueFilter())[0]
        for filters in views:
            for after in (None, encode_cursor(first[5])):
                compiled = page_query(user, filters, after=after).compile(
                    db.engine, compile_kwargs={"render_postcompile": True})
                plan = " | ".join(row[3] for row in db.session.connection().exec_driver_sql(
                    "EXPLAIN QUERY PLAN " + str(compiled), tuple(compiled.construct_params()[name]
                                                                 for name in compiled.positiontup)))
                assert "ix_cases_open_" in plan and "TEMP B-TREE" not in plan, (filters, plan)


def test_the_counts_are_true_after_every_change_and_only_for_who_may_see_them(app, citizen, make_user, make_enquiry,
                                                                              get_page):
    """The counts are kept between changes (a supervisor's count every open case): each submission,
    claim and answer shows at once, and what is kept for one mission is never shown at another."""
    officer, elsewhere = make_user("staff", mission="tokyo"), make_user("staff", mission="bangkok")
    references = [make_enquiry(citizen, subject=f"Question {n}") for n in range(2)]
    staff, other = app.test_client(), app.test_client()
    sign_in(staff, officer)
    sign_in(other, elsewhere)

    def counts(client=staff, query=""):
        _, page = get_page(f"/staff/queue{query}", client_=client)
        section = page.find(".//section")
        return " ".join("".join(section.itertext()).split()) if section is not None else ""

    assert "Received 2" in counts() and "Received 2" in counts(query="?assigned=nobody")
    assert counts(other) == ""
    make_enquiry(citizen, subject="One more")
    assert "Received 3" in counts()
    assert staff.post(f"/staff/cases/{references[0]}/claim", data={"version": 1}).status_code == 303
    assert "Received 2" in counts(query="?assigned=nobody") and "Received 1" in counts(query="?assigned=me")
    for action, version in (("start", 2), ("answer", 3)):
        answered = staff.post(f"/staff/cases/{references[0]}/act",
                              data={"action": action, "note": "You can renew at our office.", "version": version,
                                    "confirmed": "yes"})
        assert answered.status_code == 303, answered.get_data(as_text=True)[-1500:]
    assert "Received 2" in counts() and "In progress" not in counts() and counts(other) == ""
