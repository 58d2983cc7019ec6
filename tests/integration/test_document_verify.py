"""The public check at /verify: valid, revoked, typo, not found; the QR link and its signature;
only a masked name; counted without addresses; rate-limited; the public key."""

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from portal.documents import signing
from portal.documents.codes import format_code, new_code
from tests.fixtures.accounts import sign_in
from tests.fixtures.documents import records_of
from tests.fixtures.pages import text_of


@pytest.fixture
def issued(app, citizen, officer, make_document_request, advance_document):
    """An issued diploma of 王小明 in two copies: its records."""
    reference = make_document_request(citizen, copies=(2,), holder="王小明")
    advance_document(reference, "verify", "authenticate", "issue", by=officer)
    return reference, records_of(app, reference)


def checks(app) -> list[tuple]:
    from portal.documents.models import VerificationCheck
    from portal.extensions import db

    with app.app_context():
        rows = db.session.scalars(sa.select(VerificationCheck).order_by(VerificationCheck.id)).all()
        return [(row.result.value, row.code_found) for row in rows]


def test_a_valid_code_shows_only_what_a_receiver_needs(app, client, issued, get_page):
    _, records = issued
    code, _, _, _, _, on, _ = records[0]
    spaced = " ".join(format_code(code).lower().split("-"))
    response, page = get_page(f"/verify?code={spaced}")
    text = text_of(page)
    assert "Valid" in text and "Diploma" in text
    assert "Taipei Economic and Cultural Representative Office in Japan" in text
    # The issuing country's code must not show; the random code itself may contain any two letters.
    without_code = text.replace(format_code(code), "")
    assert "王○明" in text and "王小明" not in text and "University of Tokyo" not in text
    assert "JP" not in without_code
    assert on.strftime("%-d %B %Y") in text
    assert response.headers["Cache-Control"] == "no-store"
    assert checks(app) == [("valid", True)]


def test_a_code_typed_in_full_width_characters_is_found(app, client, issued, get_page):
    """A phone keyboard set to Chinese types ７Ｋ２Ｑ－ＭＸ４Ｄ: the same code."""
    from urllib.parse import quote

    _, records = issued
    code = records[0][0]
    full_width = "".join(chr(ord(ch) + 0xFEE0) for ch in format_code(code))
    _, page = get_page(f"/verify?code={quote(full_width)}")
    assert "Valid" in text_of(page)
    assert checks(app) == [("valid", True)]


def test_the_qr_link_opens_the_check_and_confirms_its_signature(app, client, issued, get_page):
    from portal.documents.service import payload_for, record_by_code
    from portal.extensions import db

    _, records = issued
    with app.app_context():
        payload = payload_for(record_by_code(db.session, records[0][0]))
    path = payload.removeprefix(app.config["BASE_URL"])
    _, page = get_page(path)
    assert "Genuine: signed by the ministry" in text_of(page)
    _, forged = get_page(path.replace("t=diploma", "t=transcript"))
    assert "Does not match" in text_of(forged) and "Valid" in text_of(forged)  # the record itself is fine
    _, plain = get_page(f"/verify/{format_code(records[0][0])}")
    assert "QR code signature" not in text_of(plain)


def test_a_revoked_authentication_says_so_with_the_date(app, client, issued, supervisor, get_page):
    import time_machine

    reference, records = issued
    boss = app.test_client()
    with time_machine.travel(datetime(2026, 12, 3, 2, 0, tzinfo=UTC)):
        sign_in(boss, supervisor)
        assert boss.post(f"/staff/documents/{reference}/revoke",
                         data={"codes": [records[0][0]], "reason": "Forged seal"}).status_code == 303
    _, page = get_page(f"/verify/{format_code(records[0][0])}")
    text = text_of(page)
    assert "Revoked on 3 December 2026" in text and "Forged seal" not in text and "Valid" not in text
    _, other = get_page(f"/verify/{format_code(records[1][0])}")
    assert "Valid" in text_of(other)
    chinese = client.get(f"/verify/{format_code(records[0][0])}", headers={"Accept-Language": "zh-TW"})
    assert "民國115年12月3日" in chinese.get_data(as_text=True)
    assert [c[0] for c in checks(app)] == ["revoked", "valid", "revoked"]


def test_a_mistyped_character_is_answered_as_a_typo_not_as_not_found(app, client, issued, get_page):
    _, records = issued
    code = records[0][0]
    wrong = code[:5] + ("X" if code[5] != "X" else "Y") + code[6:]
    response, page = get_page(f"/verify?code={format_code(wrong)}")
    text = text_of(page)
    assert "typing mistake" in text and "No authentication has this code" not in text
    assert "There is a problem" in text and format_code(wrong) in response.get_data(as_text=True)  # input kept
    _, short = get_page("/verify?code=7K2Q-MX4D")
    assert "has 17 letters and digits" in text_of(short)
    _, empty = get_page("/verify?code=")
    assert "Enter the verification code." in text_of(empty)
    assert checks(app) == [("typo", False), ("malformed", False)]


def test_an_unknown_but_well_formed_code_is_not_found(app, client, get_page):
    _, page = get_page(f"/verify/{format_code(new_code())}")
    assert "No authentication has this code" in text_of(page)
    assert checks(app) == [("not_found", False)]


def test_checks_keep_no_address_or_code(app):
    from portal.documents.models import VerificationCheck

    columns = set(VerificationCheck.__table__.columns.keys())
    assert columns == {"id", "at", "code_found", "result", "record_id"}


def test_checks_are_rate_limited_per_address_with_a_translated_page(monkeypatch, app, client):
    monkeypatch.setitem(app.config, "DOCUMENT_VERIFY_RATE_LIMIT", "3 per minute")
    code = format_code(new_code())
    statuses = [client.get(f"/verify/{code}").status_code for _ in range(2)]
    statuses.append(client.get(f"/verify?code={code}").status_code)
    assert statuses == [200, 200, 200]
    refused = client.get(f"/verify/{code}", headers={"Accept-Language": "zh-TW"})
    assert refused.status_code == 429 and refused.headers["Retry-After"]
    assert "請求次數過多" in refused.get_data(as_text=True)
    assert client.get("/verify").status_code == 200  # the empty form is not a check
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    assert other.get(f"/verify/{code}").status_code == 200
    assert len(checks(app)) == 4


def test_the_empty_check_page_and_the_public_key_are_cacheable(app, client, get_page):
    response, page = get_page("/verify")
    assert response.headers["ETag"] and "public" in response.headers["Cache-Control"]
    assert page.find(".//input[@name='code']") is not None
    key = client.get("/verify/public-key")
    assert key.status_code == 200 and key.mimetype == "text/plain"
    pem = key.get_data(as_text=True)
    assert pem == signing.public_key_pem(signing.private_key(app.config))
    assert client.get("/verify/public-key", headers={"If-None-Match": key.headers["ETag"]}).status_code == 304
    assert checks(app) == []


def test_the_published_key_checks_an_issued_sticker_offline(app, client, issued, tmp_path):
    from portal.documents.service import payload_for, record_by_code
    from portal.extensions import db

    _, records = issued
    pem_file = tmp_path / "portal.pem"
    pem_file.write_text(client.get("/verify/public-key").get_data(as_text=True))
    with app.app_context():
        payload = payload_for(record_by_code(db.session, records[1][0]))
    result = app.test_cli_runner().invoke(args=["documents", "verify-payload", payload, "--public-key", str(pem_file)])
    assert result.exit_code == 0 and "VALID" in result.output and format_code(records[1][0]) in result.output
