"""Satisfaction surveys: an invitation on each kind's completing move, a link that works once,
one reminder, expiry, the choice to receive none, anonymity by construction, and results with
small numbers suppressed."""

import re
import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from portal.surveys.service import month_of
from tests.fixtures.accounts import sign_in
from tests.fixtures.pages import text_of
from tests.fixtures.surveys import survey_mails, survey_path

#: (kind, the move that completes its service)
COMPLETING = {("passport", "collect"), ("document", "issue"), ("enquiry", "answer"), ("mailbox", "expire"),
              ("assistance", "close"), ("mobile", "complete"), ("visa", "approve")}


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
    assert "Write 2,000 characters or fewer in “How could we improve this service? (optional)”." in text and 'class="error-summary"' in text
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


def _signed_in(app, user):
    client = app.test_client()
    sign_in(client, user)
    return client


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
    month = month_of(datetime.now(UTC))  # the Taipei month the results count in
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

    month = month_of(datetime.now(UTC))  # the Taipei month the results count in
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
    from portal.core.export import spreadsheet_safe

    assert spreadsheet_safe(value) == safe


@pytest.mark.parametrize(("written", "shown"), [
    ("Call me on +81 90 1234 5678 please", "Call me on ••• please"),
    ("My ID is A123456789 and ｂ２２３４５６７８９", "My ID is ••• and •••"),
    ("passport 312345678 was late", "passport ••• was late"),
    ("write to amy.lin@example.tw", "write to •••"),
    ("The counter staff were kind.", "The counter staff were kind."),
])
def test_comments_are_shown_with_personal_details_masked(written, shown):
    from portal.surveys.service import mask_personal_details

    assert mask_personal_details(written) == shown


def test_supervisors_read_masked_comments_without_the_mission_and_hide_one_with_a_reason(
        app, citizen, supervisor, officer, outbox, completed, get_page):
    from portal.surveys.models import HiddenComment, SurveyAnswer

    for _ in range(6):
        completed("enquiry")
    first, second, *others = (survey_path(m) for m in survey_mails(outbox, citizen.email))
    app.test_client().post(first, data={"overall": "2", "improvement": "Ring me: 0912 345 678. Too slow."})
    app.test_client().post(second, data={"overall": "5", "improvement": "Quick and kind."})
    boss = _signed_in(app, supervisor)
    _, page = get_page("/staff/surveys", client_=boss)
    assert page.find(".//ul[@class='comment-list']") is None  # two answers: too few to show their comments
    for link in others:
        app.test_client().post(link, data={"overall": "4"})
    _, page = get_page("/staff/surveys", client_=boss)
    listed = page.find(".//ul[@class='comment-list']")
    text = text_of(listed)
    assert "Ring me: •••. Too slow." in text and "0912" not in text and "Quick and kind." in text
    assert "Japan" not in text
    answer = next(a for a in rows(app, SurveyAnswer) if a.overall == 2)
    path = f"/staff/surveys/comments/{answer.id}/hide"
    staff = app.test_client()
    sign_in(staff, officer)
    assert staff.post(path, data={"reason": "Names a member of staff"}).status_code == 403
    refused = boss.post(path, data={"reason": ""}, follow_redirects=True)
    assert "Say why the comment is hidden." in refused.get_data(as_text=True) and rows(app, HiddenComment) == []
    assert boss.post(path, data={"reason": "Names a member of staff"}).status_code == 303
    [hidden] = rows(app, HiddenComment)
    assert hidden.reason == "Names a member of staff" and hidden.hidden_by_id == supervisor.id
    _, page = get_page("/staff/surveys", client_=boss)
    assert "Too slow" not in text_of(page) and "Quick and kind." in text_of(page)
    assert len(rows(app, SurveyAnswer)) == 6  # the hidden answer still counts


def test_a_dissatisfied_respondent_may_ask_to_be_contacted_and_only_then_a_message_is_opened(
        app, citizen, supervisor, outbox, completed, headquarters, make_user):
    from portal.core.cases.models import Case
    from portal.surveys.models import ContactRequest

    for _ in range(2):
        completed("enquiry")
    satisfied_link, unhappy_link = (survey_path(m) for m in survey_mails(outbox, citizen.email))
    happy = app.test_client()
    sign_in(happy, citizen)
    thanks = happy.post(satisfied_link, data={"overall": "5"}).get_data(as_text=True)
    assert "Would you like us to contact you" not in thanks
    assert happy.post("/surveys/contact", data={"message": "Hi"}).status_code == 410  # no offer was made
    unhappy = app.test_client()
    thanks = unhappy.post(unhappy_link, data={"overall": "1"}).get_data(as_text=True)
    assert "Would you like us to contact you about it?" in thanks and "sign in first" in thanks
    assert unhappy.get("/surveys/contact").status_code == 302  # to sign in, so it goes in their own name
    assert rows(app, Case, Case.kind == "mailbox") == []  # nothing without their yes
    stranger = make_user("citizen", email="someone.else@example.tw")
    sign_in(unhappy, stranger)  # the same browser, another person: the offer is not theirs
    refused = unhappy.post("/surveys/contact", data={"message": "Let me write in her name."})
    assert refused.status_code == 400 and rows(app, Case, Case.kind == "mailbox") == []
    unhappy.post("/account/logout")
    sign_in(unhappy, citizen)
    assert unhappy.get("/surveys/contact").status_code == 200
    empty = unhappy.post("/surveys/contact", data={"message": " "})
    assert empty.status_code == 400 and "Write what you would like us to look into." in empty.get_data(as_text=True)
    sent = unhappy.post("/surveys/contact", data={"message": "Nobody answered the phone for a week."})
    assert sent.status_code == 200 and "We will contact you" in sent.get_data(as_text=True)
    [mailbox] = rows(app, Case, Case.kind == "mailbox")
    assert mailbox.applicant_id == citizen.id and mailbox.status == "received"
    [request] = rows(app, ContactRequest)
    assert (request.mailbox_case_id, request.service) == (mailbox.id, "enquiry")
    assert unhappy.post("/surveys/contact", data={"message": "Again"}).status_code == 410  # the offer is used
    boss = app.test_client()
    sign_in(boss, supervisor)
    page = boss.get("/staff/surveys").get_data(as_text=True)
    assert "1 dissatisfied respondent asked to be contacted; 0 of their messages were answered" in page


def test_the_offer_to_be_contacted_lasts_half_an_hour(app, citizen, outbox, completed, headquarters):
    completed("enquiry")
    link = survey_path(survey_mails(outbox, citizen.email)[0])
    client = app.test_client()
    start = datetime.now(UTC)
    client.post(link, data={"overall": "2"})
    with time_machine.travel(start + timedelta(minutes=31)):
        sign_in(client, citizen)
        late = client.post("/surveys/contact", data={"message": "Too late?"})
    assert late.status_code == 410 and "This offer has ended" in late.get_data(as_text=True)


def _questions(*entries):
    data = {}
    for index in range(5):
        kind, zh, en, options = entries[index] if index < len(entries) else ("scale", "", "", "")
        data.update({f"questions-{index}-type": kind, f"questions-{index}-zh": zh, f"questions-{index}-en": en,
                     f"questions-{index}-options": options})
    return data


def test_a_supervisor_adds_questions_as_a_new_version_and_answers_keep_theirs(app, citizen, supervisor, officer,
                                                                              outbox, completed, get_page):
    from portal.surveys.models import SurveyAnswer, SurveyVersion

    completed("enquiry")
    first_link = survey_path(survey_mails(outbox, citizen.email)[0])
    app.test_client().post(first_link, data={"overall": "4"})
    staff = app.test_client()
    sign_in(staff, officer)
    assert staff.get("/staff/surveys/enquiry/questions").status_code == 403
    boss = app.test_client()
    sign_in(boss, supervisor)
    assert boss.get("/staff/surveys/nothing/questions").status_code == 404
    bad = boss.post("/staff/surveys/enquiry/questions",
                    data=_questions(("choice", "等候時間", "Waiting time", "很快")))
    assert bad.status_code == 400 and "give 2 to 6 choices" in bad.get_data(as_text=True)
    half = boss.post("/staff/surveys/enquiry/questions", data=_questions(("scale", "說明清楚嗎？", "", "")))
    assert half.status_code == 400 and "write it in both languages" in half.get_data(as_text=True)
    assert [v.number for v in rows(app, SurveyVersion)] == [1]
    saved = boss.post("/staff/surveys/enquiry/questions", data=_questions(
        ("scale", "您對說明的清楚程度滿意嗎？", "How satisfied were you with how clear the answer was?", ""),
        ("choice", "您如何得知本服務？", "How did you hear of this service?",
         "網站 | Website\n親友 | Family or friends"),
        ("text", "還有其他意見嗎？", "Anything else?", "")))
    assert saved.status_code == 303
    assert [(v.number, len(v.questions)) for v in rows(app, SurveyVersion)] == [(1, 0), (2, 3)]

    completed("enquiry")
    second_link = survey_path(survey_mails(outbox, citizen.email)[-1])
    _, page = get_page(second_link)
    text = text_of(page)
    assert "How did you hear of this service?" in text and "Family or friends" in text and "Anything else?" in text
    _, page = get_page(second_link, headers={"Accept-Language": "zh-TW"})
    assert "您如何得知本服務？" in text_of(page) and "親友" in text_of(page)
    assert app.test_client().post(second_link, data={"overall": "5", "q_q2": "7"}).status_code == 400
    assert app.test_client().post(second_link, data={"overall": "5", "q_q1": "4", "q_q2": "1",
                                                     "q_q3": "Open on Saturdays"}).status_code == 200
    answers = sorted(rows(app, SurveyAnswer), key=lambda a: a.version_id)
    versions = {v.id: v.number for v in rows(app, SurveyVersion)}
    assert [(versions[a.version_id], a.answers) for a in answers] == [
        (1, {}), (2, {"q1": "4", "q2": "1", "q3": "Open on Saturdays"})]
    _, editor = get_page("/staff/surveys/enquiry/questions", client_=boss)
    assert editor.find(".//input[@name='questions-1-en']").get("value") == "How did you hear of this service?"


# --- was this page useful? -------------------------------------------------------------------------

def test_every_public_page_asks_whether_it_was_useful_without_javascript(get_page, app, officer):
    for path in ("/", "/advisories", "/passports", "/missions"):
        _, page = get_page(path)
        form = page.find(".//form[@class='page-usefulness']")
        assert form is not None and form.get("method") == "get" and form.get("action") == "/feedback", path
        assert form.find(".//input[@name='page']").get("value") == path
        assert {b.get("value") for b in form.iter("button")} == {"yes", "no"}
    staff = app.test_client()
    sign_in(staff, officer)
    _, page = get_page("/advisories", client_=staff)
    assert page.find(".//form[@class='page-usefulness']") is None  # staff are not asked


def test_a_page_is_counted_per_day_with_what_went_wrong(app, client, supervisor, get_page):
    from portal.surveys.models import PageComment, PageUsefulness

    day = datetime(2026, 11, 30, 20, 0, tzinfo=UTC)  # 1 December in Taipei
    with time_machine.travel(day, tick=False):
        _, page = get_page("/feedback?page=/advisories/TH&useful=no")
        assert page.find(".//textarea[@name='comment']") is not None
        sent = client.post("/feedback", data={"page": "/advisories/TH", "useful": "no",
                                              "comment": "No word on the southern provinces; call 0912 345 678"})
        assert sent.status_code == 200 and "Thank you for telling us" in sent.get_data(as_text=True)
        _, page = get_page("/feedback?page=/advisories/TH&useful=yes")
        assert page.find(".//textarea[@name='comment']") is None
        client.post("/feedback", data={"page": "/advisories/TH?ref=x", "useful": "yes"})
        client.post("/feedback", data={"page": "/advisories/TH", "useful": "yes"})
    [counted] = rows(app, PageUsefulness)
    assert (counted.path, counted.day.isoformat(), counted.useful, counted.not_useful) == \
        ("/advisories/TH", "2026-12-01", 2, 1)
    [comment] = rows(app, PageComment)
    assert comment.day.isoformat() == "2026-12-01" and "southern provinces" in comment.text
    boss = app.test_client()
    with time_machine.travel(day + timedelta(days=1)):
        sign_in(boss, supervisor)
        page = boss.get("/staff/surveys").get_data(as_text=True)
    assert "/advisories/TH" in page and "67 %" in page and "0912" not in page and "southern provinces" in page


@pytest.mark.parametrize("query", ["page=https://evil.example/&useful=no", "page=//evil.example&useful=no",
                                   "page=/%09/evil.example&useful=yes", "page=/no/such/page&useful=no",
                                   "page=/surveys/a-real-looking-token&useful=no",
                                   "page=/account/reset/abc.def&useful=no",
                                   "page=/advisories&useful=maybe", "useful=no"])
def test_a_page_that_is_not_ours_or_an_unknown_answer_is_refused(client, app, query):
    from portal.surveys.models import PageUsefulness

    assert client.get(f"/feedback?{query}").status_code == 400
    from urllib.parse import parse_qsl

    params = dict(parse_qsl(query))
    assert client.post("/feedback", data=params).status_code == 400
    assert rows(app, PageUsefulness) == []


def test_page_answers_are_limited_per_address(client, app):
    from portal.surveys.models import PageUsefulness

    statuses = [client.post("/feedback", data={"page": "/", "useful": "yes"}).status_code for _ in range(11)]
    assert statuses[:10] == [200] * 10 and statuses[10] == 429
    assert rows(app, PageUsefulness)[0].useful == 10


def test_people_without_an_account_are_invited_at_the_address_they_gave(app, outbox, make_message, officer):
    """A confirmed mailbox writer hears when the message closes after its answer; an emergency reporter
    who gave an email when the case closes; neither is offered an account setting or a message in
    their name."""
    from portal.core.cases.models import Case
    from portal.core.cases.service import claim, transition
    from portal.core.db import unit_of_work
    from portal.core.policy import SYSTEM_ACTOR

    reference = make_message(email="lee@example.tw")
    with app.test_request_context(), unit_of_work() as session:
        case = session.scalar(sa.select(Case).where(Case.reference == reference))
        case.status = "answered"  # as after the reply was sent
        transition(session, case, "expire", by=SYSTEM_ACTOR)
    [mail] = survey_mails(outbox, "lee@example.tw")
    assert "account page" not in mail.body
    with app.test_request_context(), unit_of_work() as session:
        from portal.assistance.service import request_assistance

        case, _ = request_assistance(session, applicant=None, situation="lost_passport", country_code="JP",
                                     location="Tokyo", name="Kim", phone="+81 90 1111 2222", email="kim@example.tw",
                                     details="Lost.", locale="en", submission_token="help-1")
        silent, _ = request_assistance(session, applicant=None, situation="lost_passport", country_code="JP",
                                       location="Tokyo", name="Ono", phone="+81 90 3333 4444", email="",
                                       details="Lost.", locale="en", submission_token="help-2")
        from portal.accounts.models import User

        staff = session.get(User, officer.id)
        for each in (case, silent):
            claim(session, each, by=staff)
            transition(session, each, "contact", by=staff, note="Called.")
            transition(session, each, "close", by=staff, note="Replaced.")
    [kim_mail] = survey_mails(outbox, "kim@example.tw")
    from portal.surveys.models import SurveyInvitation

    assert len(rows(app, SurveyInvitation)) == 2  # Lee and Kim; Ono gave no address
    thanks = app.test_client().post(survey_path(kim_mail), data={"overall": "1"}).get_data(as_text=True)
    assert "Write to the Director-General's mailbox" in thanks and 'action="/surveys/contact"' not in thanks


def test_a_page_with_a_secret_in_its_address_is_named_by_its_route(app, citizen, outbox, completed, get_page,
                                                                   client):
    """A survey or reset link must never reach the page counts, where supervisors would see it."""
    from portal.surveys.models import PageUsefulness

    completed("enquiry")
    link = survey_path(survey_mails(outbox, citizen.email)[0])
    _, page = get_page(link)
    sent = page.find(".//form[@class='page-usefulness']/input[@name='page']").get("value")
    assert sent == "/surveys/<token>" and link.split("/")[-1] not in sent
    assert client.post("/feedback", data={"page": sent, "useful": "no"}).status_code == 200
    assert [r.path for r in rows(app, PageUsefulness)] == ["/surveys/<token>"]


def test_an_answer_to_questions_that_changed_meanwhile_is_sent_back_to_be_checked(app, citizen, supervisor,
                                                                                 outbox, completed, get_page):
    from portal.surveys.models import SurveyAnswer

    completed("enquiry")
    link = survey_path(survey_mails(outbox, citizen.email)[0])
    _, page = get_page(link)
    shown = page.find(".//input[@name='version']").get("value")
    boss = _signed_in(app, supervisor)
    assert boss.post("/staff/surveys/enquiry/questions", data=_questions(
        ("text", "還有其他意見嗎？", "Anything else?", ""))).status_code == 303
    stale = app.test_client().post(link, data={"overall": "4", "version": shown})
    text = stale.get_data(as_text=True)
    assert stale.status_code == 400 and "The questions changed while you were answering." in text
    assert "Anything else?" in text and rows(app, SurveyAnswer) == []
    fresh = re.search(r'name="version" type="hidden" value="(\d+)"|name="version" value="(\d+)"', text)
    current = next(group for group in fresh.groups() if group)
    assert current != shown
    assert app.test_client().post(link, data={"overall": "4", "version": current}).status_code == 200


def test_the_first_answers_of_a_day_counted_at_the_same_moment_are_all_counted(app):
    """Counters make their row on first use; several requests making it at once count every one."""
    from portal.core.db import unit_of_work
    from portal.surveys.models import PageUsefulness
    from portal.surveys.service import rate_page

    barrier, errors = threading.Barrier(4), []

    def rate():
        try:
            with app.test_request_context(), unit_of_work() as session:
                barrier.wait()
                rate_page(session, "/advisories", useful=True)
        except Exception as error:  # noqa: BLE001 (the test reports what went wrong)
            errors.append(error)

    threads = [threading.Thread(target=rate) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == [] and [row.useful for row in rows(app, PageUsefulness)] == [4]
