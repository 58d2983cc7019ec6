"""Visitor visa applications: the form checked against the passport's own zone and the rules, the
case through more information to a decision, the visa's MRV-A zone (read by the independent `mrz`
package), its code on the shared /verify check, the mail at each decision, and the wrong people."""

import io
import re
import threading
from datetime import date

import pytest
import sqlalchemy as sa
import time_machine
from mrz.checker.mrva import MRVACodeChecker

from tests.fixtures.accounts import signed_in_client
from tests.fixtures.documents import post_multipart, with_scans
from tests.fixtures.files import pdf_bytes
from tests.fixtures.pages import page_text
from tests.fixtures.visas import passport_zone, visa_fields

pytestmark = pytest.mark.usefixtures("headquarters", "visa_rules")


@pytest.fixture(autouse=True)
def wednesday_2_december_2026():
    with time_machine.travel("2026-12-02 10:00 +08:00", tick=False):
        yield


def applications(app):
    from portal.extensions import db
    from portal.visas.models import VisaApplication

    with app.app_context():
        found = db.session.scalars(sa.select(VisaApplication).order_by(VisaApplication.id)).all()
        for application in found:
            _ = application.visa, application.case, [f.upload for f in application.files]
        db.session.expunge_all()
        return found


def send(app, client, **overrides):
    return post_multipart(client, "/visas/apply/send", with_scans(visa_fields(app, **overrides),
                                                                     (pdf_bytes(), "passport.pdf")))


def act(app, client, reference, action, note=""):
    from portal.core.cases.service import case_by_reference
    from portal.extensions import db

    with app.app_context():
        case = case_by_reference(db.session, reference)
        version = case.version
    return client.post(f"/staff/cases/{reference}/act", data={"action": action, "note": note, "version": version,
                                                              "confirmed": "yes"})


def claim(app, client, reference):
    from portal.core.cases.service import case_by_reference
    from portal.extensions import db

    with app.app_context():
        version = case_by_reference(db.session, reference).version
    assert client.post(f"/staff/cases/{reference}/claim", data={"version": version}).status_code == 303


def test_the_look_up_leads_to_an_application_that_is_checked_then_sent(app, citizen, outbox):
    applicant = signed_in_client(app, citizen)
    look_up = applicant.get("/visas?nationality=NG&purpose=business").get_data(as_text=True)
    start = re.search(r'href="(/visas/apply\?[^"]+)"', look_up).group(1).replace("&amp;", "&")
    form = applicant.get(start).get_data(as_text=True)
    assert re.search(r'<option selected value="NG">', form) and re.search(r'<option selected value="business">', form)
    check = applicant.post("/visas/apply", data=visa_fields(app))
    text = page_text(check)
    assert check.status_code == 200 and "Check digits correct" in text and "NT$1,600" in text
    assert "OKAFOR, Chinedu Emeka" in text and "1 February 2027 – 10 February 2027" in text
    response = send(app, applicant)
    assert response.status_code == 303
    [application] = applications(app)
    assert application.passport_number == "A12345678" and application.fee_total == 1600
    assert application.passport_mrz.splitlines() == passport_zone().splitlines()
    assert [f.upload.kind for f in application.files] == ["pdf"]
    [mail] = outbox(citizen.email)
    assert application.case.reference in mail.subject and "NT$1,600" in mail.body


def test_a_second_press_of_send_makes_one_application(app, citizen):
    applicant = signed_in_client(app, citizen)
    codes = []

    def press():
        codes.append(send(app, applicant, token="double-press").status_code)

    threads = [threading.Thread(target=press) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert codes == [303, 303] and len(applications(app)) == 1


@pytest.mark.parametrize(("changes", "message"), [
    ({"passport_mrz": passport_zone()[:60]}, "two lines of 44 characters"),
    ({"passport_mrz": passport_zone().replace("A123456784", "A123456785")}, "after the passport number"),
    ({"passport_mrz": passport_zone().replace("9005042", "9005043")}, "after the date of birth"),
    ({"passport_mrz": passport_zone().replace("3201015", "3201016")}, "after the expiry date"),
    ({"passport_mrz": passport_zone()[:-1] + "9"}, "last check digit"),
    ({"passport_mrz": passport_zone(surname="Okafur")}, "what you entered for the name"),
    ({"passport_mrz": passport_zone(birth="900505")}, "for the date of birth"),
    ({"nationality_code": "GH"}, "for the nationality"),
    ({"arrival_on-year": "2025"}, "must be after today"),
    ({"departure_on-month": "6"}, "up to 90 days"),
    ({"passport_expiry-year": "2027", "passport_mrz": passport_zone(expiry="270101")}, "at least 6 months"),
    ({"nationality_code": "JP", "passport_mrz": passport_zone(nationality="JPN")}, "You do not need this visa"),
    ({"purpose": "study"}, "tourism, business or visiting family"),
    ({"birth_date-day": "31", "birth_date-month": "2"}, "Enter a real date"),
    ({"surname": ""}, "Enter your surname"),
])
def test_a_wrong_answer_is_refused_with_what_to_fix(app, citizen, changes, message):
    applicant = signed_in_client(app, citizen)
    response = applicant.post("/visas/apply", data=visa_fields(app, **changes))
    assert response.status_code == 400 and message in page_text(response)
    assert send(app, applicant, **changes).status_code == 400 and applications(app) == []


def test_a_visit_longer_than_visa_free_allows_needs_the_visa(app, citizen):
    """Thai visitors are visa-free for 14 days: a 10-day visit needs no visa, a 28-day one does."""
    applicant = signed_in_client(app, citizen)
    thai = {"nationality_code": "TH", "passport_mrz": passport_zone(nationality="THA")}
    short = applicant.post("/visas/apply", data=visa_fields(app, **thai))
    assert short.status_code == 400 and "up to 14 days" in page_text(short)
    longer = applicant.post("/visas/apply", data=visa_fields(app, **thai, **{"departure_on-day": "28"}))
    assert longer.status_code == 200 and "Check digits correct" in page_text(longer)


def test_scans_are_checked_by_their_content(app, citizen):
    applicant = signed_in_client(app, citizen)
    fake = post_multipart(applicant, "/visas/apply/send", with_scans(visa_fields(app), (b"just text", "passport.pdf")))
    assert fake.status_code == 400 and "passport.pdf" in page_text(fake)
    none = post_multipart(applicant, "/visas/apply/send", visa_fields(app))
    assert none.status_code == 400 and "Attach a scan" in page_text(none)
    assert applications(app) == []


def _approved(app, citizen, officer):
    applicant, staff = signed_in_client(app, citizen), signed_in_client(app, officer)
    assert send(app, applicant).status_code == 303
    reference = applications(app)[0].case.reference
    claim(app, staff, reference)
    return applicant, staff, reference


def test_more_information_then_approval_issues_a_visa_the_mrz_package_reads(app, citizen, officer, outbox, client):
    applicant, staff, reference = _approved(app, citizen, officer)
    assert act(app, staff, reference, "request_info", "Please add your hotel booking.").status_code == 303
    asked = outbox(citizen.email)[-1]
    assert "Please add your hotel booking." in asked.body
    page = applicant.get(f"/account/cases/{reference}").get_data(as_text=True)
    assert f"/visas/applications/{reference}/scans" in page
    added = post_multipart(applicant, f"/visas/applications/{reference}/scans",
                           {"scans": [(io.BytesIO(pdf_bytes()), "hotel.pdf")]})
    assert added.status_code == 303 and len(applications(app)[0].files) == 2
    assert applicant.post(f"/account/cases/{reference}", data={
        "action": "resubmit", "note": "Booking attached.", "version": _version(app, reference)}).status_code == 303
    assert act(app, staff, reference, "approve").status_code == 303

    visa = applications(app)[0].visa
    assert re.fullmatch(r"[1-9][0-9]{8}", visa.number) and visa.valid_from == date(2027, 2, 1)
    assert visa.valid_until == date(2027, 5, 1) and visa.stay_days == 14
    checker = MRVACodeChecker(f"{visa.mrz_line1}\n{visa.mrz_line2}")
    assert bool(checker) and not checker.report.errors, checker.report.errors
    fields = checker.fields()
    assert (fields.document_type, fields.country, fields.surname, fields.name) == ("V", "TWN", "OKAFOR",
                                                                                    "CHINEDU EMEKA")
    assert (fields.document_number, fields.nationality, fields.birth_date, fields.sex, fields.expiry_date) == (
        visa.number, "NGA", "900504", "M", "270501")
    [mail] = [m for m in outbox(citizen.email) if "is approved" in m.subject]
    assert visa.number in mail.body and visa.display_code in mail.body and "1 May 2027" in mail.body

    verified = page_text(client.get(f"/verify?code={visa.display_code}"))
    assert "Type: Visa" in verified and "Issued, valid from 1 February 2027" in verified
    assert "C○ E○ O○" in verified and "Nigeria" in verified and "Okafor" not in verified
    with time_machine.travel("2027-02-05 10:00 +08:00", tick=False):
        assert "Valid visa" in page_text(client.get(f"/verify?code={visa.display_code.lower()}"))
    with time_machine.travel("2027-05-02 10:00 +08:00", tick=False):
        assert "Expired on 1 May 2027" in page_text(client.get(f"/verify/{visa.display_code}"))


def _version(app, reference):
    from portal.core.cases.service import case_by_reference
    from portal.extensions import db

    with app.app_context():
        return case_by_reference(db.session, reference).version


def test_a_refusal_needs_a_reason_that_is_mailed(app, citizen, officer, outbox):
    applicant, staff, reference = _approved(app, citizen, officer)
    act(app, staff, reference, "refuse", "")
    assert applications(app)[0].case.status == "submitted"  # no reason, no refusal
    assert act(app, staff, reference, "refuse", "The purpose of the visit could not be confirmed.").status_code == 303
    assert applications(app)[0].case.status == "refused" and applications(app)[0].visa is None
    assert "could not be confirmed" in outbox(citizen.email)[-1].body
    assert "could not be confirmed" in page_text(applicant.get(f"/account/cases/{reference}"))


def test_only_the_applicant_and_the_mission_see_an_application(app, citizen, officer, make_user):
    applicant, staff, reference = _approved(app, citizen, officer)
    upload_id = applications(app)[0].files[0].upload_id
    other = signed_in_client(app, make_user("citizen"))
    for path in (f"/account/cases/{reference}", f"/visas/files/{upload_id}",
                 f"/visas/applications/{reference}/scans"):
        assert other.get(path).status_code == 404, path
    assert post_multipart(other, f"/visas/applications/{reference}/scans",
                          {"scans": [(io.BytesIO(pdf_bytes()), "x.pdf")]}).status_code == 404
    elsewhere = signed_in_client(app, make_user("staff", mission="london"))
    assert elsewhere.get(f"/staff/cases/{reference}").status_code == 404
    assert elsewhere.get(f"/visas/files/{upload_id}").status_code == 404
    assert applicant.get(f"/visas/files/{upload_id}").status_code == 200
    assert staff.get(f"/visas/files/{upload_id}").status_code == 200
    # an applicant cannot approve their own application, nor staff reply for them
    applicant.post(f"/account/cases/{reference}", data={"action": "approve", "version": _version(app, reference)})
    assert applications(app)[0].case.status == "submitted"


def test_the_application_reads_in_chinese(app, make_user):
    applicant = signed_in_client(app, make_user("citizen", locale="zh_Hant_TW"))
    text = page_text(applicant.get("/visas/apply", headers={"Accept-Language": "zh-TW"}))
    assert "申請停留簽證" in text and "護照號碼" in text
