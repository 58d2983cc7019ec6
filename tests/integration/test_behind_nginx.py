"""The production shape: two app copies (gunicorn, config/gunicorn.conf.py) behind nginx
(config/nginx.conf.template) on one PostgreSQL and one Redis behave as one portal: a session holds
whichever copy answers, a rate limit counts across both, nginx's page cache shows a published change
within its stated seconds (and a draft never, and no page in the wrong language), and two officers
claiming one case through different copies leave one holder."""

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import requests

from config import nginx_config
from tests.fixtures.accounts import PASSWORD, current_code
from tests.fixtures.infra import free_port, side_by_side

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
REDIS_URL = os.environ.get("PORTAL_TEST_REDIS_URL")


def _wait_for(url: str, process: subprocess.Popen, seconds: float = 40) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} stopped with status {process.returncode}")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:  # not listening yet, or too busy starting to answer
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer")


@pytest.fixture
def behind_nginx(app):
    """(nginx's base URL, [access log of each copy]) for two gunicorn copies on the test database and Redis."""
    from sqlalchemy.engine import make_url

    if not make_url(app.config["DATABASE_URL"]).drivername.startswith("postgresql") or not REDIS_URL:
        pytest.skip("app copies share PostgreSQL and Redis: runs with PORTAL_TEST_DATABASE_URL and PORTAL_TEST_REDIS_URL")
    if not shutil.which("nginx"):
        pytest.fail("nginx is needed (apt-get install nginx; .ci/run installs it)")
    import redis

    store = redis.Redis.from_url(REDIS_URL)
    store.flushdb()  # rate-limit counts and cached pages of earlier tests
    store.close()
    # nginx's workers run as an unprivileged user: its folders must be theirs to read and write
    tmp_path = Path(tempfile.mkdtemp(prefix="portal-nginx-"))
    tmp_path.chmod(0o755)
    processes, logs, upstreams = [], [], []
    env = {**os.environ, "PORTAL_ENV": "testing", "PORTAL_DATABASE_URL": app.config["DATABASE_URL"],
           "PORTAL_REDIS_URL": REDIS_URL, "PORTAL_TRUSTED_PROXIES": "1", "PORTAL_WTF_CSRF_ENABLED": "false",
           "GUNICORN_WORKERS": "2"}
    env.pop("PORTAL_TEST_DATABASE_URL", None)
    try:
        for copy in (1, 2):
            port, log = free_port(), tmp_path / f"copy{copy}.log"
            processes.append(subprocess.Popen(
                [str(BIN / "gunicorn"), "-c", "config/gunicorn.conf.py", "wsgi:app"], cwd=ROOT,
                env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_ACCESS_LOG": str(log)},
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            _wait_for(f"http://127.0.0.1:{port}/healthz", processes[-1])
            logs.append(log)
            upstreams.append(f"server 127.0.0.1:{port};")
        listen = free_port()
        (tmp_path / "cache").mkdir(mode=0o777)
        (tmp_path / "cache").chmod(0o777)
        values = {"PORTAL_LISTEN": f"127.0.0.1:{listen}", "PORTAL_UPSTREAMS": " ".join(upstreams),
                  "PORTAL_STATIC": f"{ROOT}/portal/static/", "PORTAL_CACHE": str(tmp_path / "cache"),
                  "PORTAL_RUN": str(tmp_path)}
        (tmp_path / "nginx.conf").write_text(nginx_config(**values))
        processes.append(subprocess.Popen(["nginx", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"),
                                           "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        base = f"http://127.0.0.1:{listen}"
        _wait_for(f"{base}/healthz", processes[-1])
        yield base, logs
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(tmp_path, ignore_errors=True)


def _served(logs, path: str) -> list[int]:
    """How many requests for the path each copy answered (from its access log)."""
    return [log.read_text().count(f" {path} ") if log.exists() else 0 for log in logs]


def test_a_session_holds_whichever_copy_answers(behind_nginx, citizen):
    base, logs = behind_nginx
    browser = requests.Session()
    signed_in = browser.post(f"{base}/account/login", data={"email": citizen.email, "password": PASSWORD})
    assert signed_in.status_code == 200 and signed_in.url.endswith("/account")
    pages = [browser.get(f"{base}/account", headers={"Accept-Language": "en"}) for _ in range(6)]
    assert all(page.status_code == 200 and citizen.email in page.text for page in pages)
    assert all(count >= 2 for count in _served(logs, "/account"))  # both copies answered, round robin
    assert browser.get(f"{base}/static/css/portal.css").status_code == 200  # nginx serves static files


def test_a_rate_limit_counts_requests_to_both_copies(behind_nginx):
    base, logs = behind_nginx
    data = {"name": "A", "email": "a@example.tw", "password": "x", "password_confirm": "x"}
    statuses = [requests.post(f"{base}/account/register", data=data).status_code for _ in range(11)]
    assert statuses == [200] * 10 + [429]
    assert all(count >= 4 for count in _served(logs, "/account/register"))


@pytest.fixture
def copy_in_process(app):
    """A third copy of the app, in this process, on the same database and Redis: what it publishes drops
    the published state every copy reads from Redis, as a publish through any copy does."""
    from portal import create_app
    from portal.extensions import db

    copy = create_app({"DATABASE_URL": app.config["DATABASE_URL"], "REDIS_URL": REDIS_URL}, env="testing")
    yield copy
    with copy.app_context():
        db.engine.dispose()


def _publish(copy, editors, country: str, level: str, summary: str, *, publish: bool = True) -> None:
    from portal.accounts.models import User
    from portal.advisories import service
    from portal.core.db import unit_of_work

    editor, supervisor = editors
    with copy.test_request_context(), unit_of_work() as session:
        draft = service.start_draft(session, country, by=session.get(User, editor.id))
        service.update_draft(session, draft, by=session.get(User, editor.id), level=level, update_type="major",
                             indicators=[], texts={"zh": {"summary": f"{summary}（中文）", "safety": "注意安全。"},
                                                   "en": {"summary": summary, "safety": "Take care."}},
                             change_note_zh="更新。", change_note_en="Updated.", regions=[])
        if publish:
            service.publish(session, draft, by=session.get(User, supervisor.id))


def test_nginx_keeps_public_advice_per_language_and_shows_a_published_change_within_five_seconds(
        behind_nginx, copy_in_process, editors):
    base, logs = behind_nginx
    _publish(copy_in_process, editors, "PE", "grey", "Calm in Lima.")
    url = f"{base}/advisories/PE"

    def fetch(language="en"):
        return requests.get(url, headers={"Accept-Language": language})

    first, again = fetch(), fetch()
    assert "Calm in Lima." in first.text and again.headers["X-Cache"] == "HIT"
    # kept compressed (requests takes gzip, as browsers do), and unpacked for a client that takes none
    assert again.headers["Content-Encoding"] == "gzip"
    plain = requests.get(url, headers={"Accept-Language": "en", "Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers and plain.text == again.text
    chinese = fetch("zh-TW")
    assert chinese.headers["X-Cache"] == "MISS" and 'lang="zh-Hant-TW"' in chinese.text
    assert fetch("zh-TW").headers["X-Cache"] == "HIT" and 'lang="en"' in fetch().text
    # kept per Accept-Language as sent: whatever the portal chose for a header is what that header gets
    mixed = [requests.get(url, headers={"Accept-Language": "fr, en;q=0.5"}) for _ in range(2)]
    assert [m.headers["X-Cache"] for m in mixed] == ["MISS", "HIT"] and 'lang="en"' in mixed[1].text
    for _ in range(2):
        weighted = requests.get(url, headers={"Accept-Language": "en, zh-TW"})
        assert 'lang="zh-Hant-TW"' in weighted.text  # an exact match wins over the first language
    assert 'lang="zh-Hant-TW"' in fetch("zh-TW").text and 'lang="en"' in fetch().text

    _publish(copy_in_process, editors, "PE", "yellow", "Protests in Lima.")
    _publish(copy_in_process, editors, "PE", "red", "Draft: evacuate.", publish=False)
    published = time.monotonic()
    while "Protests in Lima." not in fetch().text:
        assert time.monotonic() - published < 7, "the published change was not public within 5 seconds"
        time.sleep(0.25)
    for _ in range(3):
        assert "Draft: evacuate." not in fetch().text
    signed_in = requests.get(url, headers={"Accept-Language": "en", "Cookie": "portal_session=whoever"})
    assert signed_in.headers.get("X-Cache") == "BYPASS"


def test_the_copies_behind_the_cached_paths_get_nginxs_request_id_not_the_visitors(behind_nginx, app):
    """The cached paths have their own nginx settings: the headers set for every request (the request id,
    the visitor's address) still reach the copies, and a visitor cannot choose the id it is logged under."""
    import sqlalchemy as sa

    from portal.core.outbox import OutboxMessage
    from portal.extensions import db

    base, _ = behind_nginx
    answer = requests.post(f"{base}/advisories/subscribe", data={"email": "ids@example.tw", "country_code": "JP"},
                           headers={"X-Request-ID": "visitor-chosen-0001"})
    assert answer.status_code == 200 and answer.headers["X-Request-ID"] != "visitor-chosen-0001"
    with app.app_context():
        queued = db.session.scalar(sa.select(OutboxMessage.request_id).where(OutboxMessage.to_address == "ids@example.tw"))
    assert queued == answer.headers["X-Request-ID"]  # nginx's id, set for the server, reached the copy


def test_two_officers_claiming_one_case_through_different_copies_leave_one_holder(
        behind_nginx, make_user, citizen, make_enquiry, app):
    import sqlalchemy as sa

    from portal.core.cases.models import Case, CaseEvent
    from portal.extensions import db

    base, _ = behind_nginx
    reference = make_enquiry(citizen)
    browsers = []
    for officer in (make_user("staff", mission="tokyo"), make_user("staff", mission="tokyo")):
        browser = requests.Session()
        browser.post(f"{base}/account/login", data={"email": officer.email, "password": PASSWORD})
        assert browser.post(f"{base}/account/login/code", data={"code": current_code(officer)}).status_code == 200
        browsers.append(browser)
    waiting = iter(browsers)  # each thread takes the next officer's browser

    def claim():
        return next(waiting).post(f"{base}/staff/cases/{reference}/claim", data={"version": 1},
                                  headers={"Accept-Language": "en"}).text

    answers = side_by_side(app, 2, claim)
    assert sum("You hold this case now." in answer for answer in answers) == 1
    assert sum("Another officer claimed this case" in a or "cannot be claimed" in a for a in answers) == 1
    with app.app_context():
        case = db.session.scalar(sa.select(Case).where(Case.reference == reference))
        claims = db.session.scalar(sa.select(sa.func.count()).select_from(CaseEvent)
                                   .where(CaseEvent.case_id == case.id, CaseEvent.action == "claim"))
    assert claims == 1
