"""Two languages: Traditional Chinese by default, English on request, both catalogs complete."""

from pathlib import Path

from portal.translations import catalog_problems, uncatalogued_strings
from tests.fixtures.accounts import sign_in

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "portal" / "translations"


def test_both_catalogs_are_complete_with_nothing_fuzzy():
    assert catalog_problems(TRANSLATIONS) == []


def test_every_string_in_the_source_is_in_both_catalogs():
    assert uncatalogued_strings(ROOT) == []


def test_chinese_is_the_default(app):
    client = app.test_client()
    client.environ_base.pop("HTTP_ACCEPT_LANGUAGE")
    body = client.get("/").get_data(as_text=True)
    assert '<html lang="zh-Hant-TW">' in body and "領事服務入口網" in body


def test_accept_language_is_honoured(app):
    client = app.test_client()
    assert '<html lang="en">' in client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(as_text=True)
    assert '<html lang="zh-Hant-TW">' in client.get("/", headers={"Accept-Language": "zh-TW"}).get_data(as_text=True)


def test_the_language_switch_is_remembered_and_returns_to_the_page(app):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-TW"
    response = client.get("/language?lang=en&next=/missions")
    assert response.status_code == 303 and response.headers["Location"] == "/missions"
    assert '<html lang="en">' in client.get("/missions").get_data(as_text=True)
    assert client.get("/language?lang=xx&next=/").status_code == 303
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)


def test_a_signed_in_persons_choice_follows_their_account(app, citizen):
    client = app.test_client()
    sign_in(client, citizen)
    client.get("/language?lang=zh_Hant_TW&next=/")
    other_browser = app.test_client()
    sign_in(other_browser, citizen)
    assert '<html lang="zh-Hant-TW">' in other_browser.get("/account").get_data(as_text=True)


def test_dates_show_roc_years_in_chinese_and_plain_dates_in_english(app, citizen, make_enquiry):
    import time_machine

    with time_machine.travel("2026-11-27 10:00 +0800"):
        make_enquiry(citizen)
    client = app.test_client()
    sign_in(client, citizen)
    assert "27 November 2026" in client.get("/account").get_data(as_text=True)
    client.get("/language?lang=zh_Hant_TW&next=/")
    assert "民國115年11月27日" in client.get("/account").get_data(as_text=True)


def test_emails_are_written_in_the_recipients_language(client, outbox):
    client.post("/account/register", headers={"Accept-Language": "zh-TW"},
                data={"name": "王小明", "email": "ming@example.tw", "password": "correct horse battery staple",
                      "password_confirm": "correct horse battery staple"})
    message = outbox("ming@example.tw")[-1]
    assert message.subject == "確認您的電子郵件地址"
    assert "王小明" in message.body


def test_chinese_mail_about_any_case_calls_it_a_case_not_an_application(app):
    """A letter to the mailbox or a question is not an “application” (申請): the generic words say 案件."""
    from types import SimpleNamespace

    from portal.core.outbox import render_email
    from portal.enquiries.workflow import ENQUIRY_WORKFLOW

    case = SimpleNamespace(reference="ENQ-7K2Q-MX4D-J", kind="enquiry", status="answered")
    with app.test_request_context("/"):
        subject, body = render_email("case_updated", locale="zh_Hant_TW", case=case, workflow=ENQUIRY_WORKFLOW,
                                     note=None)
    assert "申請" not in subject + body and "您的案件 ENQ-7K2Q-MX4D-J" in subject
