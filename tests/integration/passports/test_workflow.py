"""Staff work a passport application: every transition, the emails, the number and MRZ at
printing, the renewal comparison, identifiers encrypted at rest and kept out of logs, and
every wrong user refused."""

import logging
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from portal.passports import mrz
from tests.fixtures.accounts import sign_in
from tests.fixtures.cases import load_case
from tests.fixtures.pages import text_of
from tests.fixtures.passports import NATIONAL_ID, OTHER_NATIONAL_ID, application_of
from tests.fixtures.surveys import survey_mails
from tests.integration.passports.helpers import apply_online


def signed_in(app, user):
    client = app.test_client()
    sign_in(client, user)
    return client


def act(app, client, reference, action, note=""):
    case, _ = load_case(app, reference)
    return client.post(f"/staff/cases/{reference}/act", data={"action": action, "note": note, "version": case.version,
                                                                "confirmed": "yes"})


def claim(app, client, reference):
    case, _ = load_case(app, reference)
    assert client.post(f"/staff/cases/{reference}/claim", data={"version": case.version}).status_code == 303


def test_the_whole_workflow_from_submission_to_collection(app, citizen, officer, make_passport_application, outbox,
                                                          get_page):
    reference = make_passport_application(citizen)
    staff = signed_in(app, officer)
    _, queue = get_page("/staff/queue", client_=staff)
    assert reference in text_of(queue) and "Passport application" in text_of(queue)
    claim(app, staff, reference)
    _, page = get_page(f"/staff/cases/{reference}", client_=staff)
    text = text_of(page)
    assert "A1••••••89" in text and "A123456789" not in text  # masked for staff: revealing it is logged
    assert "CHEN, MEI-LING" in text and "陳美玲" in text and "NT$1,300" in text
    assert page.find(".//figure/img") is not None and "No earlier application" in text

    assert act(app, staff, reference, "request_info", "Please send a photo without glasses.").status_code == 303
    assert "More information needed" in outbox(citizen.email)[-1].body
    assert "Please send a photo without glasses." in outbox(citizen.email)[-1].body
    mine = signed_in(app, citizen)
    _, page = get_page(f"/account/cases/{reference}", client_=mine)
    assert "Please send a photo without glasses." in text_of(page) and "Send your reply" in text_of(page)
    case, _ = load_case(app, reference)
    refused = mine.post(f"/account/cases/{reference}", data={"action": "resubmit", "note": "", "version": case.version})
    assert "Enter a note: this action needs one." in refused.get_data(as_text=True)
    assert load_case(app, reference)[0].status == "info_requested"
    assert mine.post(f"/account/cases/{reference}", data={"action": "resubmit", "note": "Here is a new one.",
                                                          "version": case.version}).status_code == 303
    for action in ("approve", "print", "ready", "collect"):
        assert act(app, staff, reference, action).status_code == 303, action
    case, events = load_case(app, reference)
    assert case.status == "collected" and case.closed_at is not None
    assert [e[0] for e in events] == ["submit", "claim", "request_info", "resubmit", "approve", "print", "ready",
                                      "collect"]
    updates = [m for m in outbox(citizen.email) if "/surveys/" not in m.body]
    statuses = " ".join(m.body for m in updates)
    assert "Approved" in statuses and len(updates) == 4  # received + 3 updates
    assert updates[-1].subject == f"Your passport is ready to collect: {reference}"
    assert len(survey_mails(outbox, citizen.email)) == 1  # and, once collected, the survey


def test_printing_assigns_a_number_and_an_mrz_that_encodes_the_application(app, citizen, officer,
                                                                           make_passport_application, get_page):
    reference = make_passport_application(citizen)
    staff = signed_in(app, officer)
    claim(app, staff, reference)
    for action in ("approve", "print"):
        assert act(app, staff, reference, action).status_code == 303
    found = application_of(app, reference)
    number, (line1, line2) = found["passport_number"], found["mrz"]
    assert len(number) == 9 and number.isdigit()
    assert found["expires_on"] == found["issued_on"].replace(year=found["issued_on"].year + 10)
    assert line1 == "P<TWNCHEN<<MEI<LING" + "<" * 25
    assert line2[:9] == number and line2[9] == mrz.check_digit(number) and line2[10:13] == "TWN"
    assert line2[13:19] == found["birth_date"].strftime("%y%m%d") and line2[19] == mrz.check_digit(line2[13:19])
    assert line2[20] == "F" and line2[21:27] == found["expires_on"].strftime("%y%m%d")
    assert line2[28:42] == NATIONAL_ID + "<<<<"
    assert line2[43] == mrz.check_digit(line2[:10] + line2[13:20] + line2[21:43])
    _, page = get_page(f"/staff/cases/{reference}", client_=staff)
    block = page.find(".//pre[@class='mrz']")
    assert block is not None and block.text.split("\n") == [line1, line2]
    assert number in text_of(page)
    _, page = get_page(f"/account/cases/{reference}", client_=signed_in(app, citizen))
    assert number in text_of(page) and page.find(".//pre[@class='mrz']") is None


@pytest.mark.parametrize("name_latin", ["LIN, ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFG HIJ", "CHEN, MEI-LING",
                                        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA BBB, CCC",
                                        "OUYANG, A B C D E F G H I J K L M N O P"])
def test_a_printed_zone_passes_the_independent_mrz_checker(app, citizen, officer, make_passport_application,
                                                           name_latin):
    """Names the application form accepts, long ones included, give a zone the `mrz` package accepts."""
    from mrz.checker.td3 import TD3CodeChecker

    reference = make_passport_application(citizen, name_latin=name_latin)
    staff = signed_in(app, officer)
    claim(app, staff, reference)
    for action in ("approve", "print"):
        assert act(app, staff, reference, action).status_code == 303
    line1, line2 = application_of(app, reference)["mrz"]
    checker = TD3CodeChecker(f"{line1}\n{line2}")
    assert bool(checker) and not checker.report.errors, (line1, checker.report.errors)
    name = line1[5:]
    assert "<<<" not in name.rstrip("<")
    if len(name_latin) > 38:  # truncated: the field ends with a letter
        assert name[-1] != "<" and "possible truncating" in checker.report.warnings


def test_a_rejection_carries_a_reason_the_citizen_sees(app, citizen, officer, make_passport_application, outbox,
                                                       get_page):
    reference = make_passport_application(citizen)
    staff = signed_in(app, officer)
    claim(app, staff, reference)
    assert act(app, staff, reference, "reject", "").status_code == 409
    assert load_case(app, reference)[0].status == "submitted"
    assert act(app, staff, reference, "reject", "The national ID does not match the household register.")\
        .status_code == 303
    assert "does not match the household register" in outbox(citizen.email)[-1].body
    _, page = get_page(f"/account/cases/{reference}", client_=signed_in(app, citizen))
    assert "Rejected" in text_of(page) and "does not match the household register" in text_of(page)


@pytest.mark.parametrize("action", ["print", "ready", "collect", "resubmit"])
def test_moves_out_of_order_are_refused_and_change_nothing(app, citizen, officer, make_passport_application, action,
                                                           outbox):
    reference = make_passport_application(citizen)
    staff = signed_in(app, officer)
    claim(app, staff, reference)
    before = len(outbox())
    assert act(app, staff, reference, action, "note").status_code == 409
    case, events = load_case(app, reference)
    assert case.status == "submitted" and [e[0] for e in events] == ["submit", "claim"] and len(outbox()) == before


def test_wrong_users_cannot_see_or_move_a_passport_case(app, client, citizen, make_user, make_passport_application):
    reference = make_passport_application(citizen)
    page, act_path = f"/staff/cases/{reference}", f"/staff/cases/{reference}/act"
    assert client.get(page).status_code == 302  # nobody: to sign-in
    assert client.get(f"/account/cases/{reference}").status_code == 302
    other_citizen = signed_in(app, make_user("citizen"))
    assert other_citizen.get(f"/account/cases/{reference}").status_code == 404
    assert other_citizen.get(page).status_code == 403  # a citizen on a staff page: wrong role
    assert other_citizen.post(act_path, data={"action": "approve", "version": 1}).status_code == 403
    seoul = signed_in(app, make_user("staff", mission="seoul"))
    assert seoul.get(page).status_code == 404
    assert seoul.post(act_path, data={"action": "approve", "version": 1}).status_code == 404
    # The applicant cannot take staff actions on their own case.
    mine = signed_in(app, citizen)
    refused = mine.post(f"/account/cases/{reference}", data={"action": "approve", "version": 1})
    assert "You cannot take this action on this case." in refused.get_data(as_text=True)
    # An officer of the mission must claim before acting; a supervisor elsewhere sees it.
    tokyo = signed_in(app, make_user("staff", mission="tokyo"))
    assert act(app, tokyo, reference, "approve").status_code == 409
    assert signed_in(app, make_user("supervisor", mission="seoul")).get(page).status_code == 200
    assert load_case(app, reference)[0].status == "submitted"


def test_staff_compare_a_renewal_with_the_previous_application(app, citizen, officer, make_passport_application,
                                                               get_page):
    first = make_passport_application(citizen, name_latin="CHEN, MEI-LING", height_cm="160")
    staff = signed_in(app, officer)
    claim(app, staff, first)
    for action in ("approve", "print"):
        act(app, staff, first, action)
    number = application_of(app, first)["passport_number"]
    renewal = make_passport_application(citizen, "renewal", previous_number=number, height_cm="163")
    other = make_passport_application(citizen, national_id=OTHER_NATIONAL_ID)
    _, page = get_page(f"/staff/cases/{renewal}", client_=staff)
    table = page.find(".//table[@class='table']")
    text = text_of(table)
    assert first in text and "160" in text and "163" in text and number in text
    assert len(page.findall(".//tr[@class='differs']")) == 1  # the height
    assert len(page.findall(".//figure/img")) == 2  # this photo and the previous one
    _, page = get_page(f"/staff/cases/{other}", client_=staff)
    assert "No earlier application" in text_of(page)


def test_a_renewal_keeps_the_name_of_the_previous_passport_unless_a_change_is_declared(
        app, client, citizen, officer, make_passport_application, make_passport_draft):
    from portal.core.db import unit_of_work
    from portal.passports import drafts

    first = make_passport_application(citizen)
    staff = signed_in(app, officer)
    claim(app, staff, first)
    for action in ("approve", "print"):
        act(app, staff, first, action)
    number = application_of(app, first)["passport_number"]
    sign_in(client, citizen)
    token = make_passport_draft(citizen, "renewal", complete=False)
    from tests.fixtures.passports import identity_fields
    from tests.integration.passports.helpers import draft_row, post_step

    post_step(client, token, "identity", identity_fields(name_latin="CHEN, MEILING"))
    response = post_step(client, token, "previous", {"previous_number": number, "previous_expiry": "2036-01-01"},
                         status=400)
    assert "does not match the passport with this number" in response.get_data(as_text=True)
    assert draft_row(app, token).previous_number_hash is None
    post_step(client, token, "identity", identity_fields(name_latin="CHEN, MEILING", name_changed="y"))
    post_step(client, token, "previous", {"previous_number": number, "previous_expiry": "2036-01-01"})
    with app.app_context(), unit_of_work() as session:
        assert drafts.renewal_name_differs(session, drafts.draft_by_token(session, token)) is False


def test_identifiers_are_encrypted_at_rest_and_found_by_their_keyed_hash(app, citizen, make_passport_application):
    from portal.core import crypto
    from portal.extensions import db
    from portal.passports.models import PassportApplication

    first = make_passport_application(citizen)
    second = make_passport_application(citizen)
    one, two = application_of(app, first), application_of(app, second)
    assert NATIONAL_ID.encode() not in one["national_id_cipher"]
    assert one["national_id_cipher"] != two["national_id_cipher"]  # a fresh nonce each time
    assert one["national_id_hash"] == two["national_id_hash"]
    with app.app_context():
        raw = db.session.execute(sa.text("SELECT * FROM passport_applications")).mappings().all()
        assert not any(NATIONAL_ID in str(value) for row in raw for value in row.values())
        with pytest.raises(crypto.DecryptionError):
            crypto.decrypt(one["national_id_cipher"], table="passport_applications", column="previous_number")
        with pytest.raises(crypto.DecryptionError):
            crypto.decrypt(one["national_id_cipher"], table="passport_applications", column="national_id",
                           config={"PII_ENCRYPTION_KEY": crypto.new_key()})
        tampered = bytearray(one["national_id_cipher"])
        tampered[-1] ^= 1
        with pytest.raises(crypto.DecryptionError):
            crypto.decrypt(bytes(tampered), table="passport_applications", column="national_id")
        found = db.session.scalars(sa.select(PassportApplication).where(
            PassportApplication.national_id_hash == crypto.keyed_hash(NATIONAL_ID, purpose="national_id"))).all()
        assert len(found) == 2


def test_production_refuses_to_start_without_pii_keys_and_development_derives_them(app, monkeypatch):
    from config import settings
    from portal import create_app
    from portal.core.crypto import PiiKeyError
    from portal.documents.signing import new_private_key

    for name in ("PORTAL_PII_ENCRYPTION_KEY", "PORTAL_PII_HASH_KEY"):
        monkeypatch.delenv(name, raising=False)
    base = {"SECRET_KEY": "x" * 32, "DATABASE_URL": app.config["DATABASE_URL"],
            "DOCUMENT_SIGNING_KEY": new_private_key()}
    with pytest.raises(PiiKeyError, match="PII_ENCRYPTION_KEY"):
        create_app(base, env="production")
    same = "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE="
    with pytest.raises(PiiKeyError, match="different keys"):
        create_app({**base, "PII_ENCRYPTION_KEY": same, "PII_HASH_KEY": same}, env="production")
    with pytest.raises(PiiKeyError, match="32 bytes"):
        create_app({**base, "PII_ENCRYPTION_KEY": "c2hvcnQ=", "PII_HASH_KEY": same}, env="production")
    development = settings.load("development", {"SECRET_KEY": "dev"})
    assert development["PII_ENCRYPTION_KEY"] == settings.derived_pii_key("dev", b"encryption")
    assert development["PII_HASH_KEY"] != development["PII_ENCRYPTION_KEY"]


class Capture(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.lines = []

    def emit(self, record):
        self.lines.append(self.format(record))


def test_a_whole_journey_never_writes_a_national_id_or_passport_number_to_the_logs(app, citizen, officer):
    capture = Capture()
    root, engine_log = logging.getLogger(), logging.getLogger("sqlalchemy.engine")
    old_levels = root.level, engine_log.level
    root.addHandler(capture)
    root.setLevel(logging.DEBUG)
    engine_log.setLevel(logging.INFO)  # every SQL statement and its parameters
    try:
        mine = signed_in(app, citizen)
        reference = apply_online(mine)
        staff = signed_in(app, officer)
        claim(app, staff, reference)
        for action in ("approve", "print", "ready"):
            assert act(app, staff, reference, action).status_code == 303
        staff.get(f"/staff/cases/{reference}")
        logging.getLogger("portal.example").warning("looked up %s and passport %s", NATIONAL_ID, "312345678")
    finally:
        root.removeHandler(capture)
        root.setLevel(old_levels[0])
        engine_log.setLevel(old_levels[1])
    number = application_of(app, reference)["passport_number"]
    logs = "\n".join(capture.lines)
    assert "INSERT INTO passport_applications" in logs or "UPDATE passport_applications" in logs
    assert "looked up [redacted] and passport [redacted]" in logs
    assert NATIONAL_ID not in logs and number not in logs and "312345678" not in logs


def test_the_service_level_clock_stops_while_waiting_on_the_citizen(app, citizen, officer,
                                                                    make_passport_application):
    start = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # a Monday
    with time_machine.travel(start, tick=False):
        reference = make_passport_application(citizen)
        staff = signed_in(app, officer)
        claim(app, staff, reference)
        act(app, staff, reference, "request_info", "Which office?")
    due_before = load_case(app, reference)[0].due_at
    with time_machine.travel(start + timedelta(days=7), tick=False):
        mine = signed_in(app, citizen)
        case, _ = load_case(app, reference)
        mine.post(f"/account/cases/{reference}", data={"action": "resubmit", "note": "Tokyo.",
                                                       "version": case.version})
    assert load_case(app, reference)[0].due_at > due_before


def test_staff_see_the_national_id_masked_and_revealing_it_is_logged_for_supervisors(
        app, citizen, officer, make_user, make_passport_application):
    from portal.core.audit import PersonalDataView
    from portal.extensions import db
    from portal.passports.national_id import masked

    reference = make_passport_application(citizen)
    staff = signed_in(app, officer)
    page = staff.get(f"/staff/cases/{reference}").get_data(as_text=True)
    assert NATIONAL_ID not in page and masked(NATIONAL_ID) in page
    assert "Show the full national ID" in page
    assert staff.get(f"/staff/passports/{reference}/national-id").status_code == 405  # an action, not a link
    shown = staff.post(f"/staff/passports/{reference}/national-id")
    assert shown.status_code == 200 and NATIONAL_ID in shown.get_data(as_text=True)
    assert shown.headers["Cache-Control"] == "no-store"
    with app.app_context():
        [view] = db.session.scalars(sa.select(PersonalDataView)).all()
        assert view.viewer_id == officer.id and view.field == "national_id"

    # Another mission's officer and the citizen cannot reveal it; nothing is logged for them.
    stranger = signed_in(app, make_user("staff", mission="seoul"))
    assert stranger.post(f"/staff/passports/{reference}/national-id").status_code == 404
    assert signed_in(app, citizen).post(f"/staff/passports/{reference}/national-id").status_code == 403
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PersonalDataView)) == 1

    # Supervisors read the log; officers may not.
    assert staff.get("/staff/personal-data-views").status_code == 403
    log = signed_in(app, make_user("supervisor", mission="tokyo")).get("/staff/personal-data-views")
    text = log.get_data(as_text=True)
    assert log.status_code == 200 and reference in text and officer.name in text and NATIONAL_ID not in text


def test_ready_to_collect_says_where_when_what_to_bring_the_fee_and_until_when(
        app, citizen, officer, make_passport_application, outbox, get_page):
    from datetime import timedelta

    from portal.core.i18n import format_day
    from portal.core.workdays import TAIPEI

    reference = make_passport_application(citizen, "renewal")
    staff = signed_in(app, officer)
    claim(app, staff, reference)
    for action in ("approve", "print", "ready"):
        assert act(app, staff, reference, action).status_code == 303
    ready_at = load_case(app, reference)[0].events[-1].at
    mail = outbox(citizen.email)[-1]
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        keep_until = format_day((ready_at + timedelta(days=90)).astimezone(TAIPEI).date())
    assert mail.subject == f"Your passport is ready to collect: {reference}"
    for expected in ("Taipei Economic and Cultural Representative Office in Japan",
                     "5-20-2 Shirokanedai, Minato-ku, Tokyo", "Opening hours: Monday to Friday",
                     "https://www.openstreetmap.org/search?query=5-20-2+Shirokanedai",
                     "- Your national ID card", "- Your current passport: it is cancelled and handed back to you.",
                     "Fee: NT$1,", f"We keep it for you until {keep_until}."):
        assert expected in mail.body, expected
    _, page = get_page(f"/account/cases/{reference}", client_=signed_in(app, citizen))
    block = " ".join(part.strip() for part in page.find(".//section[@aria-labelledby='collect-title']").itertext()
                     if part.strip())
    assert "5-20-2 Shirokanedai" in block and f"Kept until {keep_until}" in block and "Open the map" in block
    assert "Your current passport" in block


def test_asked_for_more_the_applicant_uploads_a_new_photo_changes_an_answer_and_replies(
        app, citizen, officer, make_passport_application, outbox, get_page):
    from tests.fixtures.documents import post_multipart
    from tests.fixtures.passports import contact_fields, photo_bytes, photo_upload

    reference = make_passport_application(citizen, "renewal")
    staff = signed_in(app, officer)
    claim(app, staff, reference)
    assert act(app, staff, reference, "request_info", "Please send a photo without glasses.").status_code == 303
    mail = outbox(citizen.email)[-1]
    assert f"/account/cases/{reference}#more-information" in mail.body
    mine = signed_in(app, citizen)
    _, page = get_page(f"/account/cases/{reference}", client_=mine)
    notice = page.find(".//section[@id='more-information']")
    text = " ".join(part.strip() for part in notice.itertext() if part.strip())
    assert "We need more information from you" in text and "Please send a photo without glasses." in text
    links = {a.text: a.get("href") for a in notice.iter("a")}
    assert list(links)[0] == "Upload a new photo" and "Change how we can reach you" in links

    before = application_of(app, reference)
    uploaded = post_multipart(mine, links["Upload a new photo"], photo_upload(photo_bytes(size=(826, 1063))))
    assert uploaded.status_code == 303
    photo_page = mine.get(uploaded.headers["Location"]).get_data(as_text=True)
    assert f'href="/account/cases/{reference}#more-information">Use this photo and continue' in photo_page
    changed = mine.post(links["Change how we can reach you"], data=contact_fields(phone="+81 90 9999 0000"))
    assert changed.headers["Location"] == f"/account/cases/{reference}#more-information"
    after = application_of(app, reference)
    assert after["photo_id"] != before["photo_id"] and after["phone"] == "+81 90 9999 0000"
    token = after["token"]
    assert mine.get(f"/passports/applications/{token}/type").status_code == 404  # the kind is settled
    assert mine.get(f"/passports/applications/{token}/check").headers["Location"].endswith("#more-information")

    case, _ = load_case(app, reference)
    assert mine.post(f"/account/cases/{reference}", data={"action": "resubmit", "note": "New photo and phone.",
                                                          "version": case.version}).status_code == 303
    assert load_case(app, reference)[0].status == "resubmitted"
    # the reply is sent: the application is closed to changes again
    assert mine.get(f"/passports/applications/{token}/contact").headers["Location"] == f"/account/cases/{reference}"
    refused = mine.post(f"/passports/applications/{token}/contact", data=contact_fields(phone="+81 90 1111 1111"))
    assert refused.status_code == 303 and application_of(app, reference)["phone"] == "+81 90 9999 0000"
    assert mine.get(f"/account/cases/{reference}").get_data(as_text=True).count('id="more-information"') == 0


def test_the_request_for_more_information_is_one_notice_for_every_kind(app, citizen, officer, make_enquiry,
                                                                       make_document_request, get_page):
    from tests.integration.test_document_workflow import act as act_on_documents

    enquiry = make_enquiry(citizen)
    staff = signed_in(app, officer)
    staff.post(f"/staff/cases/{enquiry}/claim", data={"version": 1})
    staff.post(f"/staff/cases/{enquiry}/act", data={"action": "start", "version": 2})
    staff.post(f"/staff/cases/{enquiry}/act", data={"action": "request_info", "version": 3,
                                                   "note": "Which city do you live in?"})
    documents = make_document_request(citizen)
    staff.post(f"/staff/cases/{documents}/claim", data={"version": 1})
    assert act_on_documents(app, staff, documents, "request_info", "The seal on page 2 is unreadable.").status_code \
        == 303
    mine = signed_in(app, citizen)
    for reference, note, remedy in ((enquiry, "Which city do you live in?", None),
                                    (documents, "The seal on page 2 is unreadable.", "Add scans of your documents")):
        _, page = get_page(f"/account/cases/{reference}", client_=mine)
        notice = page.find(".//section[@id='more-information']")
        assert notice is not None, reference
        text = " ".join(part.strip() for part in notice.itertext() if part.strip())
        assert note in text
        assert (remedy in text) if remedy else ("Add scans" not in text and "photo" not in text)
