"""Staff work a document request through its workflow; issuing creates one signed verification
record per copy with a printable sticker; supervisors revoke; every route refuses the wrong user."""

import io
import re

import segno
import sqlalchemy as sa
from sqlalchemy import event

from portal.documents import signing
from portal.documents.codes import Parse, format_code, parse_code
from tests.fixtures.accounts import sign_in
from tests.fixtures.cases import load_case
from tests.fixtures.documents import post_multipart, records_of
from tests.fixtures.files import pdf_bytes
from tests.fixtures.pages import text_of


def staff_client(app, user):
    client = app.test_client()
    sign_in(client, user)
    return client


def act(app, client, reference, action, note=""):
    case, _ = load_case(app, reference)
    return client.post(f"/staff/cases/{reference}/act", data={"action": action, "note": note, "version": case.version,
                                                                "confirmed": "yes"})


def test_the_whole_journey_from_request_to_issued_stickers(app, citizen, officer, make_document_request, outbox,
                                                           get_page):
    reference = make_document_request(citizen, copies=(2, 1))
    staff = staff_client(app, officer)
    _, queue = get_page("/staff/queue", client_=staff)
    assert reference in text_of(queue) and "Document authentication" in text_of(queue)
    assert staff.post(f"/staff/cases/{reference}/claim", data={"version": 1}).status_code == 303
    _, page = get_page(f"/staff/cases/{reference}", client_=staff)
    text = text_of(page)
    assert "王小明" in text and "University of Tokyo" in text and "NT$1,200" in text and "diploma.pdf" in text
    assert "Mark the documents as checked" in text

    assert act(app, staff, reference, "request_info", "Please send a clearer scan of page 2.").status_code == 303
    citizen_client = staff_client(app, citizen)
    _, page = get_page(f"/account/cases/{reference}", client_=citizen_client)
    assert "More information needed" in text_of(page) and "Add more scans" in text_of(page)
    added = post_multipart(citizen_client, f"/documents/requests/{reference}/scans",
                           {"scans": [(io.BytesIO(pdf_bytes()), "page2.pdf")]})
    assert added.status_code == 303
    case, _ = load_case(app, reference)
    assert citizen_client.post(f"/account/cases/{reference}", data={
        "action": "resubmit", "note": "Clearer scan attached.", "version": case.version}).status_code == 303

    for action in ("verify", "authenticate", "issue"):
        assert act(app, staff, reference, action).status_code == 303, action
    case, events = load_case(app, reference)
    assert case.status == "issued"
    assert [e[0] for e in events] == ["submit", "claim", "request_info", "add_files", "resubmit", "verify",
                                      "authenticate", "issue"]
    records = records_of(app, reference)
    assert [r[1] for r in records] == [1, 2, 1]  # one record per copy
    codes = [r[0] for r in records]
    assert len(set(codes)) == 3 and all(parse_code(c).outcome is Parse.OK for c in codes)
    assert not any(part in code for code in codes for part in reference.split("-")[1:3])
    public_key = signing.private_key(app.config).public_key()
    for code, _, _, signature, mission, on, kind in records:
        payload = signing.Payload(code=code, mission=mission, on=on, document_type=kind, signature=signature)
        assert mission == "tokyo" and signing.signature_is_valid(public_key, payload)
    [ready] = [m for m in outbox(citizen.email) if m.subject == f"Your authenticated documents are ready: {reference}"]
    for expected in ("Taipei Economic and Cultural Representative Office in Japan", "5-20-2 Shirokanedai",
                     "Opening hours: Monday to Friday", "https://www.openstreetmap.org/search?query=",
                     f"your reference {reference}", "paid at the counter when you collect them",
                     "We keep them for you until"):
        assert expected in ready.body, expected

    _, page = get_page(f"/staff/cases/{reference}", client_=staff)
    for code in codes:
        assert format_code(code) in text_of(page)
    _, page = get_page(f"/account/cases/{reference}", client_=citizen_client)
    assert format_code(codes[0]) in text_of(page) and "Your documents are ready to collect" in text_of(page)
    assert "Opening hours" in text_of(page) and "Kept until" in text_of(page)
    assert act(app, staff, reference, "close").status_code == 303
    assert load_case(app, reference)[0].closed_at is not None


def test_the_sticker_page_shows_the_facts_and_a_qr_code_of_the_signed_payload(app, citizen, officer,
                                                                              make_document_request,
                                                                              advance_document, get_page):
    reference = make_document_request(citizen, copies=(1,))
    advance_document(reference, "verify", "authenticate", "issue", by=officer)
    code, _, _, signature, mission, on, kind = records_of(app, reference)[0]
    staff = staff_client(app, officer)
    response, page = get_page(f"/staff/documents/stickers/{format_code(code).lower()}", client_=staff)
    text = text_of(page)
    assert format_code(code) in text and "畢業證書" in text and "Diploma" in text and on.isoformat() in text
    assert "台北駐日經濟文化代表處" in text and "民國" in text
    qr = page.find(".//img[@class='sticker-qr']")
    payload = signing.qr_payload(app.config["BASE_URL"], code=code, mission=mission, on=on, document_type=kind,
                                 signature=signature)
    assert qr.get("src") == segno.make(payload, error="m").svg_data_uri(scale=4, border=4)
    assert qr.get("alt") and response.headers["Cache-Control"] == "no-store"
    parsed = signing.parse_payload(payload)
    assert signing.signature_is_valid(signing.private_key(app.config).public_key(), parsed)
    _, every = get_page(f"/staff/documents/{reference}/stickers", client_=staff)
    assert len(every.findall(".//div[@class='sticker']")) == 1


def test_issuing_is_one_unit_of_work_with_the_move(app, citizen, officer, make_document_request, advance_document,
                                                   monkeypatch):
    from portal.documents import service

    reference = make_document_request(citizen)
    advance_document(reference, "verify", "authenticate", by=officer)
    staff = staff_client(app, officer)

    def broken(*args, **kwargs):
        raise RuntimeError("the signing device is away")

    monkeypatch.setattr(service.signing, "sign", broken)
    assert act(app, staff, reference, "issue").status_code == 500
    assert load_case(app, reference)[0].status == "authenticated" and records_of(app, reference) == []


def test_rejecting_needs_a_reason_and_tells_the_citizen(app, citizen, officer, make_document_request, outbox):
    reference = make_document_request(citizen)
    staff = staff_client(app, officer)
    staff.post(f"/staff/cases/{reference}/claim", data={"version": 1})
    refused = act(app, staff, reference, "reject")
    assert refused.status_code == 409 and "Enter a note: this action needs one." in refused.get_data(as_text=True)
    assert act(app, staff, reference, "reject", "The seal is not that of a notary.").status_code == 303
    case, _ = load_case(app, reference)
    assert case.status == "rejected" and case.closed_at is not None
    assert "The seal is not that of a notary." in outbox(citizen.email)[-1].body


def test_a_supervisor_revokes_with_a_reason_and_the_history_and_citizen_know(app, citizen, officer, supervisor,
                                                                            make_document_request, advance_document,
                                                                            outbox, get_page):
    from portal.core.cases.models import CaseEvent
    from portal.extensions import db

    reference = make_document_request(citizen, copies=(2,))
    advance_document(reference, "verify", "authenticate", "issue", by=officer)
    first, second = (r[0] for r in records_of(app, reference))
    boss = staff_client(app, supervisor)
    _, page = get_page(f"/staff/cases/{reference}", client_=boss)
    assert "Revoke an authentication" in text_of(page)
    _, form = get_page(f"/staff/documents/{reference}/revoke", client_=boss)
    assert len(form.findall(".//input[@name='codes']")) == 2

    missing = boss.post(f"/staff/documents/{reference}/revoke", data={"codes": [first], "reason": " "})
    assert missing.status_code == 400 and "Enter the reason for revoking." in missing.get_data(as_text=True)
    none_chosen = boss.post(f"/staff/documents/{reference}/revoke", data={"reason": "Forged notarisation"})
    assert none_chosen.status_code == 400 and "Choose at least one copy" in none_chosen.get_data(as_text=True)
    assert all(r[2] is None for r in records_of(app, reference))

    done = boss.post(f"/staff/documents/{reference}/revoke", data={"codes": [first],
                                                                  "reason": "The notarisation was forged."})
    assert done.status_code == 303 and done.headers["Location"] == f"/staff/cases/{reference}"
    revoked = {r[0]: r[2] for r in records_of(app, reference)}
    assert revoked[first] is not None and revoked[second] is None
    with app.app_context():
        row = db.session.scalar(sa.select(CaseEvent).where(CaseEvent.action == "revoke"))
        assert (row.note, row.is_internal, row.actor_id) == ("The notarisation was forged.", False, supervisor.id)
    mail = outbox(citizen.email)[-1]
    assert "has been revoked" in mail.subject
    assert format_code(first) in mail.body and format_code(second) not in mail.body
    _, page = get_page(f"/account/cases/{reference}", client_=staff_client(app, citizen))
    assert "Authentication revoked" in text_of(page) and "The notarisation was forged." in text_of(page)
    again = boss.post(f"/staff/documents/{reference}/revoke", data={"codes": [first], "reason": "again"})
    assert again.status_code == 400  # already revoked: nothing to choose


def test_wrong_users_are_refused_everywhere(app, make_user, citizen, officer, make_document_request,
                                            advance_document):
    reference = make_document_request(citizen)
    advance_document(reference, "verify", "authenticate", "issue", by=officer)
    code = format_code(records_of(app, reference)[0][0])
    other_mission = staff_client(app, make_user("staff", mission="seoul"))
    other_citizen = staff_client(app, make_user("citizen"))
    same_mission = staff_client(app, officer)
    for url in (f"/staff/cases/{reference}", f"/staff/documents/stickers/{code}",
                f"/staff/documents/{reference}/stickers"):
        assert other_mission.get(url).status_code == 404, url
        assert same_mission.get(url).status_code == 200, url
    assert same_mission.get(f"/staff/documents/{reference}/revoke").status_code == 403
    assert same_mission.post(f"/staff/documents/{reference}/revoke", data={"codes": [code], "reason": "x"}
                             ).status_code == 403
    assert other_citizen.get(f"/account/cases/{reference}").status_code == 404
    assert other_citizen.get(f"/staff/documents/stickers/{code}").status_code == 403
    assert other_citizen.get(f"/documents/requests/{reference}/scans").status_code == 404
    owner = staff_client(app, citizen)
    assert owner.get(f"/staff/documents/stickers/{code}").status_code == 403
    scans = owner.get(f"/documents/requests/{reference}/scans")  # not waiting for information
    assert scans.status_code == 303 and scans.headers["Location"] == f"/account/cases/{reference}"
    assert records_of(app, reference)[0][2] is None
    assert same_mission.get("/staff/documents/stickers/AAAA-AAAA-AAAA-AAAA-A").status_code == 404


def test_only_the_holder_may_act_and_citizens_cannot_take_staff_moves(app, make_user, citizen, officer,
                                                                     make_document_request):
    reference = make_document_request(citizen)
    colleague = staff_client(app, make_user("staff", mission="tokyo"))
    staff = staff_client(app, officer)
    staff.post(f"/staff/cases/{reference}/claim", data={"version": 1})
    assert act(app, colleague, reference, "verify").status_code == 409
    owner = staff_client(app, citizen)
    case, _ = load_case(app, reference)
    owner.post(f"/account/cases/{reference}", data={"action": "verify", "version": case.version})
    assert load_case(app, reference)[0].status == "submitted"


def test_the_staff_case_page_issues_the_same_number_of_queries_however_many_copies(app, citizen, officer,
                                                                                   make_document_request,
                                                                                   advance_document):
    from portal.extensions import db

    staff = staff_client(app, officer)
    with app.app_context():
        engine = db.engine

    def queries_for_case(copies) -> int:
        reference = make_document_request(citizen, copies=copies)
        advance_document(reference, "verify", "authenticate", "issue", by=officer)
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            assert staff.get(f"/staff/cases/{reference}").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(statements)

    assert queries_for_case((1,)) == queries_for_case((10, 10, 5))


def test_the_sticker_link_on_the_case_page_leads_to_each_copy(app, citizen, officer, make_document_request,
                                                             advance_document):
    reference = make_document_request(citizen, copies=(3,))
    advance_document(reference, "verify", "authenticate", "issue", by=officer)
    html = staff_client(app, officer).get(f"/staff/cases/{reference}").get_data(as_text=True)
    links = re.findall(r'href="(/staff/documents/stickers/[^"]+)"', html)
    assert sorted(links) == sorted(f"/staff/documents/stickers/{format_code(r[0])}" for r in records_of(app, reference))
