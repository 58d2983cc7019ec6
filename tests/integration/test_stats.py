"""Usage statistics and the KPI rollups: what is counted, once, cheaply; the dashboard's figures,
filters, suppression and exports; and who may see them."""

import csv
import os
import io
import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from tests.fixtures.accounts import mission_id, signed_in_client
from tests.fixtures.pages import page_text
from tests.fixtures.stats import MONDAY_115


def mission_name(app, code):
    from portal.extensions import db
    from portal.missions.models import Mission

    with app.app_context():
        name = db.session.scalar(sa.select(Mission.name_en).where(Mission.code == code))
        db.session.remove()
        return name


def monthly(app, measure, kind=None):
    """(kind, mission code, month) → count of one rollup measure."""
    from portal.extensions import db
    from portal.missions.models import Mission
    from portal.stats.models import MonthlyCount

    with app.app_context():
        codes = dict(db.session.execute(sa.select(Mission.id, Mission.code)).all())
        query = sa.select(MonthlyCount).where(MonthlyCount.measure == measure)
        found = {(row.kind, codes.get(row.mission_id, row.mission_id), row.month): row.count
                 for row in db.session.scalars(query) if kind is None or row.kind == kind}
        db.session.remove()
        return found


def histogram(app, measure, kind):
    from portal.extensions import db
    from portal.stats.models import MonthlyHistogram

    with app.app_context():
        found = {}
        for row in db.session.scalars(sa.select(MonthlyHistogram).where(MonthlyHistogram.measure == measure,
                                                                        MonthlyHistogram.kind == kind)):
            found[row.value] = found.get(row.value, 0) + row.count
        db.session.remove()
        return found


# --- the rollups -----------------------------------------------------------------------------------

def test_cases_are_counted_when_received_and_when_decided_with_their_working_days(app, case_history, refresh_stats):
    # Opened on Monday 2 March 2026; answered two working days later (in time), and eight (late: 5 allowed).
    case_history("enquiry", [("start", 1), ("answer", 48)])
    case_history("enquiry", [("start", 1), ("answer", 24 * 10)])
    case_history("enquiry", [("start", 1)])
    refresh_stats()
    assert monthly(app, "received") == {("enquiry", "tokyo", "2026-03"): 3}
    assert monthly(app, "decided") == {("enquiry", "tokyo", "2026-03"): 2}
    assert monthly(app, "decided_in_time") == {("enquiry", "tokyo", "2026-03"): 1}
    assert histogram(app, "processing_days", "enquiry") == {2: 1, 8: 1}


def test_each_round_reads_only_what_is_new(app, case_history, refresh_stats):
    case_history("enquiry", [("start", 1)])
    assert refresh_stats() == 3  # the opening, the claim and the start
    assert refresh_stats() == 0
    case_history("enquiry", [("start", 1), ("answer", 2)])
    refresh_stats()
    assert monthly(app, "received") == {("enquiry", "tokyo", "2026-03"): 2}
    assert monthly(app, "decided") == {("enquiry", "tokyo", "2026-03"): 1}


def test_rows_younger_than_the_lag_wait_for_the_next_round(app, case_history, refresh_stats):
    opened = datetime.now(UTC).replace(microsecond=0)
    case_history("enquiry", opened=opened)
    assert refresh_stats(now=opened + timedelta(seconds=10)) == 0  # still inside the 30 s lag
    assert monthly(app, "received") == {}
    assert refresh_stats(now=opened + timedelta(seconds=31)) == 1
    assert sum(monthly(app, "received").values()) == 1


def test_a_mailbox_message_counts_when_confirmed_and_is_decided_once_however_often_answered(
        app, make_message, refresh_stats):
    from portal.core.cases.models import Case, CaseEvent
    from portal.core.db import unit_of_work

    reference = make_message()  # confirmed: received
    with app.app_context(), unit_of_work() as session:
        case = session.scalar(sa.select(Case).where(Case.reference == reference))
        # Answered, answered back by the writer, answered again: two answers, one decision.
        for action, source, target in (("send_reply", "received", "answered"), ("answer_back", "answered", "assigned"),
                                       ("send_reply", "assigned", "answered"), ("expire", "answered", "closed")):
            session.add(CaseEvent(case_id=case.id, action=action, from_status=source, to_status=target))
    refresh_stats()
    assert sum(monthly(app, "received", "mailbox").values()) == 1
    assert sum(monthly(app, "decided", "mailbox").values()) == 1


def test_an_unconfirmed_message_is_not_received_until_its_address_is_confirmed(app, make_message, refresh_stats):
    make_message(confirmed=False)
    refresh_stats()
    assert monthly(app, "received", "mailbox") == {}


def test_time_to_first_contact_is_kept_in_minutes(app, case_history, refresh_stats):
    case_history("assistance", [("contact", 0.5), ("close", 5)])
    case_history("assistance", [("contact", 2)])
    refresh_stats()
    assert histogram(app, "first_contact_minutes", "assistance") == {30: 1, 120: 1}


def test_hotline_calls_and_verification_checks_are_counted_by_outcome_and_result(
        app, hq_officer, refresh_stats):
    from portal.core.db import unit_of_work
    from portal.documents.service import check_code
    from portal.feedback.hotline import log_call

    with app.test_request_context(), unit_of_work() as session:
        from portal.accounts.models import User

        by = session.get(User, hq_officer.id)
        for outcome in ("answered", "answered", "follow_up"):
            log_call(session, by=by, called_at=MONDAY_115, duration_minutes=5, language="mandarin", category="passports",
                     summary="A question.", outcome=outcome)
        check_code(session, "AAAA-BBBB-CCCC")
    refresh_stats()
    calls = monthly(app, "hotline_calls")
    assert {kind: n for (kind, _mission, _month), n in calls.items()} == {"answered": 2, "follow_up": 1}
    assert sum(monthly(app, "verifications").values()) == 1


def test_two_workers_at_once_count_everything_once(app, case_history, refresh_stats):
    from sqlalchemy.exc import OperationalError

    for _ in range(6):
        case_history("enquiry", [("start", 1), ("answer", 2)])
    errors = []

    def worker():
        # As the worker does: a database that refuses the round (SQLite's one writer) is tried again.
        for _attempt in range(20):
            try:
                refresh_stats()
                return
            except OperationalError:
                continue
        errors.append("gave up")

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert monthly(app, "received") == {("enquiry", "tokyo", "2026-03"): 6}
    assert monthly(app, "decided") == {("enquiry", "tokyo", "2026-03"): 6}


def test_the_worker_round_brings_the_figures_up_to_date(app, case_history):
    from portal.cli import maintenance_round
    from portal.extensions import db

    case_history("enquiry", [("start", 1)])
    with app.app_context():
        maintenance_round(db.session)
        db.session.remove()
    assert monthly(app, "received") == {("enquiry", "tokyo", "2026-03"): 1}


# --- percentiles and suppression -------------------------------------------------------------------

def test_percentiles_from_a_histogram_are_the_nearest_rank():
    from portal.stats.kpis import percentile

    assert percentile({}, 0.5) is None
    assert percentile({3: 1}, 0.9) == 3
    assert percentile({1: 5, 2: 4, 10: 1}, 0.5) == 1
    assert percentile({1: 5, 2: 4, 10: 1}, 0.9) == 2
    assert percentile({1: 5, 2: 4, 10: 1}, 0.95) == 10


def test_small_counts_are_hidden_and_so_is_what_would_give_them_away():
    from portal.stats.disclosure import hidden_cells

    # One small count in a column with a total: the next smallest goes too.
    assert hidden_cells([[3, 40, 12]], with_total=True) == {(0, 0), (0, 2)}
    # Without a total there is nothing to subtract from.
    assert hidden_cells([[3, 40, 12]], with_total=False) == {(0, 0)}
    # Two small counts that add up to fewer than five still give each other away.
    assert hidden_cells([[1, 2, 40, 9]], with_total=True) == {(0, 0), (0, 1), (0, 3)}
    # Zeros single nobody out; two hidden cells of five or more together are safe.
    assert hidden_cells([[0, 4, 3, 50]], with_total=True) == {(0, 1), (0, 2)}


# --- usage -----------------------------------------------------------------------------------------

def usage_rows(app):
    from portal.extensions import db
    from portal.stats.models import UsageDay

    with app.app_context():
        found: dict = {}
        for row in db.session.scalars(sa.select(UsageDay)):
            found[(row.event, row.dimension)] = found.get((row.event, row.dimension), 0) + row.count
        db.session.remove()
        return found


def test_public_pages_feeds_and_the_api_are_counted_per_day_and_service(app, client):
    for path in ("/advisories", "/", "/advisories", "/advisories/feed.atom", "/api/v1/advisories", "/passports"):
        assert client.get(path).status_code == 200
    assert client.get("/advisories/ZZ").status_code == 404  # not counted
    assert usage_rows(app) == {("view", "advisories"): 2, ("view", "home"): 1, ("feed", "advisories"): 1, ("api", "advisories"): 1,
                               ("view", "passport"): 1}


def test_a_journey_counts_its_start_and_its_completion_once(app, citizen):
    from portal.enquiries.models import EnquiryTopic
    from tests.fixtures.mobile import submission_token

    client = signed_in_client(app, citizen)
    form = client.get("/enquiries/new")
    assert form.status_code == 200
    data = {"country_code": "JP", "topic": EnquiryTopic.PASSPORTS.value, "subject": "Renewal", "message": "How do I renew?",
            "submission_token": submission_token(form.get_data(as_text=True))}
    assert client.post("/enquiries/new", data=data).status_code == 303
    assert client.post("/enquiries/new", data=data).status_code == 303  # the same form again: one case
    assert "Enter your question" in page_text(client.post("/enquiries/new", data={**data, "message": ""}))
    rows = usage_rows(app)
    assert rows[("start", "enquiry")] == 1 and rows[("complete", "enquiry")] == 1


def test_usage_holds_no_address_or_person(app, client):
    from portal.stats.models import UsageDay

    client.get("/advisories", headers={"X-Forwarded-For": "203.0.113.9"})
    assert {column.name for column in UsageDay.__table__.columns} == {"event", "day", "dimension", "count"}
    assert all("203.0.113" not in f"{key}" for key in usage_rows(app))


def test_buffered_counts_are_written_together_and_kept_when_the_database_fails(app, monkeypatch):
    from portal.stats import usage
    from portal.stats.models import UsageDay

    store = usage.BufferedUsage(app)
    monkeypatch.setitem(app.config, "USAGE_FLUSH_SECONDS", 3600)
    day = MONDAY_115.date()
    with app.app_context():
        for _ in range(3):
            store.add(day, {("view", "advisories"): 1})
        assert usage_rows(app) == {}  # not yet: one write for many requests
        broken = {"calls": 0}

        def failing(*args, **kwargs):
            broken["calls"] += 1
            raise sa.exc.OperationalError("INSERT", {}, Exception("connection lost"))

        monkeypatch.setattr(usage, "_fold", failing)
        store.flush()
        assert broken["calls"] == 1 and usage_rows(app) == {}
        monkeypatch.undo()
        store.flush()
    assert usage_rows(app) == {("view", "advisories"): 3}
    assert UsageDay.__tablename__ == "stats_usage_days"


# --- the dashboard ---------------------------------------------------------------------------------

def test_the_dashboard_shows_each_kpi_against_its_target_and_the_period_before(
        app, dashboard, case_history, refresh_stats, make_day):
    # Opened on a Monday; decided 1, 2, 3, 5, 6 and 7 working days later (five are allowed).
    for days in (1, 2, 3, 7, 8, 9):
        case_history("enquiry", [("start", 1), ("answer", 24 * days)])
    refresh_stats()
    _client, response = dashboard()
    assert response.status_code == 200
    text = page_text(response)
    assert "Consular KPIs" in text and "2026 (ROC year 115)" in text
    assert "Mobile consular service coverage" in text and "target 45 %" in text
    assert "Decided within the service level" in text and "target 95 %" in text
    table = response.get_data(as_text=True).split('id="table-processing"')[1]
    row = table.split("<th scope=\"row\">General enquiry</th>")[1].split("</tr>")[0]
    cells = [cell.split(">", 1)[1].split("<")[0] for cell in row.split("<td")[1:]]
    # received, decided, within the level (4 of 6), median and 90th percentile in working days, the level
    assert cells == ["6", "6", "67 %", "3", "7", "5"]


def test_a_mission_with_few_cases_shows_fewer_than_five_and_the_cell_that_would_reveal_it(
        app, dashboard, case_history, refresh_stats):
    for _ in range(12):
        case_history("enquiry", [("start", 1), ("answer", 24)], mission="tokyo")
    for _ in range(7):
        case_history("enquiry", [("start", 1), ("answer", 24)], mission="los-angeles")
    for _ in range(2):
        case_history("enquiry", [("start", 1), ("answer", 24)], mission="london")
    refresh_stats()
    _client, response = dashboard("year=115&kind=enquiry")
    html = response.get_data(as_text=True)
    table = html.split('id="table-processing_missions"')[1].split("</table>")[0]
    london = table.split(mission_name(app, "london"))[1].split("</tr>")[0]
    los_angeles = table.split(mission_name(app, "los-angeles"))[1].split("</tr>")[0]
    assert "fewer than 5" in london
    assert "fewer than 5" in los_angeles  # else 21 − 12 − 7 would give London's 2 away
    assert ">12<" in table.split(mission_name(app, "tokyo"))[1].split("</tr>")[0]
    assert ">21<" in table.split("Every mission")[1]


def test_filters_narrow_the_figures_to_a_quarter_a_region_a_mission_and_a_service(
        app, dashboard, case_history, refresh_stats):
    case_history("enquiry", [("start", 1)], mission="tokyo")
    case_history("enquiry", [("start", 1)], mission="london", opened=MONDAY_115 + timedelta(days=100))
    case_history("assistance", [("contact", 1)], mission="tokyo")
    refresh_stats()

    def received(query):
        _client, response = dashboard(query)
        assert response.status_code == 200
        row = response.get_data(as_text=True).split('id="table-processing_missions"')[1].split("</tfoot>")[0]
        return row.split("Every mission")[1].split("</td>")[0].rsplit(">", 1)[1]

    assert received("year=115") == "fewer than 5"  # three cases: hidden even in the total
    _client, response = dashboard("year=115&quarter=1&kind=enquiry")
    assert "Quarter 1 of 2026" in page_text(response)
    _client, response = dashboard("year=115&month=6&region=europe")
    assert "June 2026" in page_text(response)
    with app.app_context():
        london = mission_id("london")
    _client, response = dashboard(f"year=115&mission_id={london}")
    shown = response.get_data(as_text=True).split('id="table-processing_missions"')[1].split("</table>")[0]
    assert mission_name(app, "london") in shown and mission_name(app, "tokyo") not in shown
    # Anything unknown is left out, not an error.
    assert dashboard("year=abc&quarter=9&month=13&region=mars&kind=visa&mission_id=x")[1] \
        .status_code == 200


def test_coverage_is_the_share_of_overseas_missions_that_held_a_service_day(app, dashboard, make_day):
    from portal.extensions import db
    from portal.missions.service import overseas_missions
    from portal.core.workdays import taipei_today
    from portal.mobile.models import ServiceDay
    from portal.stats.periods import roc_year_of

    day_id, _uid, _quotas = make_day(30, mission="tokyo")
    make_day(31, mission="london")  # published, not held: does not count
    with app.app_context():
        # Held today (the period shown must be one the year filter offers).
        db.session.execute(sa.update(ServiceDay).where(ServiceDay.id == day_id)
                           .values(status="held", day=taipei_today()))
        db.session.commit()
        held_on = db.session.get(ServiceDay, day_id).day
        overseas = len(overseas_missions(db.session))
        db.session.remove()
    _client, response = dashboard(f"year={roc_year_of(held_on)}&month={held_on.month}")
    table = response.get_data(as_text=True).split('id="table-coverage"')[1].split("</table>")[0]
    total = table.split("Every region")[1]
    assert f">{overseas}<" in total and ">1<" in total and f">{100 / overseas:.0f} %<" in total
    missions = response.get_data(as_text=True).split('id="table-coverage_missions"')[1].split("</table>")[0]
    assert mission_name(app, "tokyo") in missions and mission_name(app, "london") not in missions


def test_the_tables_download_as_csv_and_as_one_workbook(app, supervisor, case_history, refresh_stats):
    import openpyxl

    for _ in range(5):
        case_history("enquiry", [("start", 1), ("answer", 24)])
    refresh_stats()
    client = signed_in_client(app, supervisor)
    response = client.get("/staff/stats/processing.csv?year=115&kind=enquiry")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Cache-Control"] == "no-store"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["Service", "Received", "Decided"]
    assert rows[1][:4] == ["General enquiry", "5", "5", "100"]  # 100 %: a number for the spreadsheet
    assert client.get("/staff/stats/nothing.csv").status_code == 404
    workbook = client.get("/staff/stats.xlsx?year=115")
    assert workbook.status_code == 200 and workbook.headers["Content-Disposition"].endswith(".xlsx")
    book = openpyxl.load_workbook(io.BytesIO(workbook.data))
    assert len(book.sheetnames) == 13  # every table of the dashboard
    sheet = book[next(name for name in book.sheetnames if "Volumes and processing time" in name)]
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert ["General enquiry", 5, 5, 100] in [row[:4] for row in values]


def test_no_spreadsheet_cell_runs_as_a_formula():
    import openpyxl

    from portal.core.export import xlsx_bytes

    body = xlsx_bytes({"Sheet": [["Name", "Count"], ["=HYPERLINK(\"http://x\")", 3], ["+1+1", 2.5]]})
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    assert sheet["A2"].data_type == "s" and sheet["A2"].value == "'=HYPERLINK(\"http://x\")"
    assert sheet["A3"].value == "'+1+1" and sheet["B2"].value == 3 and sheet["B3"].value == 2.5


@pytest.mark.parametrize("path", ["/staff/stats", "/staff/stats/processing.csv", "/staff/stats.xlsx"])
def test_only_supervisors_see_the_figures(app, client, officer, citizen, admin, path):
    assert client.get(path).status_code in (302, 303)  # signed out: to sign in
    assert signed_in_client(app, citizen).get(path).status_code == 403
    assert signed_in_client(app, officer).get(path).status_code == 403
    assert signed_in_client(app, admin).get(path).status_code == 200


def test_the_dashboard_reads_a_bounded_number_of_queries(app, supervisor, case_history, refresh_stats, count_queries):
    for mission in ("tokyo", "london", "los-angeles"):
        case_history("enquiry", [("start", 1), ("answer", 24)], mission=mission)
    refresh_stats()
    client = signed_in_client(app, supervisor)
    few = count_queries(lambda: client.get("/staff/stats?year=115"))
    for mission in ("tokyo", "london", "los-angeles", "washington-dc"):
        for _ in range(3):
            case_history("assistance", [("contact", 1)], mission=mission)
    refresh_stats()
    assert count_queries(lambda: client.get("/staff/stats?year=115")) == few


REDIS_URL = os.environ.get("PORTAL_TEST_REDIS_URL")


@pytest.mark.skipif(not REDIS_URL, reason="set PORTAL_TEST_REDIS_URL to run against Redis")
def test_with_redis_every_app_copy_counts_there_and_the_worker_folds_each_batch_in_once(app):
    import redis

    from portal import create_app
    from portal.extensions import db
    from portal.stats import usage

    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(match="portal:usage*"):
        client.delete(key)
    settings = {"DATABASE_URL": app.config["DATABASE_URL"], "REDIS_URL": REDIS_URL, "WTF_CSRF_ENABLED": False}
    copies = [create_app(settings, env="testing") for _ in range(2)]
    for copy in copies:
        copy.test_client().get("/advisories")
    copies[1].test_client().get("/passports")
    assert usage_rows(app) == {}  # waiting in Redis, not written per request
    with copies[0].app_context():
        assert usage.fold_from_redis(client) == 3
    assert usage_rows(app) == {("view", "advisories"): 2, ("view", "passport"): 1}
    assert list(client.scan_iter(match="portal:usage*")) == []
    # A worker that folded a batch and died before deleting it: the batch is found again, and skipped.
    batch = "portal:usage-folding:2026-03-02:died"
    client.hset(batch, "view|advisories", 5)
    with copies[0].app_context():
        usage.fold_from_redis(client)
        client.hset(batch, "view|advisories", 5)
        assert usage.fold_from_redis(client) == 0
    assert usage_rows(app)[("view", "advisories")] == 7
    for copy in copies:  # their connections closed here, not whenever they are collected
        with copy.app_context():
            db.engine.dispose()
    client.close()


def test_the_demonstration_history_follows_each_workflow_and_counts_into_the_rollups(app):
    from portal.core.cases.models import Case, CaseEvent
    from portal.core.cases.registry import workflow_for
    from portal.extensions import db

    result = app.test_cli_runner().invoke(args=["stats", "demo", "--cases", "300", "--months", "3"])
    assert result.exit_code == 0, result.output
    assert "300 cases" in result.output
    with app.app_context():
        cases = db.session.scalars(sa.select(Case)).all()
        events = db.session.scalars(sa.select(CaseEvent).order_by(CaseEvent.id)).all()
        by_case: dict = {}
        for event in events:
            by_case.setdefault(event.case_id, []).append(event)
        decided = 0
        for case in cases:
            workflow = workflow_for(case.kind)
            history = by_case[case.id]
            assert history[0].action == "submit" and history[-1].to_status == case.status
            for event in history[1:]:
                if event.from_status != event.to_status:
                    assert workflow.transition(event.from_status, event.action).target == event.to_status
            decided += any(workflow.status(e.to_status).counts_as_decided for e in history)
        from portal.mobile.models import ServiceDay

        held = db.session.scalars(sa.select(ServiceDay).where(ServiceDay.status == "held")).all()
        from portal.surveys.models import SurveyAnswer

        answers = db.session.scalar(sa.select(sa.func.count()).select_from(SurveyAnswer))
        db.session.remove()
    assert held and all(not day.is_counter for day in held)  # the coverage has days to count
    assert answers == 60  # and satisfaction answers to show
    assert sum(monthly(app, "decided").values()) == decided > 100
    received = sum(monthly(app, "received").values())
    assert received == len([c for c in cases if not workflow_for(c.kind).status(c.status).hidden_from_queue])


def test_bookings_of_service_days_are_counted_per_mission(app, make_user, make_day, refresh_stats, dashboard):
    from tests.fixtures.mobile import book

    _day_id, uid, quotas = make_day(10, mission="tokyo")
    for _ in range(3):
        client = signed_in_client(app, make_user("citizen"))
        assert book(client, uid, quotas[(0, "passport_renewal")]).status_code == 303
    refresh_stats()
    assert sum(monthly(app, "bookings", "passport_renewal").values()) == 3
    with app.app_context():
        from portal.core.workdays import taipei_today
        from portal.stats.periods import roc_year_of

        year = roc_year_of(taipei_today())
    _client, response = dashboard(f"year={year}")
    table = response.get_data(as_text=True).split('id="table-coverage_missions"')[1].split("</table>")[0]
    assert mission_name(app, "tokyo") in table and ">3<" in table


def test_buffered_counts_are_written_beside_the_requests_not_in_their_way(app, monkeypatch):
    import time

    from portal.stats import usage

    monkeypatch.setitem(app.config, "USAGE_FLUSH_SECONDS", 0.01)
    store = usage.BufferedUsage(app)
    written = threading.Event()
    slow_fold = usage._fold

    def slow(*args, **kwargs):
        time.sleep(0.5)  # a slow database
        slow_fold(*args, **kwargs)
        written.set()

    monkeypatch.setattr(usage, "_fold", slow)
    time.sleep(0.02)
    started = time.monotonic()
    store.add(MONDAY_115.date(), {("view", "advisories"): 1})
    store.add(MONDAY_115.date(), {("view", "advisories"): 1})  # while the first write is under way
    assert time.monotonic() - started < 0.3  # the request did not wait for the database
    assert written.wait(5)
    time.sleep(0.05)
    with app.app_context():
        store.flush()  # what came while the first write was under way
    assert usage_rows(app) == {("view", "advisories"): 2}


def test_the_figures_follow_the_months_of_the_period(app, dashboard, case_history, refresh_stats):
    for month_start in (MONDAY_115, MONDAY_115 + timedelta(days=35)):  # March and April
        for _ in range(6):
            case_history("enquiry", [("start", 1), ("answer", 24)], opened=month_start)
    case_history("enquiry", [("start", 1)], opened=MONDAY_115 + timedelta(days=70))  # one in May
    refresh_stats()
    _client, response = dashboard("year=115&quarter=2")
    table = response.get_data(as_text=True).split('id="table-processing_months"')[1].split("</table>")[0]
    april = table.split("April 2026")[1].split("</tr>")[0]
    may = table.split("May 2026")[1].split("</tr>")[0]
    assert ">6<" in april and "100 %" in april
    assert "fewer than 5" in may and "March" not in table  # the quarter's months only
    assert ">7<" in table.split("The whole period")[1]
    assert response.get_data(as_text=True).count('id="processing-trend"') == 1


def test_a_round_with_nothing_new_leaves_the_figures_time_alone(app, case_history, refresh_stats):
    from portal.extensions import db
    from portal.stats.rollups import figures_up_to

    case_history("enquiry", [("start", 1)])
    refresh_stats()
    with app.app_context():
        changed = figures_up_to(db.session)
        db.session.remove()
    assert refresh_stats() == 0
    with app.app_context():
        assert figures_up_to(db.session) == changed  # what the PDF's cache is keyed by
        db.session.remove()


def test_a_young_row_holds_back_the_rows_after_it_instead_of_being_skipped(app, case_history, refresh_stats):
    young = datetime.now(UTC).replace(microsecond=0)
    case_history("enquiry", opened=young)  # written first, just now
    case_history("enquiry")  # written after it, but dated in March
    assert refresh_stats(now=young + timedelta(seconds=10)) == 0  # the first is inside the lag: both wait
    assert refresh_stats(now=young + timedelta(seconds=31)) == 2  # then both are read, none passed over
    assert sum(monthly(app, "received").values()) == 2


def test_the_scale_demonstration_writes_cases_calls_and_subscribers_and_adds_to_them_when_run_again(app, supervisor):
    from portal.advisories.models import Subscription
    from portal.core.cases.models import Case
    from portal.extensions import db
    from portal.feedback import hotline
    from portal.feedback.models import HotlineCall
    from portal.surveys.models import SurveyInvitationCount

    arguments = ["demo", "scale", "--cases", "250", "--hotline-calls", "120", "--subscribers", "40", "--months", "3"]
    for run in (1, 2):
        result = app.test_cli_runner().invoke(args=arguments)
        assert result.exit_code == 0, result.output
        assert "250 cases" in result.output and "120 hotline calls" in result.output
        with app.app_context():
            count = lambda column: db.session.scalar(sa.select(sa.func.count(column)))  # noqa: E731
            distinct = lambda column: db.session.scalar(sa.select(sa.func.count(sa.distinct(column))))  # noqa: E731
            assert count(Case.id) == distinct(Case.reference) == 250 * run
            assert count(HotlineCall.id) == distinct(HotlineCall.reference) == 120 * run
            subscriptions = db.session.scalars(sa.select(Subscription)).all()
            assert len({s.email for s in subscriptions}) == 40 * run
            assert all(s.confirmed_at for s in subscriptions)
            assert {s.country_code for s in subscriptions} == {"JP", None}
            invited = db.session.scalar(sa.select(sa.func.sum(SurveyInvitationCount.invited)))
            if run == 1:
                first_invited = invited
            else:  # the second run's invitations are added to the first's, not refused as repeats
                assert invited > first_invited
            # what an officer would search for is there: the rare word once a run, and a caller's name
            from portal.accounts.models import User

            reader = db.session.get(User, supervisor.id)
            found, _next = hotline.calls_page(db.session, reader, hotline.CallFilter(text="overcharged"))
            assert len(found) == run
            found, _next = hotline.calls_page(db.session, reader, hotline.CallFilter(text="陳美玲"))
            assert found and all(call.caller_name == "陳美玲" for call in found)
            if db.engine.dialect.name == "postgresql":  # the planner knows the new rows before the rollups read them
                analyzed = db.session.scalar(sa.text(
                    "SELECT count(*) FROM pg_stats WHERE tablename = 'case_events' AND attname = 'case_id'"))
                assert analyzed == 1
            db.session.remove()
    assert sum(monthly(app, "received").values()) > 0
