"""Sticker signatures: a round trip, any change detected, the offline command, keys and settings."""

from dataclasses import replace
from datetime import date

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from portal.documents import signing
from portal.documents.codes import format_code, new_code
from tests.fixtures.passports import pii_keys

FACTS = {"mission": "tokyo", "on": date(2026, 11, 27), "document_type": "diploma"}


@pytest.fixture
def key():
    return signing.private_key({"DOCUMENT_SIGNING_KEY": signing.new_private_key()})


def payload_text(key, code=None, base_url="https://consular.example.tw", **facts):
    code = code or new_code()
    facts = {**FACTS, **facts}
    return signing.qr_payload(base_url, code=code, signature=signing.sign(key, code=code, **facts), **facts)


def test_a_signed_payload_reads_back_and_verifies(key):
    code = new_code()
    text = payload_text(key, code)
    assert text.startswith(f"https://consular.example.tw/verify/{format_code(code)}?m=tokyo&d=2026-11-27&t=diploma&s=")
    payload = signing.parse_payload(text)
    assert (payload.code, payload.mission, payload.on, payload.document_type) == (code, "tokyo", date(2026, 11, 27),
                                                                                  "diploma")
    assert signing.signature_is_valid(key.public_key(), payload)


@pytest.mark.parametrize("change", [
    {"mission": "osaka"}, {"on": date(2026, 11, 28)}, {"document_type": "transcript"},
])
def test_changing_any_signed_fact_breaks_the_signature(key, change):
    payload = signing.parse_payload(payload_text(key))
    assert not signing.signature_is_valid(key.public_key(), replace(payload, **change))


def test_a_different_code_or_a_damaged_signature_or_another_key_fails(key):
    payload = signing.parse_payload(payload_text(key))
    other_code = new_code()
    assert not signing.signature_is_valid(key.public_key(), replace(payload, code=other_code))
    flipped = ("A" if payload.signature[0] != "A" else "B") + payload.signature[1:]
    assert not signing.signature_is_valid(key.public_key(), replace(payload, signature=flipped))
    assert not signing.signature_is_valid(key.public_key(), replace(payload, signature="not-base64!"))
    assert not signing.signature_is_valid(Ed25519PrivateKey.generate().public_key(), payload)


@pytest.mark.parametrize("text, reason", [
    ("https://evil.example/check/7K2Q-MX4D-9PRT-C3VA-G?m=tokyo&d=2026-11-27&t=diploma&s=x", "no /verify/"),
    ("https://consular.example.tw/verify/7K2Q-MX4D-9PRT-C3VA-H?m=tokyo&d=2026-11-27&t=diploma&s=x", "damaged"),
    ("https://consular.example.tw/verify/7K2Q-MX4D-9PRT-C3VA-G?m=tokyo&d=2026-11-27&t=diploma", "lacks s"),
    ("https://consular.example.tw/verify/7K2Q-MX4D-9PRT-C3VA-G?m=tokyo&m=osaka&d=2026-11-27&t=diploma&s=x", "lacks m"),
    ("https://consular.example.tw/verify/7K2Q-MX4D-9PRT-C3VA-G?m=tokyo&d=27/11/2026&t=diploma&s=x", "not a date"),
    ("just some text", "no /verify/"),
    # found by the fuzz run (fuzz/run.py): addresses urllib cannot split
    ("https://[/verify/7K2Q-MX4D-9PRT-C3VA-G", "cannot be read"),
    ("https://ex\uff03ample/verify/7K2Q-MX4D-9PRT-C3VA-G", "cannot be read"),
])
def test_texts_that_are_not_sticker_payloads_are_refused_with_a_reason(text, reason):
    with pytest.raises(signing.PayloadError, match=reason):
        signing.parse_payload(text)


def test_public_keys_load_from_pem_or_base64(key):
    pem = signing.public_key_pem(key)
    assert pem.startswith("-----BEGIN PUBLIC KEY-----")
    payload = signing.parse_payload(payload_text(key))
    for text in (pem, signing.public_key_base64(key)):
        assert signing.signature_is_valid(signing.load_public_key(text), payload)
    with pytest.raises(signing.PayloadError):
        signing.load_public_key("not a key")


@pytest.mark.parametrize("setting, message", [
    (None, "Set PORTAL_DOCUMENT_SIGNING_KEY"), ("%%%", "not valid base64"), ("c2hvcnQ=", "32 bytes"),
])
def test_unusable_signing_keys_are_refused(setting, message):
    with pytest.raises(signing.SigningKeyError, match=message):
        signing.private_key({"DOCUMENT_SIGNING_KEY": setting})


def test_production_refuses_to_start_without_a_signing_key_and_development_derives_one(app, monkeypatch):
    from config import settings
    from portal import create_app

    monkeypatch.delenv("PORTAL_DOCUMENT_SIGNING_KEY", raising=False)
    with pytest.raises(RuntimeError, match="DOCUMENT_SIGNING_KEY"):
        create_app({"SECRET_KEY": "x" * 32, "DATABASE_URL": app.config["DATABASE_URL"], **pii_keys()},
                   env="production")
    key = signing.new_private_key()
    production = create_app({"SECRET_KEY": "x" * 32, "DATABASE_URL": app.config["DATABASE_URL"],
                             "DOCUMENT_SIGNING_KEY": key, **pii_keys()}, env="production")
    assert production.config["DOCUMENT_SIGNING_KEY"] == key
    development = settings.load("development", {"SECRET_KEY": "dev", "DOCUMENT_SIGNING_KEY": None})
    assert development["DOCUMENT_SIGNING_KEY"] == settings.derived_signing_key("dev")
    assert settings.load("testing", {"SECRET_KEY": "other"})["DOCUMENT_SIGNING_KEY"] != settings.load(
        "testing")["DOCUMENT_SIGNING_KEY"]


def test_the_offline_command_checks_a_payload_with_only_the_public_key(app, key, tmp_path):
    pem_file = tmp_path / "key.pem"
    pem_file.write_text(signing.public_key_pem(key))
    text = payload_text(key)
    runner = app.test_cli_runner()
    good = runner.invoke(args=["documents", "verify-payload", text, "--public-key", str(pem_file)])
    assert good.exit_code == 0 and "signature:     VALID" in good.output and "mission:       tokyo" in good.output
    forged = text.replace("m=tokyo", "m=osaka")
    bad = runner.invoke(args=["documents", "verify-payload", forged, "--public-key", signing.public_key_base64(key)])
    assert bad.exit_code == 1 and "INVALID" in bad.output
    junk = runner.invoke(args=["documents", "verify-payload", "hello", "--public-key", str(pem_file)])
    assert junk.exit_code != 0 and "not a verification sticker payload" in junk.output


def test_the_offline_command_defaults_to_this_installations_key_and_prints_it(app):
    runner = app.test_cli_runner()
    own = signing.private_key(app.config)
    text = payload_text(own)
    assert runner.invoke(args=["documents", "verify-payload", text]).exit_code == 0
    assert runner.invoke(args=["documents", "public-key"]).output == signing.public_key_pem(own)


def test_the_readme_publishes_the_development_public_key():
    from pathlib import Path

    from config import settings

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    development = signing.private_key(settings.load("development", {
        "SECRET_KEY": settings.DevelopmentConfig.SECRET_KEY, "DOCUMENT_SIGNING_KEY": None}))
    assert signing.public_key_pem(development) in readme
