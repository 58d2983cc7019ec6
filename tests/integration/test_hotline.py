"""The complaint hotline log: logging calls, searching and counting them, turning one into a mailbox case."""

import re
from datetime import datetime

import pytest
import sqlalchemy as sa
import time_machine

from portal.core.workdays import TAIPEI
from tests.fixtures.accounts import mission_id, sign_in
from tests.fixtures.pages import text_of

pytestmark = pytest.mark.usefixtures("headquarters")

CALL = {"called_on": "2026-11-02", "called_time": "10:15", "duration_minutes": "7", "language": "mandarin",
        "caller_name": "Chen Caller", "caller_phone": "+886 912 345 678", "caller_email": "",
        "category": "passports", "summary": "Asked why her passport renewal takes so long.", "outcome": "answered",
        "referred_to": ""}
_forms = iter(range(1, 10_000))


def log(client, **fields):
    return client.post("/staff/hotline/new", data={**CALL, "submission_token": f"call-{next(_forms)}", **fields})


def staff_client(app, user):
    client = app.test_client()
    sign_in(client, user)
    return client


def calls(app):
    from portal.extensions import db
    from portal.feedback.models import HotlineCall

    with app.app_context():
        rows = db.session.scalars(sa.select(HotlineCall).order_by(HotlineCall.id)).all()
        db.session.expunge_all()
        return rows


def references(page: str) -> list[str]:
    return re.findall(r'class="reference" href="/staff/hotline/([^"]+)"', page)


@pytest.fixture(autouse=True)
def _on_a_monday():
    with time_machine.travel(datetime(2026, 11, 3, 9, 0, tzinfo=TAIPEI)):
        yield


def test_an_officer_logs_a_call_and_finds_it_in_the_log(app, officer, get_page):
    client = staff_client(app, officer)
    _, document = get_page("/staff/hotline/new", client_=client)
    assert document.find(".//input[@name='called_on']").get("value") == "2026-11-03"  # today, Taipei time
    response = log(client)
    assert response.status_code == 303
    [call] = calls(app)
    assert response.headers["Location"] == f"/staff/hotline/{call.reference}"
    assert call.reference.startswith("HTL-")
    assert (call.called_at, call.call_day.isoformat()) == (datetime(2026, 11, 2, 10, 15, tzinfo=TAIPEI), "2026-11-02")
    assert (call.duration_minutes, call.language, call.category, call.outcome) == (7, "mandarin", "passports",
                                                                                    "answered")
    assert call.mission_id == officer.mission_id and call.logged_by_id == officer.id and call.case_id is None
    _, document = get_page(response.headers["Location"], client_=client)
    text = text_of(document)
    assert "Asked why her passport renewal takes so long." in text and "7 minutes" in text
    assert "Turn into a mailbox case" in text
    get_page("/staff/hotline", client_=client)
    assert references(client.get("/staff/hotline").get_data(as_text=True)) == [call.reference]


def test_the_log_is_searchable_by_date_subject_outcome_and_text_with_counts(app, officer, get_page):
    client = staff_client(app, officer)
    log(client, called_on="2026-11-02", category="passports", summary="Renewal queue")
    log(client, called_on="2026-11-02", category="visas", summary="Visa for a spouse", outcome="follow_up")
    log(client, called_on="2026-10-20", category="passports", summary="Lost passport in Osaka")
    log(client, called_on="2026-09-01", category="documents", summary="Old call, outside 30 days")
    first, second, third, old = (c.reference for c in calls(app))

    page = client.get("/staff/hotline").get_data(as_text=True)  # the last 30 days unless chosen
    assert references(page) == [second, first, third]  # newest first; the same moment: last logged first
    assert old not in page and "3 calls match." in page
    _, document = get_page("/staff/hotline", client_=client)
    per_day, per_subject = ([[td.text for td in row.findall("td")] for row in table.findall("tbody/tr")]
                            for table in document.findall(".//table[@class='table counts']"))
    assert per_day == [["2 November 2026", "2"], ["20 October 2026", "1"]]
    assert per_subject == [["Passports", "2"], ["Visas", "1"]]

    def found(query):
        return references(client.get(f"/staff/hotline?{query}").get_data(as_text=True))

    assert found("date_from=2026-09-01&date_to=2026-09-30") == [old]
    assert set(found("category=passports")) == {first, third}
    assert found("outcome=follow_up") == [second]
    assert found("q=osaka") == [third]
    assert found("q=100%25") == []  # % is a character to find, not a wildcard
    assert found(f"q={third.lower()}") == [third]
    assert "1 call matches." in client.get("/staff/hotline?q=osaka").get_data(as_text=True)
    bad = client.get("/staff/hotline?date_from=yesterday")
    assert bad.status_code == 200 and "Enter a date like 2026-11-27." in bad.get_data(as_text=True)


def test_text_search_finds_a_caller_by_name_in_chinese_phone_digits_or_words_and_nothing_across_wildcards(
        app, officer):
    client = staff_client(app, officer)
    log(client, caller_name="陳美玲", caller_phone="+886 912 345 678", summary="護照換發延誤，詢問進度。")
    log(client, caller_name="Lin Chih-ming", caller_phone="", summary="Asked about form_b for a visa.")
    log(client, caller_name="", caller_phone="", summary="Asked about form b and formsb.")
    chen, lin, anonymous = (c.reference for c in calls(app))

    def found(text):
        return references(client.get("/staff/hotline", query_string={"q": text}).get_data(as_text=True))

    assert found("陳美玲") == [chen] and found("換發延誤") == [chen]
    assert found("912 345") == [chen]
    assert found("chih-MING") == [lin]  # letters in any case
    assert found("form_b") == [lin]  # _ is a character to find, not "any one character"
    assert set(found("asked about form")) == {lin, anonymous}
    assert found("zeppelin") == []


def test_on_postgresql_the_text_search_can_read_the_trigram_index(app, make_user):
    """The search's expression is the index's: PostgreSQL can answer it from ix_hotline_calls_search
    (shown by its plan with sequential scans ruled out), however many calls there are."""
    from portal.extensions import db
    from portal.feedback import hotline

    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("trigram indexes are PostgreSQL's; SQLite reads the table")
        everywhere = make_user("supervisor")  # sees every mission's calls: no mission index to read instead
        query = sa.select(sa.func.count()).where(*hotline._visible(everywhere, hotline.CallFilter(text="passport")))
        compiled = query.compile(dialect=db.engine.dialect, compile_kwargs={"render_postcompile": True})
        connection = db.session.connection()
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        plan = "\n".join(row[0] for row in connection.exec_driver_sql(f"EXPLAIN {compiled}", compiled.params))
        db.session.rollback()
    assert "ix_hotline_calls_search" in plan


def test_the_log_issues_the_same_number_of_queries_however_long_it_is(app, officer, count_queries):
    client = staff_client(app, officer)

    def open_log():
        assert client.get("/staff/hotline").status_code == 200

    def queries() -> int:
        return count_queries(open_log)

    log(client)
    few = queries()
    for day in range(1, 13):
        log(client, called_on=f"2026-10-{day + 10:02d}", outcome="case" if day % 3 == 0 else "answered",
            category=["visas", "website", "other"][day % 3])
    assert queries() == few


def test_a_referral_needs_a_place_and_keeps_it(app, officer):
    client = staff_client(app, officer)
    body = log(client, outcome="referred").get_data(as_text=True)
    assert "Choose where the caller was referred to." in body and calls(app) == []
    assert "Choose where the caller was referred to." in log(client, outcome="referred",
                                                            referred_to="unit:nowhere").get_data(as_text=True)
    log(client, outcome="referred", referred_to="unit:documents")
    with app.app_context():
        paris = mission_id("paris")
    log(client, outcome="referred", referred_to=f"mission:{paris}")
    unit_call, mission_call = calls(app)
    assert (unit_call.referred_unit, unit_call.referred_mission_id) == ("documents", None)
    assert (mission_call.referred_unit, mission_call.referred_mission_id) == (None, paris)
    page = client.get(f"/staff/hotline/{unit_call.reference}").get_data(as_text=True)
    assert "Referred to a mission or unit: Document Authentication Division" in page


@pytest.mark.parametrize("fields, message", [
    ({"called_on": "", "called_time": ""}, "Enter the date of the call."),
    ({"called_on": "02/11/2026"}, "Enter the date of the call like 2026-11-27."),
    ({"called_time": "25:99"}, "Enter the time of the call like 14:30."),
    ({"called_on": "2026-11-04"}, "The call cannot be in the future."),
    ({"duration_minutes": "601"}, "from 0 to 600 minutes"),
    ({"duration_minutes": "ten"}, "from 0 to 600 minutes"),
    ({"language": "klingon"}, "Choose the language of the call."),
    ({"category": ""}, "Choose what the call was about."),
    ({"summary": " "}, "Write a summary of the call."),
    ({"summary": "s" * 3001}, "The summary must be 3,000 characters or fewer."),
    ({"outcome": "shrug"}, "Choose the outcome of the call."),
    ({"caller_email": "nope"}, "Enter an email address in the right format"),
    ({"caller_phone": "call me"}, "Enter a phone number using digits"),
])
def test_bad_calls_get_clear_messages_and_nothing_is_saved(app, officer, fields, message):
    from portal.core.cases.models import Case

    client = staff_client(app, officer)
    response = log(client, **fields)
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    assert calls(app) == []
    with app.app_context():
        from portal.extensions import db

        assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 0


def test_sending_the_same_call_form_twice_logs_one_call(app, officer):
    client = staff_client(app, officer)
    first = log(client, submission_token="same")
    second = log(client, submission_token="same")
    assert first.headers["Location"] == second.headers["Location"] and len(calls(app)) == 1


def test_a_call_logged_as_a_case_opens_a_mailbox_case_linked_both_ways(app, officer, outbox, get_page):
    client = staff_client(app, officer)
    response = log(client, outcome="case", caller_email="Chen@Example.tw", summary="Rude answer at the counter.",
                   category="service", language="english")  # the caller's language is the language of the emails
    [call] = calls(app)
    assert call.case_id is not None and call.outcome == "case"
    from tests.fixtures.cases import load_case

    with app.app_context():
        from portal.core.cases.models import Case
        from portal.extensions import db

        reference = db.session.scalar(sa.select(Case.reference).where(Case.id == call.case_id))
    case, events = load_case(app, reference)
    assert (case.kind, case.status, case.mission.code, case.applicant_id) == ("mailbox", "received", "tokyo", None)
    assert events == [("submit", "received", None)]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f'href="/staff/cases/{reference}"' in page
    _, document = get_page(f"/staff/cases/{reference}", client_=client)
    text = text_of(document)
    assert f"Hotline call {call.reference}" in text and "Rude answer at the counter." in text
    assert "chen@example.tw" in text
    assert reference in client.get("/staff/queue").get_data(as_text=True)
    mail = outbox("chen@example.tw")[-1]
    assert mail.subject == f"We have received your message {reference}" and "/mailbox/track/" in mail.body


def test_a_logged_call_is_turned_into_a_case_once(app, officer, outbox):
    client = staff_client(app, officer)
    log(client)  # no email address: the case is answered by phone
    [call] = calls(app)
    response = client.post(f"/staff/hotline/{call.reference}/case")
    assert response.status_code == 303 and response.headers["Location"].startswith("/staff/cases/DGM-")
    [call] = calls(app)
    assert call.case_id is not None and call.outcome == "case" and outbox() == []
    page = client.get(f"/staff/hotline/{call.reference}").get_data(as_text=True)
    assert "Turn into a mailbox case" not in page
    again = client.post(f"/staff/hotline/{call.reference}/case", follow_redirects=True)
    assert "This call has already been turned into a case." in again.get_data(as_text=True)
    from portal.core.cases.models import Case

    with app.app_context():
        from portal.extensions import db

        assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 1


def test_staff_see_their_own_missions_calls_and_supervisors_see_all(app, make_user, officer, supervisor):
    paris_officer = make_user("staff", mission="paris")
    tokyo, paris = staff_client(app, officer), staff_client(app, paris_officer)
    log(tokyo, summary="Tokyo call")
    log(paris, summary="Paris call")
    tokyo_call, paris_call = calls(app)
    assert references(tokyo.get("/staff/hotline").get_data(as_text=True)) == [tokyo_call.reference]
    assert tokyo.get(f"/staff/hotline/{paris_call.reference}").status_code == 404
    assert tokyo.post(f"/staff/hotline/{paris_call.reference}/case").status_code == 404
    assert calls(app)[1].case_id is None
    assert "Calls logged at every mission." not in tokyo.get("/staff/hotline").get_data(as_text=True)

    boss = staff_client(app, supervisor)
    everything = boss.get("/staff/hotline").get_data(as_text=True)
    assert set(references(everything)) == {tokyo_call.reference, paris_call.reference}
    with app.app_context():
        paris_id = mission_id("paris")
    assert references(boss.get(f"/staff/hotline?mission_id={paris_id}").get_data(as_text=True)) == [
        paris_call.reference]
    assert boss.get(f"/staff/hotline/{paris_call.reference}").status_code == 200


def test_an_admin_without_a_mission_logs_calls_at_headquarters(app, admin):
    log(staff_client(app, admin))
    [call] = calls(app)
    with app.app_context():
        assert call.mission_id == mission_id("hq")


def test_citizens_and_nobody_are_kept_out_of_the_hotline_log(app, citizen, officer):
    log(staff_client(app, officer))
    reference = calls(app)[0].reference
    nobody = app.test_client()
    for path in ("/staff/hotline", "/staff/hotline/new", f"/staff/hotline/{reference}"):
        response = nobody.get(path)
        assert response.status_code == 302 and "/account/login" in response.headers["Location"], path
    assert nobody.post(f"/staff/hotline/{reference}/case").status_code == 302
    client = staff_client(app, citizen)
    for path in ("/staff/hotline", "/staff/hotline/new", f"/staff/hotline/{reference}"):
        assert client.get(path).status_code == 403, path
    assert log(client).status_code == 403
    assert client.post(f"/staff/hotline/{reference}/case").status_code == 403
    assert len(calls(app)) == 1 and calls(app)[0].case_id is None


def test_the_same_call_sent_ten_times_at_once_is_logged_once_and_every_answer_is_normal(app, officer):
    import threading

    client = staff_client(app, officer)
    data = {**CALL, "submission_token": "call-at-once"}
    start, answers = threading.Barrier(10), []

    def send():
        start.wait()
        answers.append(client.post("/staff/hotline/new", data=data).status_code)

    threads = [threading.Thread(target=send) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(status < 400 for status in answers), answers
    assert len(calls(app)) == 1
