"""Headers, cookies, CSRF, error pages, the database going away, and every route as nobody."""

import pytest
import sqlalchemy as sa

from tests.fixtures.accounts import sign_in
from tests.fixtures.pages import page_text
from tests.fixtures.passports import pii_keys

PUBLIC_GET = ["/", "/missions", "/privacy", "/account/login", "/account/register", "/account/reset", "/healthz",
              "/readyz"]


def all_rules(app):
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"]


def access_rules_of(view) -> tuple[str, ...]:
    return getattr(view, "access_rules", ())


def test_every_route_has_exactly_one_access_rule(app):
    for rule in all_rules(app):
        rules = access_rules_of(app.view_functions[rule.endpoint])
        assert len(rules) == 1, f"{rule.rule} has {len(rules)} access decorators from portal.core.policy: {rules}"


def test_a_view_with_two_access_rules_or_none_is_counted_as_such():
    from portal.core import policy

    def view():
        return ""

    def other_view():
        return ""

    assert access_rules_of(view) == ()
    assert access_rules_of(policy.citizen_only(policy.public(view))) == ("public", "citizen")
    assert access_rules_of(policy.staff_only()(policy.signed_in(other_view))) == ("signed_in", "staff:staff")


def test_every_non_public_page_sends_nobody_to_sign_in(app, client):
    for rule in all_rules(app):
        view = app.view_functions[rule.endpoint]
        if view.access_rule == "public" or "GET" not in rule.methods:
            continue
        response = client.get(_sample_url(rule))
        assert response.status_code == 302 and "/account/login" in response.headers["Location"], rule.rule


def test_every_post_route_refuses_nobody(app, client):
    for rule in all_rules(app):
        if "POST" not in rule.methods or app.view_functions[rule.endpoint].access_rule == "public":
            continue
        assert client.post(_sample_url(rule), data={}).status_code == 302, rule.rule


@pytest.mark.parametrize("path", PUBLIC_GET)
def test_security_headers_on_every_page(client, path):
    headers = client.get(path).headers
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    if headers["Content-Type"].startswith("text/"):
        assert "charset=utf-8" in headers["Content-Type"]


def test_personal_pages_are_never_cached(client, citizen):
    sign_in(client, citizen)
    assert client.get("/account").headers["Cache-Control"] == "no-store"


def test_session_cookie_flags(app, citizen):
    client = app.test_client()
    response = client.post("/account/login", data={"email": citizen.email, "password": "correct horse battery staple"})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_production_cookies_are_secure_and_host_only(app):
    from portal import create_app
    from portal.documents.signing import new_private_key

    production = create_app({"SECRET_KEY": "x" * 32, "DATABASE_URL": app.config["DATABASE_URL"],
                             "DOCUMENT_SIGNING_KEY": new_private_key(), **pii_keys()}, env="production")
    assert production.config["SESSION_COOKIE_SECURE"] is True
    assert production.config["SESSION_COOKIE_NAME"].startswith("__Host-")
    assert production.config["DEV_MAILBOX"] is False and production.config["LOAD_DEMO_ACCOUNTS"] is False
    assert "/dev/mailbox" not in {r.rule for r in production.url_map.iter_rules()}


def test_the_app_refuses_to_start_without_a_secret_key(app):
    from portal import create_app

    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"DATABASE_URL": app.config["DATABASE_URL"]}, env="production")


def test_a_form_without_its_csrf_token_gets_a_translated_400(monkeypatch, app, client):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    response = client.post("/account/login", data={"email": "a@example.tw", "password": "x"})
    assert response.status_code == 400
    assert "The form had expired" in response.get_data(as_text=True)
    zh = client.post("/account/login", data={}, headers={"Accept-Language": "zh-TW"})
    assert "zh-Hant-TW" in zh.get_data(as_text=True)


@pytest.mark.parametrize("path, status", [("/no-such-page", 404), ("/account/login/../../etc", 404)])
def test_error_pages_are_translated_pages_not_tracebacks(client, path, status):
    english = client.get(path)
    chinese = client.get(path, headers={"Accept-Language": "zh-TW,zh;q=0.9"})
    assert english.status_code == chinese.status_code == status
    assert "Page not found" in english.get_data(as_text=True)
    assert "找不到" in chinese.get_data(as_text=True)


def test_an_unexpected_error_shows_a_reference_and_no_traceback(app, client, monkeypatch):
    from portal.public import views

    def broken():
        raise RuntimeError("boom at /secret/path.py")

    monkeypatch.setitem(app.view_functions, "public.privacy", views.policy.public(broken))
    response = client.get("/privacy")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "give this reference" in body and "Traceback" not in body and "secret/path" not in body


def test_when_the_database_is_down_pages_answer_503_and_readyz_says_so(app, client, monkeypatch):
    from portal.extensions import db

    assert client.get("/readyz").get_json()["database"] == "ok" and client.get("/readyz").status_code == 200
    with app.app_context():
        engine = db.engine
    original = engine.pool

    def unreachable(*args, **kwargs):
        raise sa.exc.OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused"))

    monkeypatch.setattr(engine, "raw_connection", unreachable)
    monkeypatch.setattr(engine.pool, "connect", unreachable)
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.get_json()["database"] == "unreachable"
    assert client.get("/healthz").status_code == 200  # alive: a restart would not bring the database back
    page = client.get("/missions", headers={"Accept-Language": "zh-TW"})
    assert page.status_code == 503 and page.headers["Retry-After"]
    body = page.get_data(as_text=True)
    assert "Traceback" not in body and "很抱歉，目前無法提供服務" in body
    monkeypatch.undo()
    assert engine.pool is original
    assert client.get("/missions").status_code == 200


def test_the_next_parameter_never_leaves_the_site(client, citizen):
    for target in ("https://evil.example", "//evil.example", "/\\evil.example"):
        response = client.post(f"/account/login?next={target}",
                               data={"email": citizen.email, "password": "correct horse battery staple"})
        assert response.headers["Location"] == "/account", target
        client.post("/account/logout")


def test_a_duplicated_next_parameter_never_leaves_the_site_either(client, citizen):
    for query in ("next=/mailbox&next=https://evil.example", "next=https://evil.example&next=/mailbox"):
        response = client.post(f"/account/login?{query}",
                               data={"email": citizen.email, "password": "correct horse battery staple"})
        assert response.headers["Location"] in ("/mailbox", "/account"), query
        assert "evil" not in response.headers["Location"]
        client.post("/account/logout")


def test_a_field_sent_twice_counts_once_with_its_first_value(app, client):
    from werkzeug.datastructures import MultiDict

    from portal.accounts.models import User
    from portal.extensions import db

    client.post("/account/register", data=MultiDict([
        ("name", "Amy"), ("name", "Mallory"), ("email", "amy@example.tw"), ("email", "mallory@example.tw"),
        ("password", "correct horse battery staple"), ("password", "x"),
        ("password_confirm", "correct horse battery staple")]))
    with app.app_context():
        assert db.session.execute(sa.select(User.name, User.email)).all() == [("Amy", "amy@example.tw")]


def test_registration_is_rate_limited_per_address(client):
    statuses = [client.post("/account/register", data={"name": "A", "email": f"a{i}@example.tw",
                                                         "password": "x", "password_confirm": "x"}).status_code
                for i in range(11)]
    assert statuses[:10] == [200] * 10 and statuses[10] == 429


def _sample_url(rule) -> str:
    return (rule.rule.replace("<reference>", "ENQ-0000-0000-0").replace("<int:user_id>", "1")
            .replace("<any(disable, enable):change>", "disable").replace("<token>", "x")
            .replace("<code>", "JP").replace("<int:edition_id>", "1").replace("<situation>", "other")
            .replace("<int:day_id>", "1").replace("<uid>", "0" * 32).replace("<secret>", "x")
            .replace("<any(arrived, absent, served):action>", "arrived").replace("<int:ticket_id>", "1")
            .replace("<int:roc_year>", "115").replace("<int:rule_id>", "1")
            .replace("<direction>", "inbound").replace("<purpose>", "tourism"))


@pytest.mark.parametrize("role, refused_rules", [
    ("citizen", ("staff:staff", "staff:supervisor", "staff:admin")),
    ("staff", ("staff:supervisor", "staff:admin")),
    ("supervisor", ("staff:admin",)),
])
def test_every_staff_route_refuses_a_role_below_it(app, make_user, role, refused_rules):
    client = app.test_client()
    sign_in(client, make_user(role))
    checked = 0
    for rule in all_rules(app):
        if app.view_functions[rule.endpoint].access_rule in refused_rules:
            method = "get" if "GET" in rule.methods else "post"
            assert getattr(client, method)(_sample_url(rule)).status_code == 403, (role, rule.rule)
            checked += 1
    assert checked > 0


def test_citizen_only_pages_send_staff_to_their_queue(app, officer):
    client = app.test_client()
    sign_in(client, officer)
    for rule in all_rules(app):
        if app.view_functions[rule.endpoint].access_rule == "citizen" and "GET" in rule.methods:
            response = client.get(_sample_url(rule))
            assert response.status_code == 302 and response.headers["Location"] == "/staff/queue", rule.rule


def test_the_rate_limit_page_is_translated(client):
    for i in range(10):
        client.post("/account/reset", data={"email": f"a{i}@example.tw"})
    response = client.post("/account/reset", data={"email": "a@example.tw"}, headers={"Accept-Language": "zh-TW"})
    assert response.status_code == 429 and response.headers["Retry-After"]
    assert "請求次數過多" in response.get_data(as_text=True)


def test_a_database_error_that_is_not_an_outage_is_a_500_not_a_503(app, client, monkeypatch):
    from portal.public import views

    def broken():
        raise sa.exc.ProgrammingError("SELECT nonsense", {}, Exception("syntax error"))

    monkeypatch.setitem(app.view_functions, "public.privacy", views.policy.public(broken))
    response = client.get("/privacy")
    assert response.status_code == 500 and "give this reference" in response.get_data(as_text=True)


def _subscribe_from(client, forwarded_for: str):
    return client.post("/advisories/subscribe", data={"email": f"{forwarded_for}@example.tw", "country_code": "JP"},
                       headers={"X-Forwarded-For": forwarded_for})


def test_a_spoofed_forwarded_address_is_ignored_without_trusted_proxies(client):
    answers = [_subscribe_from(client, f"192.0.2.{n}").status_code for n in range(11)]
    assert answers[-1] == 429  # one visitor, whatever the header says


def test_behind_a_trusted_proxy_the_forwarded_address_is_the_visitor(app):
    from portal import create_app

    behind = create_app({"DATABASE_URL": app.config["DATABASE_URL"], "WTF_CSRF_ENABLED": False, "TRUSTED_PROXIES": 1},
                        env="testing")
    client = behind.test_client()
    answers = [_subscribe_from(client, f"192.0.2.{n}").status_code for n in range(11)]
    assert answers == [200] * 11  # eleven visitors behind the proxy
    from portal.extensions import db

    with behind.app_context():
        db.engine.dispose()


def test_the_error_page_renders_for_a_signed_in_person_after_a_failed_write(app, citizen):
    """A request whose write failed leaves its transaction broken: the translated 500 page (whose header
    reads the signed-in person) still renders, with its reference."""
    from portal import create_app
    from portal.extensions import db
    from tests.fixtures.accounts import sign_in

    failing = create_app({"DATABASE_URL": app.config["DATABASE_URL"], "WTF_CSRF_ENABLED": False}, env="testing")

    def write_twice():
        from portal.missions.models import Country

        db.session.add(Country(code="JP", name_zh="日本", name_en="Japan"))  # already there: saving it fails
        return "saved?"  # the boundary's commit fails after the view has returned

    failing.add_url_rule("/test-only/failing-write", "failing_write", write_twice)
    failing.view_functions["failing_write"].access_rule = "public"
    client = failing.test_client()
    sign_in(client, citizen)
    response = client.get("/test-only/failing-write", headers={"Accept-Language": "en"})
    assert response.status_code == 500
    text = response.get_data(as_text=True)
    assert "Sorry, there is a problem with the service" in text and "Sign out" in text
    with failing.app_context():
        db.engine.dispose()


def test_a_session_the_database_cannot_look_up_answers_503_not_signed_out(app, citizen, client):
    from portal import create_app
    from tests.fixtures.accounts import sign_in

    sign_in(client, citizen)
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    away = create_app({"DATABASE_URL": "postgresql://nobody@127.0.0.1:9/none", "WTF_CSRF_ENABLED": False,
                       "SECRET_KEY": app.config["SECRET_KEY"]}, env="testing")
    visitor = away.test_client()
    visitor.set_cookie(app.config["SESSION_COOKIE_NAME"], cookie, domain="localhost")
    response = visitor.get("/account/cases", headers={"Accept-Language": "en"})
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert "/account/login" not in response.headers.get("Location", "")


def test_single_line_fields_keep_no_line_break_a_crafted_request_sends(app, client):
    from portal.accounts.models import User
    from portal.extensions import db

    client.post("/account/register", data={"name": "Amy\r\nBcc: evil@example.com\u2028Lin",
                                           "email": "amy@example.tw", "password": "correct horse battery staple",
                                           "password_confirm": "correct horse battery staple"})
    with app.app_context():
        assert db.session.scalar(sa.select(User.name)) == "Amy Bcc: evil@example.com Lin"


def test_an_upload_larger_than_the_limit_is_refused_before_its_body_is_read(live_server):
    """The limit is judged from the announced length: the 413 comes back while the 100 MB are still
    unsent, so nothing of them was read, spooled or written."""
    import socket
    from urllib.parse import urlsplit

    address = urlsplit(live_server)
    with socket.create_connection((address.hostname, address.port), timeout=10) as connection:
        connection.sendall(b"POST /mailbox HTTP/1.1\r\nHost: " + address.netloc.encode() + b"\r\n"
                           b"Content-Type: multipart/form-data; boundary=x\r\n"
                           b"Content-Length: 104857600\r\nAccept-Language: en\r\n\r\n--x\r\n")
        answer = connection.recv(65536).decode("latin-1")
    assert answer.startswith("HTTP/1.1 413"), answer[:200]


def test_full_width_digits_and_letters_are_read_as_plain_ones_in_every_single_line_field(app, client, outbox):
    """Typed on a Chinese phone keyboard: the address and the phone number are what the person meant."""
    from portal.accounts.models import User
    from portal.extensions import db

    full_width = "".join(chr(ord(ch) + 0xFEE0) for ch in "amy@example.tw")
    answer = client.post("/account/register", data={"name": "Amy", "email": full_width,
                                                    "password": "correct horse battery staple",
                                                    "password_confirm": "correct horse battery staple"})
    assert "We have sent a link to amy@example.tw." in page_text(answer)
    with app.app_context():
        assert db.session.scalar(sa.select(User.email)) == "amy@example.tw"
    assert outbox("amy@example.tw")


def test_free_text_keeps_the_chinese_punctuation_it_was_typed_with(app, client, headquarters):
    from portal.extensions import db
    from portal.feedback.models import MailboxMessage
    from tests.integration.test_mailbox import post_message

    post_message(client, message="您好，請問護照：何時可以領取？（謝謝）", phone="＋８８６ ９１２ ３４５ ６７８")
    with app.app_context():
        message = db.session.scalar(sa.select(MailboxMessage))
        assert message.message == "您好，請問護照：何時可以領取？（謝謝）"
        assert message.writer_phone == "+886 912 345 678"


def test_readiness_says_when_redis_is_away(app, client):
    """With Redis configured, /readyz answers 503 while it cannot be reached, and ok when it can."""
    import os

    saved = app.config.get("REDIS_URL")
    try:
        app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # nothing listens on port 1
        away = client.get("/readyz")
        assert away.status_code == 503 and away.get_json()["redis"] == "unreachable"
        if os.environ.get("PORTAL_TEST_REDIS_URL"):
            app.config["REDIS_URL"] = os.environ["PORTAL_TEST_REDIS_URL"]
            assert client.get("/readyz").get_json() == {"status": "ok", "database": "ok", "redis": "ok"}
    finally:
        app.config["REDIS_URL"] = saved


@pytest.mark.usefixtures("headquarters")
def test_a_signed_in_officer_gets_the_503_page_too_when_the_database_goes(app, hq_officer, monkeypatch):
    """The header of the error page (the officer's name, the links their role and mission give) is
    drawn from what was loaded before the database went: nothing on it needs the database."""
    client = app.test_client()
    sign_in(client, hq_officer)
    assert "Visa rules" in client.get("/staff/queue").get_data(as_text=True)

    def unreachable(*args, **kwargs):
        raise sa.exc.OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused"))

    original_execute = sa.orm.Session._execute_internal
    calls = {"n": 0}

    def fails_after_the_user_is_loaded(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] > 2:  # the session row with its user, then the database is gone
            unreachable()
        return original_execute(self, *args, **kwargs)

    # every statement a session runs passes here (execute, scalars, get)
    monkeypatch.setattr(sa.orm.Session, "_execute_internal", fails_after_the_user_is_loaded)
    page = client.get("/staff/queue")
    monkeypatch.undo()
    body = page.get_data(as_text=True)
    assert page.status_code == 503 and "Traceback" not in body
    assert "Visa rules" in body and "Work queue" in body
