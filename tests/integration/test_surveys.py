"""Satisfaction surveys: an invitation on each kind's completing move, a link that works once,
one reminder, expiry, the choice to receive none, anonymity by construction, and results with
small numbers suppressed."""

import re
import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from tests.fixtures.accounts import sign_in
from tests.fixtures.pages import text_of
from tests.fixtures.surveys import survey_mails, survey_path

#: (kind, the move that completes its service)
COMPLETING = {("passport", "collect"), ("document", "issue"), ("enquiry", "answer"), ("mailbox", "expire"),
              ("assistance", "close")}


def rows(app, model, *where):
    from portal.extensions import db

    with app.app_context():
        found = db.session.scalars(sa.select(model).where(*where)).all()
        db.session.expunge_all()
        return found


def test_every_kind_invites_on_the_move_that_completes_its_service():
    from portal import register_kinds
    from portal.core.cases.registry import all_kinds

    register_kinds()
    inviting = {(k.workflow.kind, t.action) for k in all_kinds() for t in k.workflow.transitions if t.invites_survey}
    assert inviting == COMPLETING


@pytest.mark.parametrize("kind", ["enquiry", "passport", "assistance", "mailbox"])
def test_the_completing_move_emails_the_citizen_one_link(app, citizen, outbox, completed, kind):
    from portal.surveys.models import SurveyInvitation, SurveyInvitationCount

    completed(kind)
    [mail] = survey_mails(outbox, citizen.email)
    assert "anonymous" in mail.body and "works once" in mail.body
    [invitation] = rows(app, SurveyInvitation)
    assert invitation.service == kind and invitation.expires_at - invitation.created_at == timedelta(days=30)
    assert [(c.service, c.invited) for c in rows(app, SurveyInvitationCount)] == [(kind, 1)]


def test_an_issued_authentication_invites_its_citizen(app, citizen, officer, outbox, make_document_request,
                                                      advance_document):
    reference = make_document_request(citizen)
    advance_document(reference, "verify", "authenticate", "issue", by=officer)
    assert len(survey_mails(outbox, citizen.email)) == 1


def test_the_link_opens_the_survey_in_both_languages_and_works_once(app, citizen, outbox, completed, get_page):
    from portal.surveys.models import SurveyAnswer, SurveyInvitation

    completed("enquiry")
    path = survey_path(survey_mails(outbox, citizen.email)[0])
    _, page = get_page(path)
    assert "Overall, how did you feel about the service you received today?" in text_of(page)
    assert "General enquiry" in text_of(page)
    _, page = get_page(path, headers={"Accept-Language": "zh-TW"})
    assert "整體而言，您對今天所接受的服務感覺如何？" in text_of(page) and "非常滿意" in text_of(page)
    client = app.test_client()
    thanks = client.post(path, data={"overall": "4", "improvement": "Shorter queues, please."})
    assert thanks.status_code == 200 and "Thank you for your answer" in thanks.get_data(as_text=True)
    again = client.get(path)
    assert again.status_code == 410 and "This survey link no longer works" in again.get_data(as_text=True)
    assert client.post(path, data={"overall": "1"}).status_code == 410
    [answer] = rows(app, SurveyAnswer)
    assert (answer.overall, answer.improvement, answer.service) == (4, "Shorter queues, please.", "enquiry")
    assert rows(app, SurveyInvitation) == []


def test_an_answer_without_the_overall_choice_is_refused_and_nothing_is_spent(app, citizen, outbox, completed):
    from portal.surveys.models import SurveyAnswer, SurveyInvitation

    completed("enquiry")
    path = survey_path(survey_mails(outbox, citizen.email)[0])
    refused = app.test_client().post(path, data={"improvement": "x" * 2001})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "Choose how you felt about the service." in text
    assert "Write 2000 characters or fewer." in text and 'class="error-summary"' in text
    assert rows(app, SurveyAnswer) == [] and len(rows(app, SurveyInvitation)) == 1
    assert app.test_client().post(path, data={"overall": "9"}).status_code == 400
    assert rows(app, SurveyAnswer) == []


def test_a_link_sent_twice_at_once_keeps_one_answer(app, citizen, outbox, completed):
    from portal.surveys.models import SurveyAnswer

    completed("enquiry")
    path = survey_path(survey_mails(outbox, citizen.email)[0])
    barrier, statuses = threading.Barrier(4), []

    def send():
        client = app.test_client()
        barrier.wait()
        statuses.append(client.post(path, data={"overall": "5"}).status_code)

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(rows(app, SurveyAnswer)) == 1
    assert statuses.count(200) == 1 and set(statuses) <= {200, 400, 410}


def test_one_reminder_with_the_same_link_then_the_link_expires_and_is_erased(app, citizen, outbox, completed,
                                                                            run_worker):
    from portal.surveys.models import SurveyInvitation

    start = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False) as clock:
        completed("enquiry")
        path = survey_path(survey_mails(outbox, citizen.email)[0])
        clock.move_to(start + timedelta(days=6))
        run_worker()
        assert len(survey_mails(outbox, citizen.email)) == 1
        clock.move_to(start + timedelta(days=7, minutes=1))
        run_worker()
        reminders = survey_mails(outbox, citizen.email)
        assert len(reminders) == 2 and "only reminder" in reminders[1].body and survey_path(reminders[1]) == path
        clock.move_to(start + timedelta(days=8))
        run_worker()
        assert len(survey_mails(outbox, citizen.email)) == 2
        clock.move_to(start + timedelta(days=30, minutes=1))
        assert app.test_client().get(path).status_code == 410
        run_worker()
        assert rows(app, SurveyInvitation) == []


def test_a_citizen_who_turned_survey_emails_off_gets_none(app, client, citizen, outbox, completed, get_page):
    sign_in(client, citizen)
    _, page = get_page("/account/surveys")
    assert page.find(".//input[@name='survey_emails']").get("checked") is not None
    assert client.post("/account/surveys", data={}).status_code == 303
    _, page = get_page("/account/surveys")
    assert page.find(".//input[@name='survey_emails']").get("checked") is None
    completed("enquiry")
    assert survey_mails(outbox, citizen.email) == []
    client.post("/account/surveys", data={"survey_emails": "y"})
    completed("enquiry")
    assert len(survey_mails(outbox, citizen.email)) == 1


def test_staff_cannot_reach_the_citizens_choice_and_nobody_answers_without_a_link(app, officer, client):
    staff = app.test_client()
    sign_in(staff, officer)
    assert staff.get("/account/surveys").status_code == 302  # staff are sent to their queue
    assert client.get("/account/surveys").status_code == 302  # nobody: to sign in
    assert client.get("/surveys/not-a-real-token").status_code == 410


def test_an_answer_cannot_be_traced_to_the_citizen_or_the_case(app, citizen, outbox, completed):
    """The answer keeps coarse context only; the one row that linked the link to the case is gone."""
    from portal.extensions import db
    from portal.surveys.models import SurveyAnswer

    references = [completed("enquiry") for _ in range(3)]
    for mail in survey_mails(outbox, citizen.email):
        app.test_client().post(survey_path(mail), data={"overall": "2", "improvement": "Too slow."})
    with app.app_context():
        inspector = sa.inspect(db.engine)
        columns = {c["name"]: str(c["type"]) for c in inspector.get_columns("survey_answers")}
        assert set(columns) == {"id", "service", "mission_id", "month", "channel", "version_id", "overall",
                                "improvement", "answers"}
        assert not any("DATE" in kind.upper() or "TIME" in kind.upper() for kind in columns.values())
        assert {fk["referred_table"] for fk in inspector.get_foreign_keys("survey_answers")} == \
            {"missions", "survey_versions"}
        assert {fk["referred_table"] for fk in inspector.get_foreign_keys("survey_versions")} == set()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(sa.table("survey_invitations"))) == 0
    answers = rows(app, SurveyAnswer)
    assert len(answers) == 3 and all(re.fullmatch(r"[0-9a-f]{32}", a.id) for a in answers)
    assert sorted(a.id for a in answers) != [a.id for a in answers] or len({a.id[:8] for a in answers}) == 3
    for answer in answers:
        values = " ".join(str(getattr(answer, name)) for name in columns)
        assert citizen.email not in values and not any(reference in values for reference in references)
        assert re.fullmatch(r"\d{4}-\d{2}", answer.month)


def _answers(app, *, mission, month, levels):
    from portal.core.db import unit_of_work
    from portal.missions.models import Mission
    from portal.surveys.models import SurveyAnswer
    from portal.surveys.service import current_version

    with app.app_context(), unit_of_work() as session:
        mission_id = session.scalar(sa.select(Mission.id).where(Mission.code == mission))
        version = current_version(session, "enquiry")
        for points in levels:
            session.add(SurveyAnswer(service="enquiry", mission_id=mission_id, month=month, channel="online",
                                     version_id=version.id, overall=points))


def test_results_show_csat_and_hide_cells_and_totals_under_five(app, supervisor, officer, get_page):
    month = datetime.now(UTC).strftime("%Y-%m")
    _answers(app, mission="tokyo", month=month, levels=[5, 5, 4, 4, 4, 2])  # 5 of 6 satisfied: 83 %
    _answers(app, mission="seoul", month=month, levels=[1, 5])  # too few to show
    staff = app.test_client()
    sign_in(staff, officer)
    assert staff.get("/staff/surveys").status_code == 403
    boss = app.test_client()
    sign_in(boss, supervisor)
    _, page = get_page("/staff/surveys", client_=boss)
    by_mission = page.find(".//caption[@id='missions-enquiry']/..")
    cells = {row.find("th").text: [td.text for td in row.findall("td")] for row in by_mission.iter("tr")
             if row.find("th") is not None and row.find("td") is not None}
    tokyo = next(v for k, v in cells.items() if "Japan" in k)
    seoul = next(v for k, v in cells.items() if "Korea" in k)
    assert tokyo[:2] == ["6", "83 %"] and tokyo[3:] == ["2", "3", "0", "1", "0"]
    assert seoul[0] == "fewer than 5" and "1" not in seoul[1:]
    trend = page.find(".//caption[@id='trend-enquiry']/..")
    [total] = [[td.text for td in row.findall("td")] for row in trend.iter("tr") if row.find("td") is not None]
    assert total[0] == "fewer than 5"  # 8 answers, but Seoul's 2 could be worked out from it


def test_the_figures_download_as_csv_with_the_same_suppression(app, supervisor, officer):
    import csv
    import io

    month = datetime.now(UTC).strftime("%Y-%m")
    _answers(app, mission="tokyo", month=month, levels=[5, 5, 4, 4, 4, 2])
    _answers(app, mission="seoul", month=month, levels=[1, 5])
    staff = app.test_client()
    sign_in(staff, officer)
    assert staff.get("/staff/surveys.csv").status_code == 403
    boss = app.test_client()
    sign_in(boss, supervisor)
    response = boss.get("/staff/surveys.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    table = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert table[0][:6] == ["Service", "Mission", "Month", "Answers", "Share satisfied", "Response rate"]
    tokyo = next(row for row in table if "Japan" in row[1])
    seoul = next(row for row in table if "Korea" in row[1])
    total = next(row for row in table if row[1] == "Every mission")
    assert tokyo[3:5] == ["6", "83"] and tokyo[6:] == ["2", "3", "0", "1", "0"]
    assert seoul[3] == "fewer than 5" and set(seoul[4:]) == {""}
    assert total[3] == "fewer than 5"


@pytest.mark.parametrize(("value", "safe"), [("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"), ("+1", "'+1"),
                                             ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"),
                                             ("Tokyo", "Tokyo"), (83, "83"), (None, "")])
def test_no_cell_of_the_export_can_run_as_a_formula(value, safe):
    from portal.surveys.service import spreadsheet_safe

    assert spreadsheet_safe(value) == safe
