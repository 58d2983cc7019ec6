"""The citizen's side: information, eligibility, the steps saved as a draft, the photo, check
your answers, submission once, the daily cap, and who may see what."""

import io
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
import time_machine
from PIL import Image

from tests.fixtures.accounts import sign_in
from tests.fixtures.cases import load_case
from tests.fixtures.documents import post_multipart
from tests.fixtures.files import pdf_bytes
from tests.fixtures.pages import text_of
from tests.fixtures.passports import NATIONAL_ID, application_of, identity_fields, photo_bytes, photo_upload
from tests.integration.passports.helpers import (
    apply_online,
    count,
    draft_row,
    fill_in,
    post_step,
    send,
    start,
)


def test_the_information_page_is_public_cacheable_and_shows_fees_and_validity(client, get_page):
    response, document = get_page("/passports")
    text = text_of(document)
    assert "NT$1,300" in text and "NT$900" in text and "10 years" in text and "5 years" in text
    assert "Renewal" in text and "lost or stolen" in text and "413 × 531" in text
    assert "public" in response.headers["Cache-Control"] and response.headers["ETag"]
    chinese = client.get("/passports", headers={"Accept-Language": "zh-TW"}).get_data(as_text=True)
    assert "護照" in chinese and "新臺幣1,300元" in chinese
    home = client.get("/").get_data(as_text=True)
    assert 'href="/passports"' in home


def test_applying_asks_a_signed_out_visitor_to_sign_in_first(client):
    response = client.get("/passports/apply")
    assert response.status_code == 302 and "/account/login?next=/passports/apply" in response.headers["Location"]


def test_the_eligibility_check_says_why_someone_cannot_apply_online(app, client, citizen, get_page):
    from portal.passports.models import PassportApplication

    sign_in(client, citizen)
    _, page = get_page("/passports/apply")
    assert "First adult passport" in text_of(page) and "NT$1,300" in text_of(page)
    response = client.post("/passports/apply", data={})
    assert response.status_code == 400
    assert "Choose the kind of application." in response.get_data(as_text=True)
    assert "Say whether your current passport is damaged." in response.get_data(as_text=True)
    response = client.post("/passports/apply", data={
        "application_type": "renewal", "has_national_id": "yes", "passport_damaged": "yes",
        "chinese_name_changed": "yes", "lawful_residence": "no"})
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "You cannot apply online" in text
    assert "A damaged passport has to be examined" in text and "household registration transcript" in text
    assert "valid visa or residence permit" in text
    assert count(app, PassportApplication) == 0


def test_a_citizen_applies_step_by_step_and_gets_a_reference_fee_and_email(app, client, citizen, outbox,
                                                                            get_page):
    from portal.core.cases.models import Case

    sign_in(client, citizen)
    token = start(client)
    _, page = get_page(f"/passports/applications/{token}/identity")
    assert "Step 2 of 5" in text_of(page) and "How we use your personal data" in text_of(page)
    fill_in(client, token)
    _, page = get_page(f"/passports/applications/{token}/check")
    text = text_of(page)
    assert "A123456789" in text and "CHEN, MEI-LING" in text and "NT$1,300" in text and "10 years" in text
    assert page.find(f".//a[@href='/passports/applications/{token}/identity?change=1']") is not None
    assert page.find(".//img[@class]") is None and page.findall(".//figure//img")
    response = send(client, token)
    reference = response.headers["Location"].split("/account/cases/")[1].split("?")[0]
    assert reference.startswith("PPT-")
    _, page = get_page(response.headers["Location"])
    text = text_of(page)
    assert "Your request has been sent" in text and reference in text and "NT$1,300" in text
    assert "What happens next" in text
    message = outbox(citizen.email)[-1]
    assert reference in message.subject and "NT$1,300" in message.body and "Taipei Economic" in message.body
    assert NATIONAL_ID not in message.body
    case, events = load_case(app, reference)
    assert case.kind == "passport" and case.mission.code == "tokyo" and events[0][0] == "submit"
    # Sent again (back button, double click): the same case, nothing new.
    again = send(client, token)
    assert again.headers["Location"].split("?")[0] == response.headers["Location"].split("?")[0]
    assert count(app, Case) == 1 and len(outbox(citizen.email)) == 1
    # The draft can no longer be changed.
    assert post_step(client, token, "contact", {"email": "x@example.tw"}, status=303).headers[
        "Location"].endswith(f"/account/cases/{reference}")
    assert draft_row(app, token).email == "mei-ling@example.tw"


@pytest.mark.parametrize(("field", "value", "message"), [
    ("national_id", "", "Enter your national identification number."),
    ("national_id", "A12345678", "one letter and nine digits"),
    ("national_id", "A123456788", "This national identification number is not valid"),
    ("national_id", "A323456789", "The second character of a national identification number is 1 or 2"),
    ("national_id", "A12345678٩", "one letter and nine digits"),
    ("name_zh", "", "Enter your name in Chinese characters."),
    ("name_zh", "Mei Ling", "Write your name in Chinese characters only."),
    ("name_latin", "", "Enter your name in Latin letters as it should print."),
    ("name_latin", "CHEN, MEI-LING2", "Use only capital letters A–Z"),
    ("name_latin", "CHEN, MEI, LING", "Use only capital letters A–Z"),
    ("birth_date", "", "Enter your date of birth."),
    ("birth_date", "31/05/1990", "Enter your date of birth as a real date"),
    ("birth_date", "2999-01-01", "The date of birth must be in the past."),
    ("birth_date", "2015-01-01", "Applicants under 18 need a minor"),
    ("birth_place", "", "Enter your place of birth."),
    ("sex", "", "Choose the sex shown in your household registration."),
    ("sex", "Q", "Choose the sex shown in your household registration."),
    ("sex", "X", "Choose the sex shown in your household registration."),
    ("height_cm", "", "Enter your height in centimetres."),
    ("height_cm", "1.62m", "whole number of centimetres"),
    ("height_cm", "١٦٢", "whole number of centimetres"),
])
def test_each_identity_answer_has_a_clear_message_and_nothing_is_saved(app, client, citizen, field, value, message):
    sign_in(client, citizen)
    token = start(client)
    response = post_step(client, token, "identity", identity_fields(**{field: value}), status=400)
    text = response.get_data(as_text=True)
    assert message in text and 'class="error-summary"' in text
    row = draft_row(app, token)
    assert row.national_id_hash is None and row.name_zh is None and row.birth_date is None


def test_full_width_and_lower_case_input_is_normalised_before_it_is_checked(app, client, citizen):
    sign_in(client, citizen)
    token = start(client)
    post_step(client, token, "identity", identity_fields(national_id="ａ１２３４５６７８９",
                                                          name_latin="chen,  mei-ling"))
    row = draft_row(app, token)
    with app.app_context():
        assert row.national_id == NATIONAL_ID and row.name_latin == "CHEN, MEI-LING"


def test_contact_and_pickup_answers_are_checked(app, client, citizen):
    sign_in(client, citizen)
    token = start(client)
    text = post_step(client, token, "contact", {"email": "not-an-address", "phone": "call me", "address": ""},
                     status=400).get_data(as_text=True)
    assert "Enter an email address like name@example.com." in text and "Enter a phone number with digits only" in text
    assert "Enter the address where you live now." in text
    text = post_step(client, token, "pickup", {"pickup": "mission:atlantis"}, status=400).get_data(as_text=True)
    assert "Choose where you will collect your passport from the list." in text
    assert draft_row(app, token).pickup_mission_id is None


def test_a_domestic_office_pickup_goes_to_headquarters(app, client, citizen, headquarters):
    sign_in(client, citizen)
    token = start(client)
    fill_in(client, token)
    post_step(client, token, "pickup", {"pickup": "office:southern"})
    reference = send(client, token).headers["Location"].split("/account/cases/")[1].split("?")[0]
    case, _ = load_case(app, reference)
    assert case.mission.code == "hq"
    assert "Southern Taiwan Office, Kaohsiung" in client.get(f"/account/cases/{reference}").get_data(as_text=True)


def test_renewal_and_replacement_ask_about_the_previous_passport(app, client, citizen):
    sign_in(client, citizen)
    token = start(client, "renewal")
    assert client.get(f"/passports/applications/{token}/previous").status_code == 200
    assert "When was it lost" not in client.get(f"/passports/applications/{token}/previous").get_data(as_text=True)
    text = post_step(client, token, "previous", {"previous_number": "12345", "previous_expiry": ""},
                     status=400).get_data(as_text=True)
    assert "A passport number has nine digits" in text and "Enter the expiry date of your previous passport." in text
    text = post_step(client, token, "previous", {"previous_number": "٣12345678", "previous_expiry": "2030-01-01"},
                     status=400).get_data(as_text=True)
    assert "A passport number has nine digits" in text
    token = start(client, "replacement")
    text = post_step(client, token, "previous", {"previous_number": "312345678", "previous_expiry": "2030-01-01"},
                     status=400).get_data(as_text=True)
    assert "Enter the date the passport was lost or stolen." in text and "Say where the passport was lost" in text
    assert "Say whether you reported it to the police." in text
    post_step(client, token, "previous", {"previous_number": "312345678", "previous_expiry": "2030-01-01",
                                          "lost_on": "2026-10-01", "lost_where": "Shinjuku", "police_reported": "no"})
    row = draft_row(app, token)
    with app.app_context():
        assert row.previous_number == "312345678" and row.lost_where == "Shinjuku" and row.police_reported is False
    # The first adult passport never asks: the step does not exist for it.
    first = start(client)
    assert client.get(f"/passports/applications/{first}/previous").status_code == 404


def test_a_minor_needs_consent_and_a_child_under_14_gets_5_years_for_less(app, client, citizen):
    sign_in(client, citizen)
    token = start(client, "minor")
    text = post_step(client, token, "identity", identity_fields(birth_date="1990-05-31"),
                     status=400).get_data(as_text=True)
    assert "The applicant is 18 or over" in text
    text = post_step(client, token, "guardian", {"guardian_name": "陳大文", "guardian_relationship": "father"},
                     status=400).get_data(as_text=True)
    assert "consent is needed for an applicant under 18" in text
    reference = apply_online(client, "minor", extra_steps=[
        ("guardian", {"guardian_name": "陳大文", "guardian_relationship": "father", "guardian_consent": "y"})])
    found = application_of(app, reference)
    assert found["fee"] == 900 and found["validity_years"] == 5


def test_a_draft_is_kept_on_the_server_and_resumed_from_my_cases_after_signing_in_again(app, client, citizen,
                                                                                        get_page):
    sign_in(client, citizen)
    token = start(client)
    post_step(client, token, "identity", identity_fields())
    client.post("/account/logout")
    assert client.get(f"/passports/applications/{token}/contact").status_code == 302  # signed out: to sign-in
    browser = app.test_client()
    sign_in(browser, citizen)
    _, page = get_page("/account", client_=browser)
    assert "Applications not sent yet" in text_of(page) and "陳美玲" in text_of(page)
    link = page.find(".//a[.='Continue this application']").get("href")
    _, page = get_page(link, client_=browser)
    assert "A123456789" in text_of(page) and "Give your contact details." in text_of(page)
    assert "Send application" not in text_of(page)  # not complete yet: no declaration to tick
    assert send(browser, token, status=400)


def test_the_declaration_must_be_ticked(app, client, citizen):
    from portal.core.cases.models import Case

    sign_in(client, citizen)
    token = start(client)
    fill_in(client, token)
    response = client.post(f"/passports/applications/{token}/check", data={})
    assert response.status_code == 400 and "Tick the declaration" in response.get_data(as_text=True)
    assert count(app, Case) == 0


def test_the_daily_cap_closes_applications_until_midnight_taipei_and_keeps_drafts(monkeypatch, app, client, citizen,
                                                                                  make_passport_application,
                                                                                  make_passport_draft,
                                                                                  make_user):
    from portal.core.cases.models import Case

    monkeypatch.setitem(app.config, "PASSPORT_DAILY_CAP", 1)
    with time_machine.travel(datetime(2026, 11, 27, 3, 0, tzinfo=UTC), tick=False):
        waiting = make_passport_draft(citizen)
        make_passport_application(make_user("citizen"))
        sign_in(client, citizen)
        page = client.get("/passports/apply").get_data(as_text=True)
        assert "applications are full" in page and "28 November 2026 00:00" in page
        response = send(client, waiting, status=400)
        assert "online applications are full. Your application is saved" in response.get_data(as_text=True)
        assert count(app, Case) == 1 and draft_row(app, waiting).case_id is None
    # 00:00 Taipei is 16:00 UTC the day before.
    with time_machine.travel(datetime(2026, 11, 27, 16, 0, 1, tzinfo=UTC), tick=False):
        sign_in(client, citizen)  # thirteen hours on, the session has ended; the draft has not
        assert "applications are full" not in client.get("/passports/apply").get_data(as_text=True)
        send(client, waiting)
        assert count(app, Case) == 2


def test_counting_todays_submissions_is_one_query(app, citizen, make_passport_application, count_queries):
    from portal.extensions import db
    from portal.passports.rules import submissions_today

    for _ in range(3):
        make_passport_application(citizen)
    found = []
    with app.app_context():
        assert count_queries(lambda: found.append(submissions_today(db.session))) == 1
    assert found == [3]


# --- the photo ----------------------------------------------------------------------------------

def upload(client, token, content, name="photo.jpg"):
    return post_multipart(client, f"/passports/applications/{token}/photo", photo_upload(content, name))


@pytest.mark.parametrize(("content", "name", "message"), [
    (b"not really a photo", "photo.jpg", "The file must be a JPEG, PNG file."),
    (pdf_bytes(), "photo.png", "The file must be a JPEG, PNG file."),
    (b"\xff\xd8\xff" + b"\0" * 2000, "photo.jpg", "The image could not be read."),
    (photo_bytes(size=(300, 386)), "small.jpg", "it must be at least 413 × 531"),
    (photo_bytes(size=(600, 600)), "square.jpg", "35 wide by 45 high"),
    (photo_bytes("PNG", size=(531, 413)), "landscape.png", "35 wide by 45 high"),
    (b"", "empty.jpg", "The file is empty."),
])
def test_a_refused_photo_says_why_and_nothing_is_stored(app, client, citizen, content, name, message):
    from portal.core.uploads import Upload

    sign_in(client, citizen)
    token = start(client)
    response = upload(client, token, content, name)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert count(app, Upload) == 0 and draft_row(app, token).photo_id is None


def test_a_photo_over_5_mb_is_refused_before_it_is_stored(app, client, citizen):
    from portal.core.uploads import Upload

    sign_in(client, citizen)
    token = start(client)
    big = photo_bytes() + b"\0" * (5 * 1024 * 1024)
    response = upload(client, token, big)
    assert response.status_code == 400 and "smaller than 5 MB" in response.get_data(as_text=True)
    assert count(app, Upload) == 0


def test_a_good_photo_loses_its_metadata_and_replaces_the_previous_one(app, client, citizen, get_page):
    from portal.core.uploads import Upload

    sign_in(client, citizen)
    token = start(client)
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    assert upload(client, token, photo_bytes(size=(826, 1063), exif=exif.tobytes())).status_code == 303
    _, page = get_page(f"/passports/applications/{token}/photo")
    assert "826 × 1063 pixels" in text_of(page)
    photo_url = page.find(".//figure/img").get("src")
    served = client.get(photo_url)
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert served.headers["Cache-Control"] == "no-store" and "sandbox" in served.headers["Content-Security-Policy"]
    assert b"SecretCam" not in served.data and not Image.open(io.BytesIO(served.data)).getexif()
    assert upload(client, token, photo_bytes("PNG")).status_code == 303
    assert count(app, Upload) == 1 and client.get(photo_url).status_code == 404


# --- who may see what ---------------------------------------------------------------------------

def test_drafts_and_photos_are_the_applicants_alone_until_sent(app, client, citizen, make_user, make_passport_draft):
    token = make_passport_draft(citizen)
    photo = draft_row(app, token).photo_id
    paths = [f"/passports/applications/{token}/identity", f"/passports/applications/{token}/photo",
             f"/passports/applications/{token}/check", f"/passports/photos/{photo}"]
    for path in paths:  # nobody: to sign-in
        response = client.get(path)
        assert response.status_code == 302 and "/account/login" in response.headers["Location"], path
    other = app.test_client()
    sign_in(other, make_user("citizen"))
    for path in paths:
        assert other.get(path).status_code == 404, path
    assert other.post(f"/passports/applications/{token}/check", data={"declaration": "y"}).status_code == 404
    officer = app.test_client()
    sign_in(officer, make_user("staff", mission="tokyo"))
    assert officer.get(f"/passports/photos/{photo}").status_code == 404  # a draft is nobody's case yet
    assert officer.get(paths[0]).status_code == 302  # staff are sent to their queue
    sign_in(client, citizen)
    for path in paths:
        assert client.get(path).status_code == 200, path


def test_once_sent_the_photo_is_for_the_applicant_and_the_missions_staff(app, client, citizen, make_user,
                                                                         make_passport_application):
    reference = make_passport_application(citizen)
    photo = application_of(app, reference)["photo_id"]
    path = f"/passports/photos/{photo}"
    for user, status in ((citizen, 200), (make_user("citizen"), 404), (make_user("staff", mission="tokyo"), 200),
                         (make_user("staff", mission="seoul"), 404), (make_user("supervisor", mission="seoul"), 200)):
        browser = app.test_client()
        sign_in(browser, user)
        assert browser.get(path).status_code == status, user.role
    assert client.get("/passports/photos/" + "0" * 32).status_code == 302


def test_field_messages_are_in_chinese_for_a_chinese_reader(app, client, make_user):
    sign_in(client, make_user("citizen", locale="zh_Hant_TW"))
    token = start(client)
    text = post_step(client, token, "identity", identity_fields(national_id="A123456788", name_latin="chen mei-ling 2",
                                                                height_cm="", birth_date="2999-01-01"),
                     status=400).get_data(as_text=True)
    assert "此身分證統一編號無效，請逐字檢查。" in text and "只能使用大寫英文字母" in text
    assert "請輸入身高（公分）。" in text and "出生日期必須是過去的日期。" in text
    response = upload(client, token, photo_bytes(size=(600, 600)))
    assert "照片須為寬35、高45的直式比例" in response.get_data(as_text=True)


def test_every_step_has_a_back_link_to_the_step_before(app, citizen, make_passport_draft, get_page):
    import re

    from portal.core.workdays import taipei_today
    from tests.fixtures.accounts import signed_in_client

    # ten years old whatever the day the test runs
    token = make_passport_draft(citizen, "minor", birth_date=date(taipei_today().year - 10, 3, 1))
    client = signed_in_client(app, citizen)
    steps = ["type", "identity", "contact", "guardian", "pickup", "photo"]

    def back_of(path):
        html = client.get(path).get_data(as_text=True)
        return re.search(r'<a class="back-link" href="([^"]+)"', html).group(1).replace("&amp;", "&")

    base = f"/passports/applications/{token}"
    assert back_of(f"{base}/type") == "/passports"
    for before, step in zip(steps, steps[1:]):
        assert back_of(f"{base}/{step}") == f"{base}/{before}", step
    assert back_of(f"{base}/check") == f"{base}/photo"
    assert back_of(f"{base}/contact?change=1") == f"{base}/check"


@pytest.mark.parametrize("locale, parts, stored", [
    ("en", {"day": "31", "month": "5", "year": "1990"}, "1990-05-31"),
    ("en", {"day": "３１", "month": "０５", "year": "１９９０"}, "1990-05-31"),  # a full-width keyboard
    ("zh_Hant_TW", {"day": "31", "month": "5", "year": "79"}, "1990-05-31"),  # 民國79年
])
def test_the_date_of_birth_is_typed_as_day_month_and_year_roc_years_in_chinese(
        app, make_user, make_passport_draft, locale, parts, stored):
    from tests.fixtures.accounts import signed_in_client
    from tests.fixtures.passports import identity_fields

    person = make_user("citizen", locale=locale)
    token = make_passport_draft(person, complete=False)
    client = signed_in_client(app, person)
    page = client.get(f"/passports/applications/{token}/identity").get_data(as_text=True)
    assert 'type="date"' not in page and 'name="birth_date-day"' in page and 'autocomplete="bday-year"' in page
    fields = {k: v for k, v in identity_fields().items() if k != "birth_date"}
    fields.update({f"birth_date-{part}": value for part, value in parts.items()})
    response = client.post(f"/passports/applications/{token}/identity", data=fields)
    assert response.status_code == 303, response.get_data(as_text=True)
    from portal.extensions import db
    from portal.passports.models import PassportApplication

    with app.app_context():
        saved = db.session.scalar(sa.select(PassportApplication.birth_date).where(PassportApplication.token == token))
    assert saved.isoformat() == stored


def test_a_date_that_is_not_real_is_refused_and_shown_as_typed(app, citizen, make_passport_draft):
    from tests.fixtures.accounts import signed_in_client
    from tests.fixtures.passports import identity_fields

    token = make_passport_draft(citizen, complete=False)
    client = signed_in_client(app, citizen)
    fields = {k: v for k, v in identity_fields().items() if k != "birth_date"}
    fields.update({"birth_date-day": "31", "birth_date-month": "2", "birth_date-year": "1990"})
    page = client.post(f"/passports/applications/{token}/identity", data=fields).get_data(as_text=True)
    assert "Enter your date of birth as a real date, for example 31 5 1990." in page
    assert 'name="birth_date-day" type="text" inputmode="numeric" value="31"' in page
    assert 'name="birth_date-month" type="text" inputmode="numeric" value="2"' in page
    # a two-digit year is not an ROC year in English
    fields.update({"birth_date-day": "31", "birth_date-month": "5", "birth_date-year": "90"})
    assert "as a real date" in client.post(f"/passports/applications/{token}/identity", data=fields).get_data(
        as_text=True)
