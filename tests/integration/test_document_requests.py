"""Asking for document authentication: the information page, the form, "check your answers", scans,
the fee, the confirmation and email; who may download the scans."""

import io
import os

import pytest
import sqlalchemy as sa
from PIL import Image

from portal.core.i18n import collation_key
from tests.fixtures.accounts import mission_id, sign_in
from tests.fixtures.documents import document_fields, png_bytes, post_multipart, request_fields, with_scans
from tests.fixtures.files import pdf_bytes
from tests.fixtures.pages import text_of


def count(app, model) -> int:
    from portal.extensions import db

    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def send(client, data, *files):
    return post_multipart(client, "/documents/apply/send", with_scans(data, *files))


def reference_from(response) -> str:
    return response.headers["Location"].split("/")[-1].split("?")[0]


def test_the_information_page_is_public_cacheable_and_shows_fees(app, client, get_page):
    response, document = get_page("/documents")
    text = text_of(document)
    assert "NT$400" in text and "NT$600" in text and "Birth certificate" in text and "Power of attorney" in text
    assert "3 working days" in text and "1 working day" in text
    assert response.headers["ETag"] and "public" in response.headers["Cache-Control"]
    again = client.get("/documents", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    chinese = client.get("/documents", headers={"Accept-Language": "zh-TW"}).get_data(as_text=True)
    assert "文件證明" in chinese and "新臺幣400元" in chinese


def test_fees_come_from_the_settings(monkeypatch, app, client):
    monkeypatch.setitem(app.config, 'DOCUMENT_FEE_PER_COPY', 450)
    monkeypatch.setitem(app.config, 'DOCUMENT_EXPRESS_FEE', 250)
    text = client.get("/documents").get_data(as_text=True)
    assert "NT$450" in text and "NT$700" in text


def test_applying_asks_a_signed_out_visitor_to_sign_in_first(client):
    response = client.get("/documents/apply")
    assert response.status_code == 302 and response.headers["Location"] == "/account/login?next=/documents/apply"


def test_a_citizen_requests_authentication_checks_the_fee_and_gets_a_reference(app, client, citizen, outbox, get_page):
    from portal.documents.models import DocumentFile, DocumentItem, DocumentRequest

    sign_in(client, citizen)
    get_page("/documents/apply")
    data = request_fields(app, express="y", documents=[
        document_fields(0, copies="2"),
        document_fields(1, document_type="birth_certificate", holder_name="王小華", copies="1", has_translation=None,
                        language="other")])
    check = client.post("/documents/apply", data=data)
    text = check.get_data(as_text=True)
    assert check.status_code == 200 and "Check your answers" in text
    assert "NT$1,200" in text and "NT$600" in text and "NT$1,800" in text  # 3 × 400, 3 × 200 express
    assert "Birth certificate" in text and "王小華" in text and "Another language" in text
    response = send(client, data, (pdf_bytes(), "diploma.pdf"), (png_bytes(), "birth.png"))
    assert response.status_code == 303
    reference = reference_from(response)
    _, page = get_page(response.headers["Location"])
    confirmation = text_of(page)
    assert "Your request has been sent" in confirmation and reference in confirmation and "NT$1,800" in confirmation
    assert reference.startswith("DOC-")
    assert (count(app, DocumentRequest), count(app, DocumentItem), count(app, DocumentFile)) == (1, 2, 2)
    mail = outbox(citizen.email)[-1]
    assert mail.subject == f"We have received your request {reference}"
    assert "NT$1,800" in mail.body and "Birth certificate × 1 (王小華)" in mail.body
    assert len(outbox(citizen.email)) == 1  # the generic acknowledgement is not sent as well


def test_express_requests_are_due_sooner(app, citizen, make_document_request):
    from tests.fixtures.cases import load_case

    standard, _ = load_case(app, make_document_request(citizen))
    express, _ = load_case(app, make_document_request(citizen, express=True))
    assert express.due_at < standard.due_at


def test_documents_can_be_added_and_removed_before_continuing(app, client, citizen):
    sign_in(client, citizen)
    data = request_fields(app)
    added = client.post("/documents/apply", data={**data, "add_document": "1"}).get_data(as_text=True)
    assert "Document 2" in added and 'name="documents-1-holder_name"' in added and "There is a problem" not in added
    two = {**data, **document_fields(1, holder_name="Second Person")}
    removed = client.post("/documents/apply", data={**two, "remove_document": "0"}).get_data(as_text=True)
    assert "Second Person" in removed and "王小明" not in removed and "Document 2" not in removed


def test_change_your_answers_returns_to_the_form_with_everything_kept(app, client, citizen):
    sign_in(client, citizen)
    data = request_fields(app, purpose="For my employer in Taipei")
    page = client.post("/documents/apply", data={**data, "change": "1"}).get_data(as_text=True)
    assert "Request document authentication" in page and "For my employer in Taipei" in page
    assert "There is a problem" not in page


@pytest.mark.parametrize("changes, messages", [
    ({"documents-0-document_type": "", "documents-0-holder_name": "", "purpose": "", "delivery": None},
     ["Choose the type of document.", "Enter the name of the person the document is about.",
      "Say what the documents will be used for.", "Choose how you want the documents back."]),
    ({"documents-0-document_type": "other"}, ["Say what the document is."]),
    ({"documents-0-issued_on": "30/06/2024"}, ["Enter the date of issue as a real date"]),
    ({"documents-0-issued_on": "2999-01-01"}, ["must be a real date in the past"]),
    ({"documents-0-copies": "11"}, ["Choose between 1 and 10 copies."]),
    ({"delivery": "post", "postal_address": ""}, ["Enter the address to post the documents to."]),
])
def test_bad_answers_get_clear_messages_and_keep_the_input(app, client, citizen, changes, messages):
    sign_in(client, citizen)
    data = {k: v for k, v in {**request_fields(app), **changes}.items() if v is not None}
    response = client.post("/documents/apply", data=data)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "There is a problem" in body and "<title>Error:" in body
    for message in messages:
        assert message in body
    assert "University of Tokyo" in body  # what was typed stays


def test_choices_that_are_not_on_the_lists_are_refused_and_nothing_is_saved(app, client, citizen, outbox):
    from portal.core.cases.models import Case

    sign_in(client, citizen)
    with app.app_context():
        headquarters_id = mission_id("hq")
    for changes, message in [({"mission_id": "99999"}, "Choose the mission from the list."),
                             ({"documents-0-issuing_country_code": "XX"}, "Choose the country where each document"),
                             ({"documents-0-document_type": "bribe"}, "Choose the type of each document"),
                             ({"mission_id": str(headquarters_id)}, "Choose the mission from the list."),
                             ({"documents-0-issuing_country_code": "CN"},
                              "Documents issued in mainland China are not authenticated by an overseas mission")]:
        response = send(client, {**request_fields(app), **changes})
        assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert count(app, Case) == 0 and outbox() == []


@pytest.mark.parametrize("files, message", [
    ((), "Attach a scan or photo of each document."),
    (((b"<html>not a pdf</html>", "scan.pdf"),), "scan.pdf: The file must be a PDF, JPEG, PNG file."),
    (((b"%PDF-1.7 broken", "broken.pdf"),), "The PDF could not be read"),
    (tuple((pdf_bytes(), f"p{i}.pdf") for i in range(11)), "Attach at most 10 files."),
])
def test_scans_are_checked_by_content_and_count_and_nothing_is_half_saved(app, client, citizen, outbox, files, message):
    from portal.core.cases.models import Case
    from portal.core.uploads import Upload

    sign_in(client, citizen)
    data = request_fields(app)
    response = client.post("/documents/apply/send", content_type="multipart/form-data",
                           data={**data, "scans": [(io.BytesIO(c), n) for c, n in files]} if files else data)
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and message in body and "Check your answers" in body
    assert (count(app, Case), count(app, Upload)) == (0, 0) and outbox() == []


def test_a_file_over_the_size_limit_is_refused(monkeypatch, app, client, citizen):
    monkeypatch.setitem(app.config, "DOCUMENT_MAX_FILE_MB", 1)
    sign_in(client, citizen)
    big = pdf_bytes() + b"%" + b"0" * (1024 * 1024)
    response = send(client, request_fields(app), (big, "big.pdf"))
    assert response.status_code == 400 and "smaller than 1 MB" in response.get_data(as_text=True)


def noise_png(megabytes: int) -> bytes:
    side = int((megabytes * 1024 * 1024 / 3) ** 0.5)
    output = io.BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(output, format="PNG", compress_level=0)
    return output.getvalue()


def test_scans_may_add_up_to_more_than_the_global_request_limit(app, client, citizen):
    from portal.core.uploads import Upload

    assert app.config["MAX_CONTENT_LENGTH"] == 12 * 1024 * 1024
    sign_in(client, citizen)
    scans = [(noise_png(5), f"page{i}.png") for i in range(3)]
    assert sum(len(c) for c, _ in scans) > app.config["MAX_CONTENT_LENGTH"]
    response = send(client, request_fields(app), *scans)
    assert response.status_code == 303, response.get_data(as_text=True)[-500:]
    assert count(app, Upload) == 3
    elsewhere = post_multipart(client, "/documents/apply",
                               {"scans": [(io.BytesIO(b"%PDF" + b"0" * (13 * 1024 * 1024)), "big.pdf")]})
    assert elsewhere.status_code == 413  # only the scan pages raise the limit


def test_photos_lose_their_metadata(app, client, citizen):
    from portal.core.uploads import Upload
    from portal.extensions import db

    exif = Image.Exif()
    exif[0x010F] = "Secret Camera Maker"
    output = io.BytesIO()
    Image.new("RGB", (100, 80), (200, 200, 200)).save(output, format="JPEG", exif=exif)
    sign_in(client, citizen)
    assert send(client, request_fields(app), (output.getvalue(), "photo.jpg")).status_code == 303
    with app.app_context():
        assert b"Secret Camera Maker" not in db.session.scalar(sa.select(Upload)).data


def test_sending_the_same_request_twice_makes_one_case(app, client, citizen, outbox):
    from portal.core.cases.models import Case
    from portal.core.uploads import Upload

    sign_in(client, citizen)
    data = request_fields(app, token="same-token")
    first, second = send(client, data), send(client, data)
    assert reference_from(first) == reference_from(second)
    assert "sent=1" in first.headers["Location"] and "sent" not in second.headers["Location"]
    assert (count(app, Case), count(app, Upload), len(outbox())) == (1, 1, 1)


def test_staff_are_sent_to_their_queue_instead_of_applying(app, officer):
    client = app.test_client()
    sign_in(client, officer)
    for response in (client.get("/documents/apply"), client.post("/documents/apply/send", data={})):
        assert response.status_code == 302 and response.headers["Location"] == "/staff/queue"


def test_scans_can_be_downloaded_by_the_applicant_and_staff_of_the_mission_only(app, make_user, citizen,
                                                                                  make_document_request):
    from portal.documents.models import DocumentFile
    from portal.extensions import db

    make_document_request(citizen)
    with app.app_context():
        upload_id = db.session.scalar(sa.select(DocumentFile.upload_id))
    url = f"/documents/files/{upload_id}"
    allowed = [citizen, make_user("staff", mission="tokyo"), make_user("supervisor", mission="seoul")]
    refused = [make_user("citizen"), make_user("staff", mission="seoul")]
    for user in allowed + refused:
        client = app.test_client()
        sign_in(client, user)
        response = client.get(url)
        if user in allowed:
            assert response.status_code == 200 and response.data.startswith(b"%PDF")
            assert response.headers["Content-Disposition"].startswith("attachment")
            assert response.headers["Cache-Control"] == "no-store"
        else:
            assert response.status_code == 404, user.role
    nobody = app.test_client().get(url)
    assert nobody.status_code == 302 and "/account/login" in nobody.headers["Location"]
    signed_in = app.test_client()
    sign_in(signed_in, citizen)
    assert signed_in.get("/documents/files/" + "0" * 32).status_code == 404


def test_the_request_pages_are_translated(app, client, citizen):
    sign_in(client, citizen)
    client.get("/language?lang=zh_Hant_TW&next=/")
    form = client.get("/documents/apply").get_data(as_text=True)
    assert "申請文件證明" in form and "日文" in form
    page = client.post("/documents/apply", data=request_fields(app, express="y")).get_data(as_text=True)
    assert "新臺幣1,200元" in page and "民國113年3月25日" in page


def test_the_missions_offered_are_grouped_by_country_in_the_readers_order_without_headquarters(
        app, make_user, headquarters, get_page):
    from tests.fixtures.accounts import signed_in_client

    for locale, japan in (("en", "Japan"), ("zh_Hant_TW", "日本")):
        reader = signed_in_client(app, make_user("citizen", locale=locale))
        _, page = get_page("/documents/apply", client_=reader)
        select = page.find(".//select[@name='mission_id']")
        groups = [group.get("label") for group in select.iter("optgroup")]
        assert groups == sorted(groups, key=collation_key) and japan in groups
        offered = [option.text for option in select.iter("option")]
        assert not any("Headquarters" in (text or "") or "外交部" in (text or "") for text in offered)
        in_japan = [option.text for option in select.find(f".//optgroup[@label='{japan}']").iter("option")]
        assert in_japan == sorted(in_japan, key=collation_key) and len(in_japan) >= 2
