"""Emergency assistance: phones before any form, the situation explained, no account needed,
first in the queue, and the time to first contact recorded."""

import sqlalchemy as sa

from tests.fixtures.accounts import sign_in
from tests.fixtures.cases import load_case


def request_help(client, **extra):
    data = {"country_code": "JP", "location": "Shinjuku station, Tokyo", "name": "Chen Wei",
            "phone": "+81 90 1111 2222", "email": "wei@example.tw", "details": "My passport was stolen.",
            "submission_token": "help-1", **extra}
    return client.post("/assistance/lost_passport", data=data)


def test_the_page_gives_the_emergency_phones_before_any_form(client, get_page):
    response, document = get_page("/assistance?country=JP")
    html = response.get_data(as_text=True)
    assert 'href="tel:+81' in html and 'href="tel:+886800085095"' in html
    assert html.index('href="tel:') < html.index("Lost or stolen passport") and "<textarea" not in html
    assert "We cannot:" in html
    _, form_page = get_page("/assistance/arrest?country=JP")
    text = " ".join("".join(form_page.itertext()).split())
    assert "give you a list of local lawyers" in text and "pay bail or fines" in text


def test_anyone_can_ask_for_help_and_it_tops_the_queue(app, client, officer, make_enquiry, citizen, outbox):
    enquiry = make_enquiry(citizen)
    response = request_help(client)
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    reference = page.split('class="reference">')[1].split("<")[0]
    assert "My passport was stolen." not in page  # the confirmation repeats no details
    assert f"We have your request for help {reference}" in outbox("wei@example.tw")[-1].subject
    staff = app.test_client()
    sign_in(staff, officer)
    queue = staff.get("/staff/queue").get_data(as_text=True)
    assert queue.index(reference) < queue.index(enquiry)


def test_the_workflow_records_first_contact_then_assisting_then_closed(app, client, officer):
    from portal.assistance.service import minutes_to_first_contact
    from portal.core.cases.models import Case
    from portal.extensions import db

    location = request_help(client).headers["Location"]
    reference = location.rsplit("/", 1)[1]
    staff = app.test_client()
    sign_in(staff, officer)
    steps = [("contact", "Called, meeting at the office at 3 pm."), ("assist", ""), ("close", "Entry permit issued.")]
    for action, note in steps:
        case, _ = load_case(app, reference)
        response = staff.post(f"/staff/cases/{reference}/act", data={"action": action, "note": note,
                                                                    "version": case.version, "confirmed": "yes"})
        assert response.status_code == 303, action
        if action == "contact":
            staff.post(f"/staff/cases/{reference}/claim", data={"version": case.version + 1})
    case, events = load_case(app, reference)
    assert case.status == "closed" and [e[0] for e in events] == ["submit", "contact", "claim", "assist", "close"]
    with app.app_context():
        minutes = minutes_to_first_contact(db.session, db.session.scalar(sa.select(Case).where(
            Case.reference == reference)))
    assert minutes is not None and minutes >= 0


def test_bad_requests_get_clear_messages_and_save_nothing(app, client):
    from portal.core.cases.models import Case
    from portal.extensions import db

    body = request_help(client, country_code="", location="", phone="x", details="").get_data(as_text=True)
    for message in ("Choose the country you are in.", "Tell us where you are.", "Enter a phone number using",
                    "Tell us briefly what has happened."):
        assert message in body
    assert "Write 3,000 characters or fewer in “What has happened?”." in request_help(client, details="x" * 3001).get_data(as_text=True)
    assert client.get("/assistance/alien_abduction").status_code == 404
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 0


def test_sending_twice_makes_one_case(app, client):
    first, second = request_help(client), request_help(client)
    assert first.headers["Location"] == second.headers["Location"]


def test_other_missions_cannot_see_the_case(app, client, make_user):
    reference = request_help(client).headers["Location"].rsplit("/", 1)[1]
    paris = make_user("staff", mission="paris")
    staff = app.test_client()
    sign_in(staff, paris)
    assert staff.get(f"/staff/cases/{reference}").status_code == 404
    assert reference not in staff.get("/staff/queue").get_data(as_text=True)


def test_a_reporter_without_an_account_follows_the_request_from_the_emailed_link(
        app, client, officer, outbox, get_page):
    location = request_help(client, email="Wei@Example.tw").headers["Location"]
    reference = location.rsplit("/", 1)[1]
    assert "we have sent you a link there to follow your request" in client.get(location).get_data(as_text=True)
    link = outbox.link("wei@example.tw")
    assert link.startswith("/assistance/track/")
    response, page = get_page(link)
    text = " ".join("".join(page.itertext()).split())
    assert reference in text and "Reported" in text and response.headers["Cache-Control"] == "no-store"
    staff = app.test_client()
    sign_in(staff, officer)
    case, _ = load_case(app, reference)
    staff.post(f"/staff/cases/{reference}/act", data={"action": "contact", "version": case.version,
                                                     "note": "We called you; come to the office at 3 pm."})
    _, page = get_page(link)
    text = " ".join("".join(page.itertext()).split())
    assert "We have contacted you" in text and "come to the office at 3 pm" in text


def test_a_follow_link_opens_only_its_own_request(app, client, outbox):
    from portal.core.cases import links

    request_help(client, email="wei@example.tw", submission_token="help-a")
    request_help(client, email="lin@example.tw", submission_token="help-b")
    first = outbox.link("wei@example.tw")
    assert client.get(first).status_code == 200
    assert client.get(first[:-3] + "abc").status_code == 404  # damaged
    with app.test_request_context("/"):
        from portal.core.cases.models import Case
        from portal.extensions import db

        other = db.session.scalar(sa.select(Case.id).order_by(Case.id.desc()))
        wrong_address = links.follow_token("assistance", other, "wei@example.tw")
        mailbox_kind = links.follow_token("mailbox", other, "lin@example.tw")
    assert client.get(f"/assistance/track/{wrong_address}").status_code == 404
    assert client.get(f"/assistance/track/{mailbox_kind}").status_code == 404


def test_the_confirmation_gives_the_emergency_number_once_as_a_link(app, client):
    location = request_help(client).headers["Location"]
    html = client.get(location).get_data(as_text=True)
    from portal.extensions import db
    from portal.missions.service import covering_mission

    with app.app_context():
        phone = covering_mission(db.session, "JP").emergency_phone
    assert html.count(phone) == 1
    assert f'call <a class="phone" href="tel:{phone.replace("-", "")}">{phone}</a> now.' in html
