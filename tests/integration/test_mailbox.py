"""The director-general's mailbox: writing, confirming, every workflow step, answering back, and who may do what."""

import html
import io
import re
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from portal.core.refs import new_reference
from portal.core.workdays import TAIPEI
from tests.fixtures.accounts import sign_in
from tests.fixtures.feedback import pdf_bytes, png_bytes
from tests.fixtures.pages import text_of

pytestmark = pytest.mark.usefixtures("headquarters")

MESSAGE = {"category": "service", "subject": "Long wait at the counter",
           "message": "I waited three hours at the passport counter.", "name": "Lee Writer",
           "email": "lee@example.tw", "phone": "", "related_reference": "", "homepage": ""}
_forms = iter(range(1, 10_000))
_GOOD = new_reference("ENQ")
MISTYPED_REFERENCE = _GOOD[:-1] + ("0" if _GOOD[-1] != "0" else "1")


def post_message(client, files=(), **fields):
    data = MultiDict({**MESSAGE, "submission_token": f"form-{next(_forms)}", **fields})
    for content, name in files:
        data.add("attachments", FileStorage(io.BytesIO(content), filename=name))
    # Encoded in memory: the test client would spool a large body to a temporary file it never closes.
    boundary, body = encode_multipart(data)
    return client.post("/mailbox", data=body, content_type=f"multipart/form-data; boundary={boundary}")


def count(app, model):
    from portal.extensions import db

    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def only_case(app):
    from portal.core.cases.models import Case
    from portal.extensions import db

    with app.app_context():
        return db.session.scalar(sa.select(Case.reference).where(Case.kind == "mailbox"))


def staff_client(app, user):
    client = app.test_client()
    sign_in(client, user)
    return client


def act(client, app, reference, action, note=""):
    """A generic action from the staff case page, at the case's current version."""
    from tests.fixtures.cases import load_case

    version = load_case(app, reference)[0].version
    return client.post(f"/staff/cases/{reference}/act", data={"action": action, "note": note, "version": version,
                                                                "confirmed": "yes"})


def version(app, reference):
    from tests.fixtures.cases import load_case

    return load_case(app, reference)[0].version


def assign_to(client, app, reference, target, note=""):
    return client.post(f"/staff/mailbox/{reference}/assign",
                       data={"target": target, "note": note, "version": version(app, reference)})


def write_draft(client, app, reference, text):
    return client.post(f"/staff/mailbox/{reference}/reply", data={"reply": text, "version": version(app, reference)})


def send(client, app, reference):
    return client.post(f"/staff/mailbox/{reference}/send", data={"version": version(app, reference)})


def references_in_queue(client) -> list[str]:
    page = client.get("/staff/queue").get_data(as_text=True)
    return re.findall(r'class="reference" href="/staff/cases/([^"]+)"', page)


def answered_message(app, make_message, officer, boss, reply="We are sorry; we have spoken to the team."):
    """A message from a writer without an account, taken through to 'answered' by the signed-in officer
    and supervisor clients. Returns its reference."""
    reference = make_message()
    officer.post(f"/staff/cases/{reference}/claim", data={"version": version(app, reference)})
    assert assign_to(officer, app, reference, "unit:consular").status_code == 303
    assert write_draft(officer, app, reference, reply).status_code == 303
    assert act(boss, app, reference, "approve").status_code == 303
    assert send(boss, app, reference).status_code == 303
    return reference


# --- writing -------------------------------------------------------------------------------------

def test_the_form_is_open_to_everyone_and_shows_the_personal_data_notice(get_page):
    _, document = get_page("/mailbox")
    text = text_of(document)
    assert "Director-General's mailbox" in text and "How we use your personal data" in text
    honeypot = document.find(".//input[@name='homepage']")
    assert honeypot.get("tabindex") == "-1"
    assert any(div.get("aria-hidden") == "true" and div.find(".//input[@name='homepage']") is not None
               for div in document.iter("div"))


def test_an_anonymous_message_waits_out_of_the_queue_until_the_email_is_confirmed(
        app, client, hq_officer, outbox, load_message, get_page):
    from portal.core.uploads import Upload

    response = post_message(client, files=[(pdf_bytes(), "receipt.pdf"), (png_bytes(), "counter.png")])
    assert response.status_code == 200 and "Check your email" in response.get_data(as_text=True)
    reference = only_case(app)
    case, detail, events = load_message(reference)
    assert (case.status, case.applicant_id, case.mission.code) == ("unconfirmed", None, "hq")
    assert case.waiting_since is not None
    assert [a.upload.kind for a in detail.attachments] == ["pdf", "png"] and count(app, Upload) == 2
    assert (detail.writer_email, detail.confirmed_at) == ("lee@example.tw", None)
    assert events == [("submit", "unconfirmed", None, False)]

    officer = staff_client(app, hq_officer)
    assert reference not in references_in_queue(officer)
    assert "Waiting for email confirmation" not in officer.get("/staff/queue").get_data(as_text=True)

    [mail] = outbox("lee@example.tw")
    assert mail.subject == "Confirm your message to the Director-General's mailbox"
    confirmed = client.get(outbox.link("lee@example.tw"))
    assert confirmed.status_code == 303 and confirmed.headers["Location"].startswith("/mailbox/track/")
    _, document = get_page(confirmed.headers["Location"])
    assert "Received" in text_of(document) and reference in text_of(document)
    case, detail, events = load_message(reference)
    assert case.status == "received" and detail.confirmed_at is not None and case.waiting_since is None
    assert [e[:2] for e in events] == [("submit", "unconfirmed"), ("confirm", "received")]
    received = outbox("lee@example.tw")[-1]
    assert received.subject == f"We have received your message {reference}" and "/mailbox/track/" in received.body
    assert reference in references_in_queue(officer)


def test_the_confirmation_link_works_again_without_doing_anything_twice_and_expires(app, client, outbox, load_message):
    post_message(client)
    link = outbox.link("lee@example.tw")
    assert client.get(link).status_code == 303
    assert client.get(link).status_code == 303
    reference = only_case(app)
    assert [e[0] for e in load_message(reference)[2]] == ["submit", "confirm"]
    assert len(outbox("lee@example.tw")) == 2  # the link, then one "received"

    post_message(client, subject="Another matter", email="late@example.tw")
    late_link = outbox.link("late@example.tw")
    with time_machine.travel(datetime.now(TAIPEI) + timedelta(hours=49)):
        response = client.get(late_link)
    assert response.status_code == 400 and "This link does not work" in response.get_data(as_text=True)
    assert client.get("/mailbox/confirm/not-a-real-token").status_code == 400


def test_a_signed_in_citizen_writes_without_confirming_and_follows_it_in_my_cases(app, client, citizen, outbox,
                                                                                     hq_officer, get_page):
    sign_in(client, citizen)
    _, document = get_page("/mailbox")
    assert document.find(".//input[@name='email']") is None  # replies go to the account's address
    response = post_message(client, email="someone-else@example.tw")
    assert response.status_code == 303 and "/account/cases/DGM-" in response.headers["Location"]
    reference = only_case(app)
    _, document = get_page(response.headers["Location"])
    assert "Your request has been sent" in text_of(document)
    assert f"We have received your request {reference}" in outbox(citizen.email)[-1].subject
    assert outbox("someone-else@example.tw") == []
    assert reference in text_of(get_page("/account")[1])
    assert reference in references_in_queue(staff_client(app, hq_officer))


# --- every transition --------------------------------------------------------------------------

def test_every_step_from_received_to_closed_with_an_answer_back(app, make_message, hq_officer, supervisor, outbox,
                                                                 load_message, tracking_path, get_page):
    reference = make_message()
    officer = staff_client(app, hq_officer)
    assert officer.post(f"/staff/cases/{reference}/claim", data={"version": version(app, reference)}).status_code == 303

    _, document = get_page(f"/staff/mailbox/{reference}/assign", client_=officer)
    assert "Passport Division" in text_of(document) and "Representative Office in Japan" in text_of(document)
    assert assign_to(officer, app, reference, "unit:passports", "Please look at the queue times.").status_code == 303
    case, detail, _ = load_message(reference)
    assert (case.status, case.mission.code, detail.hq_unit, case.assignee_id) == (
        "assigned", "hq", "passports", hq_officer.id)

    _, document = get_page(f"/staff/mailbox/{reference}/reply?template=service_apology", client_=officer)
    assert f"Dear Lee Writer,\n\nWe are sorry for the service you describe (reference {reference})" in \
        document.find(".//textarea[@name='reply']").text
    assert write_draft(officer, app, reference, "Dear Lee, we are sorry.").status_code == 303
    case, detail, _ = load_message(reference)
    assert case.status == "drafted" and detail.draft_reply == "Dear Lee, we are sorry." and detail.reply is None
    assert 'value="approve"' not in officer.get(f"/staff/cases/{reference}").get_data(as_text=True)
    refused = act(officer, app, reference, "approve")
    assert refused.status_code == 409 and load_message(reference)[0].status == "drafted"

    boss = staff_client(app, supervisor)
    assert "Dear Lee, we are sorry." in boss.get(f"/staff/cases/{reference}").get_data(as_text=True)
    assert act(boss, app, reference, "approve").status_code == 303
    assert load_message(reference)[0].status == "approved"
    assert outbox("writer@example.tw")[-1].subject.startswith("We have received")  # nothing sent yet
    assert send(officer, app, reference).status_code == 303
    case, detail, events = load_message(reference)
    assert case.status == "answered" and detail.reply == "Dear Lee, we are sorry." and detail.answered_at
    assert not case.is_overdue()
    reply = outbox("writer@example.tw")[-1]
    assert reply.subject == f"Our reply to your message {reference}" and "Dear Lee, we are sorry." in reply.body

    track = tracking_path(reference)
    assert reply.body.count("/mailbox/track/") == 1
    _, document = get_page(track)
    text = text_of(document)
    assert "Our reply" in text and "Dear Lee, we are sorry." in text and "you can answer back until" in text
    assert "Please look at the queue times." not in text and "To:" not in text  # staff notes stay with staff

    client = app.test_client()
    answered_back = client.post(track, data={"action": "answer_back", "note": "The counter is still slow.",
                                             "version": version(app, reference)})
    assert answered_back.status_code == 303
    case, _, events = load_message(reference)
    assert case.status == "assigned" and case.closed_at is None
    assert "The counter is still slow." in officer.get(f"/staff/cases/{reference}").get_data(as_text=True)

    write_draft(officer, app, reference, "We have added a second counter.")
    act(boss, app, reference, "approve")
    send(officer, app, reference)
    assert act(officer, app, reference, "close").status_code == 303
    case, _, events = load_message(reference)
    assert case.status == "closed" and case.closed_at is not None
    assert [(e[0], e[1], e[3]) for e in events] == [
        ("submit", "unconfirmed", False), ("confirm", "received", False), ("claim", "received", True),
        ("assign", "assigned", True), ("draft", "drafted", True), ("approve", "approved", True),
        ("send_reply", "answered", False), ("answer_back", "assigned", False), ("draft", "drafted", True),
        ("approve", "approved", True), ("send_reply", "answered", False), ("close", "closed", False)]
    assert events[6][2] == "Dear Lee, we are sorry." and events[7][2] == "The counter is still slow."


def test_a_supervisor_sends_a_draft_back_with_a_note_the_writer_never_sees(app, make_message, hq_officer, supervisor,
                                                                            load_message, tracking_path):
    reference = make_message()
    officer = staff_client(app, hq_officer)
    officer.post(f"/staff/cases/{reference}/claim", data={"version": version(app, reference)})
    assign_to(officer, app, reference, "unit:consular")
    write_draft(officer, app, reference, "Too short.")
    boss = staff_client(app, supervisor)
    assert act(boss, app, reference, "send_back", " ").status_code == 409  # a note is required
    assert act(boss, app, reference, "send_back", "Please explain what we changed.").status_code == 303
    case, detail, events = load_message(reference)
    assert case.status == "assigned" and events[-1][:2] == ("send_back", "assigned") and events[-1][3] is True
    page = officer.get(f"/staff/mailbox/{reference}/reply").get_data(as_text=True)
    assert "Too short." in page  # the earlier draft comes back for editing
    writer_page = app.test_client().get(tracking_path(reference)).get_data(as_text=True)
    assert "Please explain what we changed." not in writer_page and "Too short." not in writer_page


def test_assigning_to_a_mission_hands_the_message_to_that_missions_queue(app, make_message, hq_officer, officer,
                                                                          load_message):
    from tests.fixtures.accounts import mission_id

    reference = make_message()
    hq = staff_client(app, hq_officer)
    hq.post(f"/staff/cases/{reference}/claim", data={"version": version(app, reference)})
    with app.app_context():
        tokyo = mission_id("tokyo")
    response = assign_to(hq, app, reference, f"mission:{tokyo}")
    assert response.status_code == 303 and response.headers["Location"] == "/staff/queue"
    case, detail, _ = load_message(reference)
    assert (case.mission.code, case.assignee_id, detail.hq_unit, case.status) == ("tokyo", None, None, "assigned")
    assert hq.get(f"/staff/cases/{reference}").status_code == 404
    tokyo_client = staff_client(app, officer)
    assert reference in references_in_queue(tokyo_client)


def test_steps_with_their_own_form_cannot_be_taken_through_the_generic_action_form(app, make_message, hq_officer,
                                                                                    load_message):
    reference = make_message()
    officer = staff_client(app, hq_officer)
    officer.post(f"/staff/cases/{reference}/claim", data={"version": version(app, reference)})
    assert act(officer, app, reference, "assign").status_code == 409
    assert load_message(reference)[0].status == "received"
    assert "Assign to a mission or unit" in officer.get(f"/staff/cases/{reference}").get_data(as_text=True)


def test_assign_draft_and_send_need_the_right_state_and_holder(app, make_message, hq_officer, make_user, load_message):
    reference = make_message()
    other = make_user("staff", mission="hq")
    holder, bystander = staff_client(app, hq_officer), staff_client(app, other)
    holder.post(f"/staff/cases/{reference}/claim", data={"version": version(app, reference)})
    for path in (f"/staff/mailbox/{reference}/assign", f"/staff/mailbox/{reference}/reply"):
        refused = bystander.get(path)
        assert refused.status_code == 303 and refused.headers["Location"] == f"/staff/cases/{reference}"
    assert assign_to(bystander, app, reference, "unit:web").status_code == 303
    assert write_draft(holder, app, reference, "Too early").status_code == 303  # refused: not assigned yet
    assert send(holder, app, reference).status_code == 303
    assert load_message(reference)[0].status == "received"


def test_bad_assignments_and_drafts_get_clear_messages(app, make_message, hq_officer, load_message):
    reference = make_message()
    officer = staff_client(app, hq_officer)
    officer.post(f"/staff/cases/{reference}/claim", data={"version": version(app, reference)})
    for target in ("", "unit:kitchen", "mission:999999", "elsewhere"):
        body = assign_to(officer, app, reference, target).get_data(as_text=True)
        assert "Choose a headquarters unit or a mission from the list." in body, target
    stale = officer.post(f"/staff/mailbox/{reference}/assign", data={"target": "unit:web", "version": 1})
    assert "Someone else changed this case" in stale.get_data(as_text=True)
    assert load_message(reference)[0].status == "received"
    assign_to(officer, app, reference, "unit:web")
    assert "Write the reply." in write_draft(officer, app, reference, "   ").get_data(as_text=True)
    assert "5,000 characters or fewer" in write_draft(officer, app, reference, "x" * 5001).get_data(as_text=True)
    case, detail, _ = load_message(reference)
    assert case.status == "assigned" and detail.draft_reply is None


# --- answering back within 14 days ----------------------------------------------------------------

def test_the_writer_answers_back_within_14_days_but_not_after(app, make_message, hq_officer, supervisor,
                                                            tracking_path, load_message):
    with time_machine.travel(datetime(2026, 11, 2, 9, 0, tzinfo=TAIPEI)) as traveller:
        reference = answered_message(app, make_message, staff_client(app, hq_officer), staff_client(app, supervisor))
        track = tracking_path(reference)
        traveller.move_to(datetime(2026, 11, 16, 8, 59, tzinfo=TAIPEI))  # 13 days 23 hours 59 minutes later
        page = app.test_client().get(track).get_data(as_text=True)
        assert "you can answer back until 16 November 2026" in page and 'value="answer_back"' in page
        stale_version = version(app, reference)
        traveller.move_to(datetime(2026, 11, 16, 9, 1, tzinfo=TAIPEI))
        page = app.test_client().get(track).get_data(as_text=True)
        assert 'value="answer_back"' not in page
        assert "The time to answer back ended on 16 November 2026" in page
        refused = app.test_client().post(track, data={"action": "answer_back", "note": "Still unhappy",
                                                      "version": stale_version})
        assert refused.status_code == 409
        assert "“Answer back” was possible until 16 November 2026. That time has passed." in \
            refused.get_data(as_text=True)
        assert load_message(reference)[0].status == "answered"


def test_a_signed_in_writer_gets_the_same_14_days_on_their_case_page(app, make_message, citizen, hq_officer,
                                                                   supervisor, load_message):
    with time_machine.travel(datetime(2026, 11, 2, 9, 0, tzinfo=TAIPEI)) as traveller:
        reference = make_message(citizen)
        officer = staff_client(app, hq_officer)
        officer.post(f"/staff/cases/{reference}/claim", data={"version": version(app, reference)})
        assign_to(officer, app, reference, "unit:passports")
        write_draft(officer, app, reference, "Here is what we did.")
        act(staff_client(app, supervisor), app, reference, "approve")
        send(officer, app, reference)
        writer = app.test_client()
        sign_in(writer, citizen)
        page = writer.get(f"/account/cases/{reference}").get_data(as_text=True)
        assert "Here is what we did." in page and "Note for “Answer back” (required)" in page
        traveller.move_to(datetime(2026, 11, 20, 9, 0, tzinfo=TAIPEI))
        sign_in(writer, citizen)  # the earlier session has long ended
        refused = writer.post(f"/account/cases/{reference}", data={"action": "answer_back", "note": "Late",
                                                                    "version": version(app, reference)})
        assert "That time has passed." in refused.get_data(as_text=True)
        assert load_message(reference)[0].status == "answered"


def test_the_worker_closes_answered_messages_after_14_days_and_drops_unconfirmed_ones(
        app, client, make_message, hq_officer, supervisor, load_message, outbox):
    from portal.core.uploads import Upload
    from portal.feedback.models import MailboxMessage

    with time_machine.travel(datetime(2026, 11, 2, 9, 0, tzinfo=TAIPEI)) as traveller:
        answered = answered_message(app, make_message, staff_client(app, hq_officer), staff_client(app, supervisor))
        post_message(client, files=[(pdf_bytes(), "never.pdf")], email="never@example.tw", subject="Never confirmed")
        assert count(app, Upload) == 1
        runner = app.test_cli_runner()
        traveller.move_to(datetime(2026, 11, 3, 9, 0, tzinfo=TAIPEI))
        assert "closed 1" not in runner.invoke(args=["worker", "--once"]).output
        traveller.move_to(datetime(2026, 11, 10, 9, 0, tzinfo=TAIPEI))
        recent = answered_message(app, make_message, staff_client(app, hq_officer), staff_client(app, supervisor),
                                  reply="A later reply.")
        traveller.move_to(datetime(2026, 11, 16, 10, 0, tzinfo=TAIPEI))
        result = runner.invoke(args=["worker", "--once"])
        assert result.exit_code == 0 and "closed 1, erased 1" in result.output
    case, _, events = load_message(answered)
    assert case.status == "closed" and events[-1][:2] == ("expire", "closed")
    assert load_message(recent)[0].status == "answered"
    assert count(app, Upload) == 0 and count(app, MailboxMessage) == 2


# --- service level -------------------------------------------------------------------------------

def test_the_service_level_clock_starts_at_confirmation_and_overdue_messages_are_flagged(
        app, client, hq_officer, outbox, load_message):
    with time_machine.travel(datetime(2026, 11, 2, 9, 0, tzinfo=TAIPEI)) as traveller:  # a Monday
        post_message(client)
        traveller.move_to(datetime(2026, 11, 4, 9, 0, tzinfo=TAIPEI))  # confirmed two working days later
        client.get(outbox.link("lee@example.tw"))
        reference = only_case(app)
        due = load_message(reference)[0].due_at.astimezone(TAIPEI).date()
        assert due.isoformat() == "2026-11-12"  # six working days after Wednesday 4 November
        officer = staff_client(app, hq_officer)
        assert "Overdue" not in officer.get("/staff/queue").get_data(as_text=True)
        traveller.move_to(datetime(2026, 11, 13, 9, 0, tzinfo=TAIPEI))
        officer = staff_client(app, hq_officer)  # the earlier session has long ended
        queue = officer.get("/staff/queue").get_data(as_text=True)
        assert reference in queue and "Overdue" in queue
        assert reference in re.findall(r'href="/staff/cases/([^"]+)"',
                                       officer.get("/staff/queue?overdue=y").get_data(as_text=True))


def test_the_service_level_time_is_a_setting(monkeypatch, app, make_message, load_message):
    monkeypatch.setitem(app.config, "MAILBOX_SLA_DAYS", 2)
    with time_machine.travel(datetime(2026, 11, 2, 9, 0, tzinfo=TAIPEI)):
        reference = make_message()
    assert load_message(reference)[0].due_at.astimezone(TAIPEI).date().isoformat() == "2026-11-04"


# --- abuse ---------------------------------------------------------------------------------------

def test_a_filled_honeypot_gets_the_normal_answer_and_nothing_is_kept(app, client, outbox):
    from portal.core.cases.models import Case

    response = post_message(client, homepage="http://spam.example")
    assert response.status_code == 200 and "Check your email" in response.get_data(as_text=True)
    assert count(app, Case) == 0 and outbox() == []


def test_the_same_message_twice_gets_its_reference_and_no_second_copy(app, client, outbox):
    from portal.core.cases.models import Case

    with time_machine.travel(datetime(2026, 11, 2, 9, 0, tzinfo=TAIPEI)) as traveller:
        post_message(client)
        reference = only_case(app)
        again = post_message(client, email="LEE@example.tw ", message="I waited three hours at the  passport counter.")
        body = again.get_data(as_text=True)
        assert "You sent this same message on 2 November 2026 (reference " + reference in body
        assert "Open the link we emailed you" in body and "Long wait at the counter" in body  # input kept
        client.get(outbox.link("lee@example.tw"))
        body = post_message(client).get_data(as_text=True)
        assert "we have it already (reference " + reference in body
        assert count(app, Case) == 1
        traveller.move_to(datetime(2026, 11, 3, 10, 0, tzinfo=TAIPEI))
        assert "Check your email" in post_message(client).get_data(as_text=True)
    assert count(app, Case) == 2


def test_sending_the_same_form_twice_makes_one_message(app, client, outbox):
    from portal.core.cases.models import Case

    first = post_message(client, submission_token="same-form")
    second = post_message(client, submission_token="same-form")
    assert "Check your email" in first.get_data(as_text=True) and "Check your email" in second.get_data(as_text=True)
    assert count(app, Case) == 1 and len(outbox("lee@example.tw")) == 1


def test_messages_are_limited_per_address_without_losing_the_text(app, client):
    from portal.core.cases.models import Case

    client.environ_base["REMOTE_ADDR"] = "10.0.0.7"
    for _attempt in range(3):  # forms sent back with errors do not count
        assert post_message(client, subject="").status_code == 200
    for number in range(10):
        assert "Check your email" in post_message(client, email=f"w{number}@example.tw").get_data(as_text=True)
    refused = post_message(client, email="w99@example.tw", message="My eleventh, and important.")
    body = refused.get_data(as_text=True)
    assert refused.status_code == 429 and "You have sent several messages in a short time" in body
    assert "My eleventh, and important." in body and "w99@example.tw" in body
    assert count(app, Case) == 10
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "10.0.0.8"
    assert "Check your email" in post_message(other, email="w99@example.tw").get_data(as_text=True)


def test_messages_are_limited_per_email_address_whatever_the_network_address(app):
    from portal.core.cases.models import Case

    for number in range(5):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"10.1.0.{number}"
        assert "Check your email" in post_message(client, subject=f"Matter {number}").get_data(as_text=True)
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "10.1.0.99"
    refused = post_message(client, subject="Matter six", email="Lee@Example.tw")
    assert refused.status_code == 429 and "Matter six" in refused.get_data(as_text=True)
    assert "Check your email" in post_message(client, subject="Matter six", email="kim@example.tw").get_data(
        as_text=True)
    assert count(app, Case) == 6


# --- bad input -----------------------------------------------------------------------------------

@pytest.mark.parametrize("fields, files, expected", [
    ({"category": "", "subject": "", "message": "", "name": "", "email": ""}, (),
     ["Choose what your message is about.", "Enter a subject.", "Enter your message.", "Enter your name.",
      "Enter your email address."]),
    ({"category": "bribes"}, (), ["Choose what your message is about."]),
    ({"message": "m" * 5001}, (), ["Your message must be 5,000 characters or fewer."]),
    ({"subject": "s" * 151}, (), ["The subject must be 150 characters or fewer."]),
    ({"email": "not-an-address"}, (), ["Enter an email address in the right format"]),
    ({"phone": "call me"}, (), ["Enter a phone number using digits"]),
    ({"related_reference": MISTYPED_REFERENCE}, (), ["Enter the reference as it appears in our emails"]),
    ({}, [(pdf_bytes(), f"{n}.pdf") for n in range(4)], ["Attach at most 3 files."]),
    ({}, [(b"MZ\x90\x00 not a document", "virus.pdf")], ["virus.pdf: The file must be a PDF, JPEG, PNG file."]),
    ({}, [(png_bytes() + b"\0" * (5 * 1024 * 1024), "huge.png")], ["huge.png: The file must be smaller than 5 MB."]),
])
def test_bad_messages_get_clear_messages_and_nothing_is_saved(app, client, outbox, fields, files, expected):
    from portal.core.cases.models import Case
    from portal.core.uploads import Upload

    response = post_message(client, files=files, **fields)
    body = response.get_data(as_text=True).replace("&#39;", "'")
    assert response.status_code == 200
    for message in expected:
        assert message in body, message
    assert count(app, Case) == 0 and count(app, Upload) == 0 and outbox() == []


def test_a_related_reference_typed_loosely_is_kept_in_its_stored_form(app, client, load_message):
    from portal.core.refs import new_reference

    reference = new_reference("ENQ")
    post_message(client, related_reference=reference.lower().replace("-", " "))
    assert load_message(only_case(app))[1].related_reference == reference


def test_three_large_attachments_fit_with_the_csrf_check_on(monkeypatch, app, client):
    """Three files near 5 MB make a body above the app's usual limit; this form accepts it."""
    import os

    from PIL import Image

    from portal.core.uploads import Upload

    def noisy_png() -> bytes:
        output = io.BytesIO()
        Image.frombytes("RGB", (1240, 1300), os.urandom(1240 * 1300 * 3)).save(output, format="PNG")
        return output.getvalue()

    files = [noisy_png() for _ in range(3)]
    assert all(4.5 * 1024 * 1024 < len(f) < 5 * 1024 * 1024 for f in files) and sum(map(len, files)) > 12 * 1024 * 1024
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    page = client.get("/mailbox").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = post_message(client, files=[(f, f"photo{n}.png") for n, f in enumerate(files)], csrf_token=token)
    assert response.status_code == 200 and "Check your email" in response.get_data(as_text=True)
    assert count(app, Upload) == 3


# --- who may see what ----------------------------------------------------------------------------

def test_a_writer_sees_only_their_own_message(app, make_message, make_user, tracking_path, get_page):
    owner, stranger = make_user("citizen"), make_user("citizen")
    theirs = make_message(owner)
    anonymous = make_message(email="anon@example.tw", subject="Another matter")
    client = app.test_client()
    sign_in(client, stranger)
    assert client.get(f"/account/cases/{theirs}").status_code == 404
    assert client.post(f"/account/cases/{theirs}", data={"action": "answer_back", "note": "x",
                                                          "version": 1}).status_code == 404
    assert client.get(f"/account/cases/{anonymous}").status_code == 404
    link = tracking_path(anonymous)
    _, document = get_page(link)
    assert anonymous in text_of(document) and theirs not in text_of(document)
    forged = link[:-3] + ("abc" if not link.endswith("abc") else "xyz")
    assert app.test_client().get(forged).status_code == 404


def test_a_confirmation_link_is_not_a_tracking_link_and_an_unconfirmed_message_has_no_page(app, client, outbox):
    post_message(client)
    token = outbox.link("lee@example.tw").rsplit("/", 1)[1]
    assert client.get(f"/mailbox/track/{token}").status_code == 404
    from portal.feedback import tokens

    reference = only_case(app)
    with app.app_context():
        from portal.core.cases.models import Case
        from portal.extensions import db

        case_id = db.session.scalar(sa.select(Case.id).where(Case.reference == reference))
        tracking = tokens.tracking_token(case_id, "lee@example.tw")
        wrong_address = tokens.tracking_token(case_id, "mallory@example.tw")
    assert client.get(f"/mailbox/track/{tracking}").status_code == 404  # not confirmed yet
    client.get(f"/mailbox/confirm/{token}")
    assert client.get(f"/mailbox/track/{tracking}").status_code == 200
    assert client.get(f"/mailbox/track/{wrong_address}").status_code == 404


def test_tracking_pages_are_private(app, make_message, tracking_path):
    response = app.test_client().get(tracking_path(make_message()))
    assert response.headers["Cache-Control"] == "no-store"


def test_staff_see_only_their_missions_messages(app, make_message, officer, hq_officer, load_message):
    reference = make_message()
    tokyo = staff_client(app, officer)
    assert reference not in references_in_queue(tokyo)
    for path in (f"/staff/cases/{reference}", f"/staff/mailbox/{reference}/assign",
                 f"/staff/mailbox/{reference}/reply"):
        assert tokyo.get(path).status_code == 404, path
    assign = tokyo.post(f"/staff/mailbox/{reference}/assign", data={"target": "unit:web", "version": 1})
    assert assign.status_code == 404
    assert tokyo.post(f"/staff/mailbox/{reference}/send", data={"version": 1}).status_code == 404
    assert tokyo.post(f"/staff/cases/{reference}/claim", data={"version": 1}).status_code == 404
    assert load_message(reference)[0].assignee_id is None


def test_staff_download_attachments_of_messages_they_can_see_only(app, client, hq_officer, officer, outbox,
                                                                   load_message):
    png = png_bytes()
    post_message(client, files=[(png, "counter.png")])
    client.get(outbox.link("lee@example.tw"))
    reference = only_case(app)
    upload_id = load_message(reference)[1].attachments[0].upload_id
    path = f"/staff/mailbox/{reference}/files/{upload_id}"
    hq = staff_client(app, hq_officer)
    assert f'href="{path}"' in hq.get(f"/staff/cases/{reference}").get_data(as_text=True)
    response = hq.get(path)
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert response.headers["Content-Disposition"].startswith("attachment") and response.data[:8] == png[:8]
    assert hq.get(f"/staff/mailbox/{reference}/files/{'0' * 32}").status_code == 404
    assert staff_client(app, officer).get(path).status_code == 404
    assert app.test_client().get(path).status_code == 302
    citizen_view = client.get(outbox.link("lee@example.tw")).get_data(as_text=True)
    assert "counter.png" in citizen_view and "/files/" not in citizen_view


def test_citizens_and_nobody_are_kept_out_of_staff_mailbox_pages(app, make_message, citizen):
    reference = make_message()
    paths = [f"/staff/mailbox/{reference}/assign", f"/staff/mailbox/{reference}/reply",
             f"/staff/mailbox/{reference}/files/x"]
    nobody = app.test_client()
    for path in paths:
        response = nobody.get(path)
        assert response.status_code == 302 and "/account/login" in response.headers["Location"]
    client = staff_client(app, citizen)
    for path in paths:
        assert client.get(path).status_code == 403
    assert client.post(f"/staff/mailbox/{reference}/send", data={"version": 1}).status_code == 403


def test_the_writers_language_is_used_for_their_emails(app, outbox):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-TW"
    post_message(client, name="王小明")
    [mail] = outbox("lee@example.tw")
    assert mail.subject == "請確認您寄給局長信箱的信件" and "王小明" in mail.body


def test_only_the_portal_closes_a_message_when_the_time_to_answer_back_ends(app, make_message, hq_officer, supervisor,
                                                                           load_message):
    officer, boss = staff_client(app, hq_officer), staff_client(app, supervisor)
    reference = answered_message(app, make_message, officer, boss)
    for client in (officer, boss):
        assert act(client, app, reference, "expire").status_code == 409
    assert load_message(reference)[0].status == "answered"


def test_the_seed_command_adds_the_headquarters_mission_once(app):
    from portal.extensions import db
    from portal.missions.models import Mission

    runner = app.test_cli_runner()
    for _ in range(2):
        assert runner.invoke(args=["seed"]).exit_code == 0
    with app.app_context():
        [hq] = db.session.scalars(sa.select(Mission).where(Mission.code == "hq")).all()
        assert (hq.country_code, hq.countries, hq.name_zh) == ("TW", [], "外交部領事事務局")


XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_markup_a_writer_or_an_officer_types_is_shown_as_text_in_pages_and_emails(
        app, make_message, hq_officer, supervisor, tracking_path, smtp_server):
    from portal.core.outbox import deliver_pending
    from portal.extensions import db

    reference = make_message(name=f"Lee {XSS}", subject=f"Wait {XSS}", message=f"Three hours {XSS}")
    officer, boss = staff_client(app, hq_officer), staff_client(app, supervisor)
    page = officer.get(f"/staff/cases/{reference}").get_data(as_text=True)
    assert "<script>alert" not in page and "<img src=x" not in page
    assert page.count("&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;") >= 3

    officer.post(f"/staff/cases/{reference}/claim", data={"version": version(app, reference)})
    assert assign_to(officer, app, reference, "unit:consular").status_code == 303
    assert write_draft(officer, app, reference, f"Our answer {XSS}").status_code == 303
    assert act(boss, app, reference, "approve").status_code == 303
    assert send(boss, app, reference).status_code == 303

    tracking = app.test_client().get(tracking_path(reference)).get_data(as_text=True)
    assert "<script>alert" not in tracking and "Our answer &lt;script&gt;" in tracking

    with app.app_context():
        while deliver_pending(db.session)[0]:
            pass
    [reply] = [m for m in smtp_server.messages if "Our reply" in m["Subject"]]
    # Email is plain text only: a mail program shows the markup as the characters typed, never runs it.
    assert not reply.is_multipart() and reply.get_content_type() == "text/plain"
    body = reply.get_payload(decode=True).decode()
    assert f"Our answer {XSS}" in body and f"Hello Lee {XSS}," in body and "&lt;" not in body


def test_whoever_drafted_a_reply_cannot_approve_it_another_supervisor_can(app, make_message, make_user,
                                                                          load_message):
    reference = make_message()
    drafter = make_user("supervisor", mission="hq", name="Drafting Supervisor")
    writer = staff_client(app, drafter)
    writer.post(f"/staff/cases/{reference}/claim", data={"version": version(app, reference)})
    assert assign_to(writer, app, reference, "unit:consular").status_code == 303
    assert write_draft(writer, app, reference, "Dear Lee, we are sorry.").status_code == 303
    assert 'value="approve"' not in writer.get(f"/staff/cases/{reference}").get_data(as_text=True)
    refused = act(writer, app, reference, "approve")
    assert "Someone else must do this: you did “Draft the reply” yourself." in html.unescape(
        refused.get_data(as_text=True)), refused.status_code
    assert load_message(reference)[0].status == "drafted"
    second = staff_client(app, make_user("supervisor", mission="hq", name="Second Supervisor"))
    assert 'value="approve"' in second.get(f"/staff/cases/{reference}").get_data(as_text=True)
    assert act(second, app, reference, "approve").status_code == 303
    assert load_message(reference)[0].status == "approved"


def test_the_writer_sees_the_reply_once_with_the_history_pointing_to_it(app, make_message, hq_officer, supervisor,
                                                                       tracking_path):
    reply = "We are sorry; the counter now opens an hour earlier."
    reference = answered_message(app, make_message, staff_client(app, hq_officer), staff_client(app, supervisor),
                                 reply=reply)
    page = app.test_client().get(tracking_path(reference)).get_data(as_text=True)
    assert page.count(reply) == 1 and 'href="#reply">The reply is shown above.' in page
