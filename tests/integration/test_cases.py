"""The case journey: submit, queue, claim, act, history; and who may do what."""

import threading

import pytest
import sqlalchemy as sa

from tests.fixtures.accounts import sign_in
from tests.fixtures.cases import load_case
from tests.fixtures.pages import text_of


def submit(client, token="form-1", country="JP", subject="Passport renewal"):
    return client.post("/enquiries/new", data={"country_code": country, "topic": "passports", "subject": subject,
                                               "message": "How do I renew?", "submission_token": token})


def count(app, model):
    from portal.extensions import db

    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_a_citizen_submits_an_enquiry_and_sees_it_in_my_cases(app, client, citizen, outbox, get_page):
    sign_in(client, citizen)
    response = submit(client)
    assert response.status_code == 303
    _, document = get_page(response.headers["Location"])
    text = text_of(document)
    assert "Your request has been sent" in text
    reference = document.find(".//strong[@class='reference']").text
    assert reference.startswith("ENQ-")
    case, events = load_case(app, reference)
    assert case.mission.code == "tokyo" and case.status == "submitted"
    assert events == [("submit", "submitted", None)]
    assert f"We have received your request {reference}" in outbox(citizen.email)[-1].subject
    _, document = get_page("/account")
    assert reference in text_of(document) and "Received" in text_of(document)


def test_the_enquiry_goes_to_the_mission_covering_the_country(app, client, citizen):
    sign_in(client, citizen)
    location = submit(client, country="LS").headers["Location"]  # Lesotho: covered from South Africa
    case, _ = load_case(app, location.split("/")[-1].split("?")[0])
    assert case.mission.country_code == "ZA"


def test_submitting_the_same_form_twice_makes_one_case(app, client, citizen):
    from portal.core.cases.models import Case

    sign_in(client, citizen)
    first, second = submit(client, token="same"), submit(client, token="same")
    assert first.headers["Location"].split("?")[0] == second.headers["Location"].split("?")[0]
    assert count(app, Case) == 1


def test_bad_enquiries_get_clear_messages_and_save_nothing(app, client, citizen, outbox):
    from portal.core.cases.models import Case

    sign_in(client, citizen)
    cases = [
        ({"country_code": "", "subject": "", "message": ""}, ["Choose the country you are in.", "Enter a subject.",
                                                               "Enter your question."]),
        ({"country_code": "XX", "subject": "s", "message": "m"}, ["Choose the country you are in from the list."]),
        ({"country_code": "JP", "subject": "s", "message": "m" * 3001}, ["3,000 characters or fewer"]),
        ({"country_code": "JP", "subject": "s", "message": "m", "phone": "call me"}, ["Enter a phone number"]),
        ({"country_code": "JP", "subject": "s", "message": "m", "topic": "bribes"},
         ["Choose what your enquiry is about."]),
    ]
    for fields, messages in cases:
        data = {"topic": "passports", "submission_token": "x", **fields}
        body = client.post("/enquiries/new", data=data).get_data(as_text=True)
        for message in messages:
            assert message in body, (fields, message)
    assert count(app, Case) == 0 and outbox() == []


def test_the_whole_journey_from_queue_to_answer(app, make_user, citizen, make_enquiry, outbox, get_page):
    officer = make_user("staff", mission="tokyo")
    reference = make_enquiry(citizen)
    staff = app.test_client()
    sign_in(staff, officer)
    _, document = get_page("/staff/queue", client_=staff)
    assert reference in text_of(document)

    assert staff.post(f"/staff/cases/{reference}/claim", data={"version": 1}).status_code == 303
    case, _ = load_case(app, reference)
    assert case.assignee_id == officer.id
    steps = [("start", None), ("request_info", "Please send a copy of your residence card."),
             ("reply", "Attached as requested."), ("answer", "You can renew at our office.")]
    for action, note in steps:
        case, _ = load_case(app, reference)
        if action == "reply":
            citizen_client = app.test_client()
            sign_in(citizen_client, citizen)
            response = citizen_client.post(f"/account/cases/{reference}",
                                           data={"action": action, "note": note, "version": case.version,
                                                 "confirmed": "yes"})
        else:
            response = staff.post(f"/staff/cases/{reference}/act",
                                  data={"action": action, "note": note or "", "version": case.version,
                                        "confirmed": "yes"})
        assert response.status_code == 303, (action, response.get_data(as_text=True)[-2000:])
    case, events = load_case(app, reference)
    assert case.status == "answered" and case.closed_at is not None
    assert [e[0] for e in events] == ["submit", "claim", "start", "request_info", "reply", "answer"]
    subjects = [m.subject for m in outbox(citizen.email)]
    assert subjects.count(f"Update on your request {reference}") == 3  # start, request_info, answer
    assert "You can renew at our office." in outbox(citizen.email)[-1].body

    citizen_client = app.test_client()
    sign_in(citizen_client, citizen)
    _, document = get_page(f"/account/cases/{reference}", client_=citizen_client)
    text = text_of(document)
    assert "Answered" in text and "You can renew at our office." in text
    assert "Claimed by" not in text  # internal events stay with staff


def test_a_note_is_required_where_the_workflow_says_so_and_nothing_changes(app, officer, citizen, make_enquiry, outbox):
    from portal.core.cases.models import CaseEvent

    reference = make_enquiry(citizen)
    staff = app.test_client()
    sign_in(staff, officer)
    staff.post(f"/staff/cases/{reference}/claim", data={"version": 1})
    staff.post(f"/staff/cases/{reference}/act", data={"action": "start", "version": 2})
    before_events, before_mail = count(app, CaseEvent), len(outbox())
    response = staff.post(f"/staff/cases/{reference}/act", data={"action": "answer", "note": " ", "version": 3})
    assert response.status_code == 409
    assert "Enter a note: this action needs one." in response.get_data(as_text=True)
    case, _ = load_case(app, reference)
    assert case.status == "in_progress"
    assert count(app, CaseEvent) == before_events and len(outbox()) == before_mail


def test_acting_on_a_stale_page_is_refused(app, officer, citizen, make_enquiry):
    reference = make_enquiry(citizen)
    staff = app.test_client()
    sign_in(staff, officer)
    staff.post(f"/staff/cases/{reference}/claim", data={"version": 1})
    response = staff.post(f"/staff/cases/{reference}/act", data={"action": "start", "version": 1})
    assert response.status_code == 409 and "Someone else changed this case" in response.get_data(as_text=True)


def test_staff_must_claim_before_acting(app, officer, citizen, make_enquiry):
    reference = make_enquiry(citizen)
    staff = app.test_client()
    sign_in(staff, officer)
    response = staff.post(f"/staff/cases/{reference}/act", data={"action": "start", "version": 1})
    assert response.status_code == 409
    assert load_case(app, reference)[0].status == "submitted"


def test_two_officers_claiming_at_once_exactly_one_wins(app, make_user, citizen, make_enquiry):
    reference = make_enquiry(citizen)
    officers = [make_user("staff", mission="tokyo") for _ in range(6)]
    clients = []
    for officer in officers:
        staff = app.test_client()
        sign_in(staff, officer)
        clients.append(staff)
    barrier, results = threading.Barrier(len(clients)), []

    def claim(staff):
        barrier.wait()
        response = staff.post(f"/staff/cases/{reference}/claim", data={"version": 1}, follow_redirects=True)
        results.append(response.get_data(as_text=True))

    threads = [threading.Thread(target=claim, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum("You hold this case now." in r for r in results) == 1
    assert sum("Another officer claimed this case" in r or "cannot be claimed" in r for r in results) == 5
    case, events = load_case(app, reference)
    assert case.assignee_id in {o.id for o in officers}
    assert [e[0] for e in events].count("claim") == 1


def test_releasing_puts_the_case_back_and_only_the_holder_or_a_supervisor_may(app, make_user, citizen, make_enquiry):
    reference = make_enquiry(citizen)
    holder, other, boss = make_user("staff"), make_user("staff"), make_user("supervisor")
    clients = {}
    for name, user in (("holder", holder), ("other", other), ("boss", boss)):
        clients[name] = app.test_client()
        sign_in(clients[name], user)
    clients["holder"].post(f"/staff/cases/{reference}/claim", data={"version": 1})
    clients["other"].post(f"/staff/cases/{reference}/release", data={"version": 2})
    assert load_case(app, reference)[0].assignee_id == holder.id
    clients["boss"].post(f"/staff/cases/{reference}/release", data={"version": 2})
    assert load_case(app, reference)[0].assignee_id is None


def test_a_citizen_gets_404_for_another_citizens_case(app, make_user, make_enquiry):
    owner, stranger = make_user("citizen"), make_user("citizen")
    reference = make_enquiry(owner)
    client = app.test_client()
    sign_in(client, stranger)
    assert client.get(f"/account/cases/{reference}").status_code == 404
    response = client.post(f"/account/cases/{reference}", data={"action": "withdraw", "version": 1, "confirmed": "yes"})
    assert response.status_code == 404
    assert load_case(app, reference)[0].status == "submitted"


def test_staff_get_404_for_another_missions_case_and_do_not_see_it_queued(app, make_user, citizen, make_enquiry):
    reference = make_enquiry(citizen, country="FR")
    tokyo_officer = make_user("staff", mission="tokyo")
    client = app.test_client()
    sign_in(client, tokyo_officer)
    assert reference not in client.get("/staff/queue").get_data(as_text=True)
    assert client.get(f"/staff/cases/{reference}").status_code == 404
    assert client.post(f"/staff/cases/{reference}/claim", data={"version": 1}).status_code == 404
    assert client.post(f"/staff/cases/{reference}/act", data={"action": "start", "version": 1}).status_code == 404
    assert load_case(app, reference)[0].assignee_id is None


def test_supervisors_see_every_mission_and_can_filter_by_one(app, supervisor, citizen, make_enquiry):
    paris, tokyo = make_enquiry(citizen, country="FR"), make_enquiry(citizen, country="JP")
    client = app.test_client()
    sign_in(client, supervisor)
    page = client.get("/staff/queue").get_data(as_text=True)
    assert paris in page and tokyo in page
    from tests.fixtures.accounts import mission_id

    with app.app_context():
        paris_id = mission_id("paris")
    filtered = client.get(f"/staff/queue?mission_id={paris_id}").get_data(as_text=True)
    assert paris in filtered and tokyo not in filtered


def test_citizens_cannot_use_staff_pages(app, citizen, make_enquiry):
    reference = make_enquiry(citizen)
    client = app.test_client()
    sign_in(client, citizen)
    assert client.get("/staff/queue").status_code == 403
    assert client.post(f"/staff/cases/{reference}/claim", data={"version": 1}).status_code == 403
    assert client.get("/admin/users").status_code == 403


def test_a_citizen_can_withdraw_but_not_take_staff_actions(app, citizen, make_enquiry):
    reference = make_enquiry(citizen)
    client = app.test_client()
    sign_in(client, citizen)
    refused = client.post(f"/account/cases/{reference}", data={"action": "start", "version": 1})
    assert "You cannot take this action on this case." in refused.get_data(as_text=True)
    assert load_case(app, reference)[0].status == "submitted"
    client.post(f"/account/cases/{reference}", data={"action": "withdraw", "version": 1, "confirmed": "yes"})
    case, _ = load_case(app, reference)
    assert case.status == "withdrawn" and case.closed_at is not None


@pytest.mark.parametrize("action", ["start", "request_info", "reply", "answer", "withdraw"])
def test_every_transition_is_allowed_only_to_its_parties(app, action):
    from portal.core.cases.registry import workflow_for
    from portal.core.cases.workflow import APPLICANT
    from portal.core.roles import Role

    workflow = workflow_for("enquiry")
    move = next(t for t in workflow.transitions if t.action == action)
    allowed = {party for party in (APPLICANT, Role.STAFF, Role.SUPERVISOR, Role.ADMIN) if move.allows(party)}
    expected = {APPLICANT} if action in ("reply", "withdraw") else {Role.STAFF, Role.SUPERVISOR, Role.ADMIN}
    assert allowed == expected
    assert not move.allows(Role.CITIZEN)


def test_each_refused_move_says_which_rule_refused_it(app, citizen, officer, make_user, make_enquiry):
    """transition() tells the person what stopped them, not one sentence for every refusal."""
    from portal.accounts.models import User
    from portal.core.cases.models import Case
    from portal.core.cases.service import CaseRefused, Rule, claim, transition
    from portal.core.db import unit_of_work

    reference = make_enquiry(citizen)
    other_officer = make_user("staff", mission="tokyo")

    def attempt(user, action, **kwargs):
        with app.test_request_context(headers={"Accept-Language": "en"}), unit_of_work() as session:
            case = session.scalar(sa.select(Case).where(Case.reference == reference))
            try:
                transition(session, case, action, by=session.get(User, user.id), **kwargs)
            except CaseRefused as refusal:
                session.rollback()
                return refusal.rule, str(refusal)
            return None, ""

    assert attempt(officer, "answer") == (Rule.WRONG_STATUS, "That action is not available for this case now: it "
                                                             "is “Received”.")
    assert attempt(citizen, "start")[0] is Rule.NOT_ALLOWED
    assert attempt(officer, "start") == (Rule.NOT_HELD, "Claim this case before you act on it.")
    with app.test_request_context(), unit_of_work() as session:
        claim(session, session.scalar(sa.select(Case).where(Case.reference == reference)),
              by=session.get(User, officer.id))
    assert attempt(other_officer, "start")[0] is Rule.NOT_HELD
    assert attempt(officer, "start", expected_version=1)[0] is Rule.STALE
    assert attempt(officer, "start") == (None, "")
    assert attempt(officer, "answer", note="  ") == (Rule.NOTE_MISSING, "Enter a note: this action needs one.")
    assert load_case(app, reference)[0].status == "in_progress"  # nothing half-done by the refusals


def test_a_form_token_is_one_submission_of_its_own_kind_only(app, citizen):
    """The same token on two kinds' forms makes one case of each; twice on one kind makes one case."""
    from portal.accounts.models import User
    from portal.assistance.service import request_assistance
    from portal.core.cases.models import Case
    from portal.core.db import unit_of_work
    from portal.enquiries.service import submit_enquiry

    with app.test_request_context(), unit_of_work() as session:
        user = session.get(User, citizen.id)
        enquiry, created = submit_enquiry(session, applicant=user, country_code="JP", topic="passports",
                                          subject="Renewal", message="How?", submission_token="shared-token")
        assert created
        again, created_again = submit_enquiry(session, applicant=user, country_code="JP", topic="passports",
                                              subject="Renewal", message="How?", submission_token="shared-token")
        assert again.id == enquiry.id and not created_again
        help_case, created = request_assistance(
            session, applicant=user, situation="lost_passport", country_code="JP", location="Tokyo", name="Wang",
            phone="+81 90 1234 5678", email="", details="Lost it.", locale="en", submission_token="shared-token")
        assert created and help_case.id != enquiry.id
    assert count(app, Case) == 2


def test_a_case_opened_as_the_first_write_is_gone_when_the_request_is_refused(app, citizen):
    """On SQLite a savepoint taken outside a transaction would commit on release: opening a case (which
    takes one) as a request's first write must still be undone by the refusal that follows."""
    import sqlalchemy as sa

    from portal.accounts.models import User
    from portal.core.cases.models import Case
    from portal.core.cases.service import open_case
    from portal.extensions import db
    from tests.fixtures.accounts import mission_id

    with app.app_context():
        session = db.session
        open_case(session, kind="enquiry", mission_id=mission_id("tokyo"), applicant=session.get(User, citizen.id),
                  summary="Refused later", idempotency_key="first-write")
        session.rollback()
        assert session.scalar(sa.select(sa.func.count()).select_from(Case)) == 0
        db.session.remove()


def test_staff_keep_internal_notes_the_citizen_never_sees(app, citizen, officer, make_enquiry, outbox, get_page):
    from tests.fixtures.accounts import signed_in_client

    reference = make_enquiry(citizen)
    mails_before = len(outbox())
    staff = signed_in_client(app, officer)
    empty = staff.post(f"/staff/cases/{reference}/notes", data={"note": "  "})
    assert empty.status_code == 400 and "Write the note." in empty.get_data(as_text=True)
    added = staff.post(f"/staff/cases/{reference}/notes", data={"note": "Caller sounded distressed; call back."})
    assert added.status_code == 303 and added.headers["Location"].endswith("#internal-notes")
    _, page = get_page(f"/staff/cases/{reference}", client_=staff)
    notes = " ".join("".join(page.find(".//section").itertext()).split())
    assert "Caller sounded distressed; call back." in notes
    person = signed_in_client(app, citizen)
    assert "distressed" not in person.get(f"/account/cases/{reference}").get_data(as_text=True)
    assert len(outbox()) == mails_before
    case, events = load_case(app, reference)
    assert case.version == 1 and events[-1][0] == "internal_note"


def test_an_irreversible_step_is_marked_and_confirmed_on_a_page_of_its_own(app, citizen, make_enquiry, get_page):
    from tests.fixtures.accounts import signed_in_client

    reference = make_enquiry(citizen)
    person = signed_in_client(app, citizen)
    case_page = person.get(f"/account/cases/{reference}").get_data(as_text=True)
    assert 'class="button button-warning">Withdraw this enquiry' in case_page
    assert "This cannot be undone: you will be asked to confirm." in case_page
    asked = person.post(f"/account/cases/{reference}", data={"action": "withdraw", "version": 1},
                        headers={"Referer": f"http://localhost/account/cases/{reference}"})
    text = " ".join(asked.get_data(as_text=True).split())
    assert asked.status_code == 200 and "Are you sure? Withdraw this enquiry" in text
    assert "This cannot be undone." in text and f'href="/account/cases/{reference}"' in text
    assert 'name="confirmed" value="yes"' in text
    assert load_case(app, reference)[0].status == "submitted"  # nothing done yet
    done = person.post(f"/account/cases/{reference}", data={"action": "withdraw", "version": 1, "confirmed": "yes"})
    assert done.status_code == 303 and load_case(app, reference)[0].status == "withdrawn"


def test_a_rejection_keeps_its_note_through_the_confirmation(app, citizen, officer, make_passport_application):
    from tests.fixtures.accounts import signed_in_client

    reference = make_passport_application(citizen)
    staff = signed_in_client(app, officer)
    staff.post(f"/staff/cases/{reference}/claim", data={"version": 1})
    version = load_case(app, reference)[0].version
    without_note = staff.post(f"/staff/cases/{reference}/act", data={"action": "reject", "version": version})
    assert "Enter a note: this action needs one." in without_note.get_data(as_text=True)  # asked before confirming
    asked = staff.post(f"/staff/cases/{reference}/act", data={"action": "reject", "version": version,
                                                             "note": "The photo is not of the applicant."})
    page = asked.get_data(as_text=True)
    assert "Are you sure? Reject" in page and 'name="note" value="The photo is not of the applicant."' in page
    done = staff.post(f"/staff/cases/{reference}/act", data={"action": "reject", "version": version,
                                                            "note": "The photo is not of the applicant.",
                                                            "confirmed": "yes"})
    assert done.status_code == 303
    case, events = load_case(app, reference)
    assert case.status == "rejected" and events[-1][2] == "The photo is not of the applicant."
