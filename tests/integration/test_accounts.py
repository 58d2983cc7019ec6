"""Registering, confirming, signing in and out, passwords, sessions and personal data."""

import html
import json
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from tests.fixtures.accounts import PASSWORD, current_code, sign_in
from tests.fixtures.pages import text_of


def register(client, email="amy@example.tw", password=PASSWORD, confirm=None, **kwargs):
    return client.post("/account/register", data={"name": "Amy Lin", "email": email, "password": password,
                                                  "password_confirm": confirm or password}, **kwargs)


def test_a_citizen_registers_confirms_by_email_and_signs_in(client, outbox, get_page):
    response = register(client)
    assert "Check your email" in response.get_data(as_text=True) or "電子郵件" in response.get_data(as_text=True)
    link = outbox.link("amy@example.tw")
    assert link.startswith("/account/confirm/")

    refused = client.post("/account/login", data={"email": "amy@example.tw", "password": PASSWORD})
    assert refused.status_code == 200  # not confirmed yet: refused, and a new link is sent
    assert len(outbox("amy@example.tw")) == 2

    assert client.get(link).status_code == 302
    response = client.post("/account/login", data={"email": "AMY@example.tw ", "password": PASSWORD})
    assert response.status_code == 303 and response.headers["Location"] == "/account"
    _, document = get_page("/account")
    assert "amy@example.tw" in text_of(document)


def test_the_stored_password_is_an_argon2id_hash(client, app):
    register(client)
    from portal.accounts.models import User
    from portal.extensions import db

    with app.app_context():
        stored = db.session.scalar(sa.select(User.password_hash).where(User.email == "amy@example.tw"))
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


@pytest.mark.parametrize("password, message", [
    ("short pass", "at least 12 characters"),
    ("qwerty123456", "easy to guess. This is a very common password."),
    ("aaaaaaaaaaaaaaa", 'Repeats like "aaa" are easy to guess.'),
    # long enough and not on any list, but a common password with digits after it
    ("password1234567", "This is similar to a commonly used password. Add another word or two."),
    # the person's own address and name are words an attacker knows
    ("amy@example.tw!!", "easy to guess"),
    ("amy lin 1990", "easy to guess"),
])
def test_weak_passwords_are_refused_and_nothing_is_saved(client, outbox, password, message, app):
    response = register(client, password=password)
    body = html.unescape(response.get_data(as_text=True))
    assert message in body and "There is a problem" in body
    assert 'value="amy@example.tw"' in body  # what was typed is kept
    assert outbox() == []
    from portal.accounts.models import User
    from portal.extensions import db

    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_the_advice_on_a_weak_password_is_in_the_readers_language(client):
    response = register(client, password="password1234567", headers={"Accept-Language": "zh-TW"})
    body = response.get_data(as_text=True)
    assert "這個密碼很容易被猜到" in body and "這與常用的密碼相似" in body


def test_a_strong_password_that_is_not_a_passphrase_is_accepted(client, outbox):
    assert register(client, password="Tr0ub4dor&3xyz").status_code == 200
    assert outbox("amy@example.tw")


def test_mismatched_and_missing_fields_get_clear_messages(client):
    response = client.post("/account/register", data={"name": "", "email": "not-an-email", "password": PASSWORD,
                                                      "password_confirm": PASSWORD + "x"})
    body = response.get_data(as_text=True)
    for message in ("Enter your full name.", "right format", "do not match"):
        assert message in body
    assert '<a href="#name">' in body  # the summary links to the field


def test_registering_a_known_address_looks_the_same_and_warns_the_owner(client, citizen, outbox):
    response = register(client, email=citizen.email)
    assert response.status_code == 200
    assert "Check your email" in response.get_data(as_text=True)
    assert outbox(citizen.email)[-1].subject == "You already have an account"


def test_unknown_account_and_wrong_password_get_the_same_answer(client, citizen):
    unknown = client.post("/account/login", data={"email": "nobody@example.tw", "password": PASSWORD})
    wrong = client.post("/account/login", data={"email": citizen.email, "password": "wrong password here"})
    assert unknown.status_code == wrong.status_code == 200
    message = "The email address or password is not right."
    assert message in unknown.get_data(as_text=True) and message in wrong.get_data(as_text=True)


def test_repeated_failures_slow_then_refuse_for_that_account_even_with_the_right_password(client, citizen):
    for _ in range(3):
        client.post("/account/login", data={"email": citizen.email, "password": "wrong password here"})
    slowed = client.post("/account/login", data={"email": citizen.email, "password": PASSWORD})
    assert slowed.status_code == 429
    assert "Too many attempts" in slowed.get_data(as_text=True)
    with time_machine.travel(timedelta(seconds=6)):  # after the short wait it works again
        assert client.post("/account/login", data={"email": citizen.email, "password": PASSWORD}).status_code == 303


def test_an_unknown_account_is_throttled_just_like_a_real_one(client):
    for _ in range(3):
        client.post("/account/login", data={"email": "ghost@example.tw", "password": "wrong password here"})
    assert client.post("/account/login", data={"email": "ghost@example.tw", "password": PASSWORD}).status_code == 429


def test_many_failures_refuse_the_account_for_a_while(client, citizen):
    for minute in range(10):
        with time_machine.travel(timedelta(minutes=minute * 10)):
            client.post("/account/login", data={"email": citizen.email, "password": "wrong password here"})
    with time_machine.travel(timedelta(minutes=95)):
        assert client.post("/account/login", data={"email": citizen.email, "password": PASSWORD}).status_code == 429
    with time_machine.travel(timedelta(minutes=125)):
        assert client.post("/account/login", data={"email": citizen.email, "password": PASSWORD}).status_code == 303


def test_failures_from_one_address_across_accounts_are_limited(client, make_user):
    users = [make_user("citizen") for _ in range(10)]
    for user in users:
        client.post("/account/login", data={"email": user.email, "password": "wrong password here"})
    fresh = make_user("citizen")
    assert client.post("/account/login", data={"email": fresh.email, "password": PASSWORD}).status_code == 429


def test_signing_out_ends_the_session_on_the_server(app, client, citizen):
    sign_in(client, citizen)
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    assert client.post("/account/logout").status_code == 303
    replay = app.test_client()
    replay.set_cookie(app.config["SESSION_COOKIE_NAME"], cookie)
    response = replay.get("/account")
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]


def test_sessions_expire_when_idle_and_after_an_absolute_limit(client, citizen):
    with time_machine.travel(0, tick=False) as traveller:
        traveller.move_to("2026-11-27 09:00 +0800")
        sign_in(client, citizen)
        traveller.move_to("2026-11-27 09:29 +0800")
        assert client.get("/account").status_code == 200
        traveller.move_to("2026-11-27 10:01 +0800")  # 32 idle minutes
        assert client.get("/account").status_code == 302
        sign_in(client, citizen)
        for hour in range(10, 22):  # active every 20 minutes, yet ended 12 hours after signing in at 10:01
            for minute in (20, 40, 59):
                traveller.move_to(f"2026-11-27 {hour}:{minute:02d} +0800")
                assert client.get("/account").status_code == 200, (hour, minute)
        traveller.move_to("2026-11-27 22:05 +0800")
        assert client.get("/account").status_code == 302


def test_a_password_reset_link_works_once_and_expires(client, citizen, outbox):
    client.post("/account/reset", data={"email": citizen.email})
    link = outbox.link(citizen.email)
    new_password = "a brand new long password"
    assert client.post(link, data={"password": new_password, "password_confirm": new_password}).status_code == 303
    assert client.get(link).status_code == 400  # used
    assert client.post("/account/login", data={"email": citizen.email, "password": new_password}).status_code == 303

    client.post("/account/logout")
    client.post("/account/reset", data={"email": citizen.email})
    late_link = outbox.link(citizen.email)
    with time_machine.travel(timedelta(minutes=61)):
        assert client.get(late_link).status_code == 400


def test_a_reset_request_for_an_unknown_address_looks_the_same_and_sends_nothing(client, outbox):
    response = client.post("/account/reset", data={"email": "nobody@example.tw"})
    assert response.status_code == 200 and "If nobody@example.tw has an account" in response.get_data(as_text=True)
    assert outbox() == []


def test_changing_the_password_signs_out_other_sessions(app, citizen):
    first, second = app.test_client(), app.test_client()
    sign_in(first, citizen)
    sign_in(second, citizen)
    new_password = "another long password ok"
    response = first.post("/account/password", data={"current_password": PASSWORD, "password": new_password,
                                                      "password_confirm": new_password})
    assert response.status_code == 303
    assert first.get("/account").status_code == 200
    assert second.get("/account").status_code == 302


def test_changing_the_password_needs_the_current_one(client, citizen):
    sign_in(client, citizen)
    response = client.post("/account/password", data={"current_password": "not it at all", "password": "x" * 20,
                                                       "password_confirm": "x" * 20})
    assert "Your current password is not right." in response.get_data(as_text=True)


def test_staff_enrol_a_second_factor_at_first_sign_in(client, make_user, get_page):
    import pyotp

    officer = make_user("staff", enrolled=False)
    response = client.post("/account/login", data={"email": officer.email, "password": PASSWORD})
    assert response.headers["Location"].startswith("/account/login/enrol")
    assert client.get("/staff/queue").status_code == 302  # no session before the second factor
    _, document = get_page("/account/login/enrol")
    secret = document.find(".//code").text
    assert document.find(".//img").get("src").startswith("data:image/svg+xml")
    bad = client.post("/account/login/enrol", data={"code": "000000"})
    assert "The code is not right" in bad.get_data(as_text=True)
    good = client.post("/account/login/enrol", data={"code": pyotp.TOTP(secret).now()})
    assert good.status_code == 303
    assert client.get("/staff/queue").status_code == 200


def test_a_second_factor_code_cannot_be_used_twice(app, officer):
    code = current_code(officer)
    first = app.test_client()
    first.post("/account/login", data={"email": officer.email, "password": PASSWORD})
    assert first.post("/account/login/code", data={"code": code}).status_code == 303
    second = app.test_client()
    second.post("/account/login", data={"email": officer.email, "password": PASSWORD})
    assert second.post("/account/login/code", data={"code": code}).status_code == 200
    assert second.get("/staff/queue").status_code == 302


def test_the_code_page_needs_the_password_step_first(client):
    assert client.get("/account/login/code").status_code == 302
    assert client.get("/account/login/enrol").status_code == 302


def test_a_citizen_downloads_their_own_data(client, citizen):
    sign_in(client, citizen)
    client.post("/enquiries/new", data={"country_code": "JP", "topic": "passports", "subject": "Renewal",
                                        "message": "How do I renew?", "submission_token": "t1"})
    response = client.get("/account/data")
    assert response.headers["Content-Disposition"].startswith("attachment")
    data = json.loads(response.get_data(as_text=True))
    assert data["account"]["email"] == citizen.email
    assert [c["summary"] for c in data["cases"]] == ["Renewal"]


def test_closing_an_account_needs_the_password_and_stops_sign_in(client, citizen):
    sign_in(client, citizen)
    wrong = client.post("/account/close", data={"password": "not my password"})
    assert "Your password is not right." in wrong.get_data(as_text=True)
    assert client.post("/account/close", data={"password": PASSWORD}).status_code == 303
    assert client.get("/account").status_code == 302
    again = client.post("/account/login", data={"email": citizen.email, "password": PASSWORD})
    assert "The email address or password is not right." in again.get_data(as_text=True)


def _from(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_a_strangers_failures_from_other_addresses_leave_the_owner_able_to_sign_in(app, citizen):
    for n in range(12):
        _from(app, f"203.0.113.{n % 3 + 1}").post("/account/login",
                                                  data={"email": citizen.email, "password": "wrong password here"})
    # The stranger's addresses are slowed for this account ...
    assert _from(app, "203.0.113.1").post(
        "/account/login", data={"email": citizen.email, "password": PASSWORD}).status_code == 429
    # ... while the owner, from home, signs in at once.
    assert _from(app, "198.51.100.7").post(
        "/account/login", data={"email": citizen.email, "password": PASSWORD}).status_code == 303


def test_a_thousand_guesses_from_a_hundred_addresses_get_at_most_the_ceiling(app, citizen):
    from portal.accounts.throttle import ACCOUNT_CEILING

    checked = refused = 0
    start = datetime.now(UTC)
    for n in range(1000):
        with time_machine.travel(start + timedelta(seconds=3 * n)):  # fifty minutes of guessing
            answer = _from(app, f"10.0.{n % 100 // 250}.{n % 100 + 1}").post(
                "/account/login", data={"email": citizen.email, "password": f"guess number {n}"})
        if answer.status_code == 200:
            checked += 1
        else:
            assert answer.status_code == 429
            refused += 1
    assert checked <= ACCOUNT_CEILING == 20 and checked + refused == 1000
    # The owner's browser, which signed in before, still gets in; a new browser is told what to do.
    with time_machine.travel(start + timedelta(minutes=51)):
        new_browser = _from(app, "198.51.100.9").post("/account/login",
                                                      data={"email": citizen.email, "password": PASSWORD})
        assert new_browser.status_code == 429
        text = new_browser.get_data(as_text=True)
        assert "Sign in from a browser you have used before, or reset your password by email" in text


def test_the_owners_own_browser_signs_in_while_the_account_is_under_attack(app, citizen):
    owner = _from(app, "198.51.100.20")
    assert owner.post("/account/login", data={"email": citizen.email, "password": PASSWORD}).status_code == 303
    assert owner.get_cookie("portal_device") is not None
    owner.post("/account/logout")
    for n in range(25):  # enough to reach the ceiling, spread over addresses (the owner's among them)
        address = "198.51.100.20" if n == 0 else f"10.2.0.{n}"
        _from(app, address).post("/account/login", data={"email": citizen.email, "password": f"bad {n}"})
    assert _from(app, "198.51.100.21").post(
        "/account/login", data={"email": citizen.email, "password": PASSWORD}).status_code == 429
    assert owner.post("/account/login", data={"email": citizen.email, "password": PASSWORD}).status_code == 303
    # Someone else's device cookie counts for nothing on this account.
    other = _from(app, "198.51.100.22")
    other.set_cookie("portal_device", owner.get_cookie("portal_device").value, domain="localhost")
    assert other.post("/account/login",
                      data={"email": "someone.else@example.tw", "password": PASSWORD}).status_code == 200


def test_a_password_reset_lifts_the_pause_the_guessing_caused(app, citizen, outbox):
    for n in range(25):
        _from(app, f"10.1.0.{n + 1}").post("/account/login", data={"email": citizen.email, "password": f"bad {n}"})
    home = _from(app, "198.51.100.30")
    assert home.post("/account/login", data={"email": citizen.email, "password": PASSWORD}).status_code == 429
    home.post("/account/reset", data={"email": citizen.email})
    link = outbox.link(citizen.email)
    new_password = "a completely new passphrase 2027"
    home.post(link, data={"password": new_password, "password_confirm": new_password})
    assert home.post("/account/login", data={"email": citizen.email, "password": new_password}).status_code == 303


def test_registering_takes_as_long_for_an_existing_address_as_for_a_new_one(app, make_user, monkeypatch):
    """Timing must not tell which addresses have accounts: both paths hash the password once, and
    their answers take about as long (medians of several, measured against each other)."""
    import statistics
    import time

    import portal.accounts.service as accounts_service

    calls = []
    original = accounts_service.hash_password
    monkeypatch.setattr(accounts_service, "hash_password", lambda password: calls.append(1) or original(password))
    taken = [make_user("citizen") for _ in range(4)]

    def timed(email):
        began = time.perf_counter()
        assert register(app.test_client(), email=email, password="a long enough passphrase 2027").status_code == 200
        return time.perf_counter() - began

    timed("warm-up@example.tw")
    existing = [timed(user.email) for user in taken]
    fresh = [timed(f"new{n}@example.tw") for n in range(4)]
    assert len(calls) == 9  # once per registration, whichever the address
    ratio = statistics.median(existing) / statistics.median(fresh)
    assert 0.5 < ratio < 2, (existing, fresh)


def test_the_secret_being_enrolled_never_travels_in_the_session_cookie(app, client, make_user):
    import pyotp

    officer = make_user("staff", enrolled=False)
    client.post("/account/login", data={"email": officer.email, "password": PASSWORD})
    page = client.get("/account/login/enrol").get_data(as_text=True)
    from portal.accounts.models import User
    from portal.extensions import db

    with app.app_context():
        secret = db.session.get(User, officer.id).totp_pending_secret
    assert secret and secret in page
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    contents = app.session_interface.get_signing_serializer(app).loads(cookie)
    assert secret not in repr(contents) and "totp" not in repr(contents)
    # A wrong code keeps the same secret (the app was set up with it); the right one enrols it.
    client.post("/account/login/enrol", data={"code": "000000"})
    assert secret in client.get("/account/login/enrol").get_data(as_text=True)
    assert client.post("/account/login/enrol", data={"code": pyotp.TOTP(secret).now()}).status_code == 303
    with app.app_context():
        enrolled = db.session.get(User, officer.id)
        assert enrolled.totp_secret == secret and enrolled.totp_pending_secret is None


def test_signing_in_starts_a_new_session_so_a_cookie_from_before_never_becomes_signed_in(app, officer):
    """Session fixation: the cookie a browser held before signing in (here: after the password, before
    the code) is worth nothing afterwards, and each sign-in gets a token of its own."""
    name = app.config["SESSION_COOKIE_NAME"]
    browser = app.test_client()
    assert browser.post("/account/login", data={"email": officer.email, "password": PASSWORD}).status_code == 303
    before = browser.get_cookie(name).value
    assert browser.post("/account/login/code", data={"code": current_code(officer)}).status_code == 303
    after = browser.get_cookie(name).value
    assert after != before
    planted = app.test_client()
    planted.set_cookie(name, before)
    assert planted.get("/staff/queue").status_code == 302
    assert browser.get("/staff/queue").status_code == 200


def test_each_sign_in_has_its_own_server_side_session(app, citizen):
    from portal.accounts.models import UserSession
    from portal.extensions import db

    first, second = app.test_client(), app.test_client()
    sign_in(first, citizen)
    sign_in(second, citizen)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(UserSession)) == 2
    first.post("/account/logout")
    assert first.get("/account").status_code == 302 and second.get("/account").status_code == 200


def test_a_page_that_needs_an_account_says_why_it_sent_the_visitor_to_sign_in(client, citizen):
    sent = client.get("/account")
    assert sent.status_code == 302
    page = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert "The page you asked for needs an account: sign in and we will take you straight there." in page
    plain = client.get("/account/login").get_data(as_text=True)
    assert "needs an account" not in plain
    assert "needs an account" not in client.get("/account/login?next=https://evil.example").get_data(as_text=True)
    signed_in = client.post(sent.headers["Location"], data={"email": citizen.email, "password": PASSWORD})
    assert signed_in.headers["Location"] == "/account"
