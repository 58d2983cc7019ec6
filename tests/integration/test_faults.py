"""The database connection cut while people use the portal and while the worker sends mail, through a
relay that really drops the connections (PostgreSQL), behind the development server and behind
gunicorn: pages answer the translated 503 (never a bare 500, never "signed out") and recover, and
mail the mail server took is never sent twice."""

import os
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa
import time_machine
from aiosmtpd.controller import Controller

from tests.fixtures.accounts import PASSWORD
from tests.fixtures.infra import Inbox, free_port, serve_portal


@pytest.fixture
def proxied_app(database_proxy):
    """The portal on its own threaded server, talking to the database through the relay."""
    proxy, url = database_proxy
    with serve_portal(url) as (portal, base):
        yield portal, proxy, base


@pytest.fixture
def gunicorn_on_proxy(database_proxy):
    """The portal as production serves it (gunicorn, two workers), talking to the database through the relay."""
    proxy, url = database_proxy
    port = free_port()
    env = {**os.environ, "PORTAL_ENV": "testing", "PORTAL_DATABASE_URL": url, "PORTAL_WTF_CSRF_ENABLED": "false"}
    server = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "--workers", "2", "--bind",
                               f"127.0.0.1:{port}", "wsgi:app"], cwd=Path(__file__).resolve().parents[2], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            requests.get(f"{base}/healthz", timeout=2)
            break
        except requests.RequestException:  # not listening yet, or too busy starting to answer
            time.sleep(0.2)
    yield proxy, base
    server.terminate()
    server.wait(10)


@pytest.mark.parametrize("served_by", ["werkzeug", "gunicorn"])
def test_while_the_database_connection_is_cut_pages_answer_503_and_then_recover(request, served_by, citizen):
    proxy, base = (request.getfixturevalue("proxied_app")[1:] if served_by == "werkzeug"
                   else request.getfixturevalue("gunicorn_on_proxy"))
    browser = requests.Session()
    browser.headers["Accept-Language"] = "zh-TW"
    signed_in = browser.post(f"{base}/account/login", data={"email": citizen.email, "password": PASSWORD},
                             allow_redirects=False)
    assert signed_in.status_code == 303
    assert browser.get(f"{base}/account").status_code == 200

    proxy.cut()
    for path in ("/account", "/missions", "/account", "/healthz"):
        answer = browser.get(f"{base}{path}", allow_redirects=False)
        # never a bare "Internal Server Error", never the sign-in page as if signed out
        assert answer.status_code == 503, (path, answer.status_code, answer.text[:300])
        if path != "/healthz":
            assert "很抱歉，目前無法提供服務" in answer.text and answer.headers["Retry-After"]

    proxy.restore()
    back = browser.get(f"{base}/account", allow_redirects=False)
    assert back.status_code == 200 and citizen.email in back.text  # still signed in
    assert browser.get(f"{base}/healthz").status_code == 200


def test_mail_the_server_took_just_before_the_database_went_away_is_not_sent_again(
        proxied_app, monkeypatch):
    """The worker sends, the connection is cut before "sent" is saved: once the database is back the
    message is recorded as sent, and it is not sent again when its lease would have run out."""
    from portal.core.db import unit_of_work
    from portal.core.outbox import OutboxMessage, deliver_pending
    from portal.extensions import db

    portal, proxy, _ = proxied_app

    class CutAfterTaking(Inbox):
        def handle_message(self, message):
            super().handle_message(message)
            proxy.cut()  # the mail server has it; the worker's database connection goes

    inbox = CutAfterTaking()
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    monkeypatch.setitem(portal.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(portal.config, "SMTP_PORT", smtp.port)
    try:
        with portal.app_context(), unit_of_work() as session:
            session.add(OutboxMessage(to_address="amy@example.tw", subject="Your trip", body="Take care."))
        with portal.app_context():
            with pytest.raises(sa.exc.DBAPIError):
                deliver_pending(db.session)
            db.session.rollback()
            db.session.remove()
        proxy.restore()
        with portal.app_context():
            assert deliver_pending(db.session) == (0, 0)
            message = db.session.scalar(sa.select(OutboxMessage))
            assert message.status == "sent" and message.sent_at is not None
        with time_machine.travel(datetime.now(UTC) + timedelta(hours=1)), portal.app_context():
            assert deliver_pending(db.session) == (0, 0)
    finally:
        smtp.stop()
    assert [m["Subject"] for m in inbox.messages] == ["Your trip"]


@pytest.mark.parametrize("served_by", ["werkzeug", "gunicorn"])
def test_connections_cut_while_requests_are_in_flight_give_normal_pages_or_503(request, served_by, citizen):
    """Eight signed-in browsers keep loading pages while the connection is cut and restored three
    times: each answer is the page or the translated 503, never a bare 500 or the sign-in page."""
    proxy, base = (request.getfixturevalue("proxied_app")[1:] if served_by == "werkzeug"
                   else request.getfixturevalue("gunicorn_on_proxy"))
    browsers = []
    for _ in range(8):
        browser = requests.Session()
        assert browser.post(f"{base}/account/login", data={"email": citizen.email, "password": PASSWORD},
                            allow_redirects=False).status_code == 303
        browsers.append(browser)
    answers: list[tuple[str, int, bool]] = []
    stop = threading.Event()

    def keep_loading(browser):
        while not stop.is_set():
            for path in ("/account", "/missions", "/account/surveys"):
                answer = browser.get(f"{base}{path}", allow_redirects=False, timeout=20)
                answers.append((path, answer.status_code, "Sorry, the service is unavailable" in answer.text
                                or "目前無法提供服務" in answer.text))

    threads = [threading.Thread(target=keep_loading, args=(b,)) for b in browsers]
    for thread in threads:
        thread.start()
    for _ in range(3):
        time.sleep(0.4)
        proxy.cut()
        time.sleep(0.4)
        proxy.restore()
    time.sleep(0.4)
    stop.set()
    for thread in threads:
        thread.join(30)
    statuses = {status for _, status, _ in answers}
    assert statuses <= {200, 503}, sorted((p, s) for p, s, _ in answers if s not in (200, 503))[:5]
    assert all(translated for _, status, translated in answers if status == 503)
    assert 200 in statuses and 503 in statuses
    assert browsers[0].get(f"{base}/account", allow_redirects=False).status_code == 200
