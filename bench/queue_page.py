"""The staff queue page over HTTP at scale (PostgreSQL): a supervisor signed in through the pages
loads the queue under every filter, first page and page 500 (or the view's last), from several
connections at once for BENCH_SECONDS, against gunicorn with config/gunicorn.conf.py. Prints the
latency percentiles of the page (goal: p95 under 100 ms) and the requests per second.

Runs on the cases already in the database (`flask --app wsgi demo scale`, or bench/staff_queue.py
before it in `make bench`); alone with `BENCH_DATABASE_URL=postgresql://… .venv/bin/python bench/queue_page.py`
(with the PORTAL_* keys of a production configuration).
"""

import http.client
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
VENV_BIN = Path(sys.executable).parent
DURATION = os.environ.get("BENCH_SECONDS", "10")
CONNECTIONS = int(os.environ.get("BENCH_QUEUE_CONNECTIONS", "8"))
EMAIL, PASSWORD = "bench-queue-supervisor@example.tw", "bench-queue-password-2026"
DEEP_PAGE = 500
WRK_SCRIPT = """
paths = {%(paths)s}
counter = 0
request = function()
  counter = counter %% #paths + 1
  return wrk.format("GET", paths[counter], {["Cookie"] = "%(cookie)s", ["Accept-Language"] = "zh-TW"})
end
done = function(summary, latency, requests)
  io.write(string.format("LATENCY %%.1f %%.1f %%.1f %%.1f\\n", latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
"""


def _supervisor(session) -> str:
    """A supervisor at headquarters with a known password and second factor; returns its TOTP secret."""
    import pyotp
    import sqlalchemy as sa

    from portal.accounts.models import User
    from portal.accounts.passwords import hash_password
    from portal.core.db import utcnow
    from portal.core.roles import Role
    from portal.missions.models import HEADQUARTERS_CODE, Mission

    user = session.scalar(sa.select(User).where(User.email == EMAIL))
    if user is None:
        user = User(email=EMAIL, name="Bench supervisor", role=Role.SUPERVISOR, locale="zh_Hant_TW",
                    mission_id=session.scalar(sa.select(Mission.id).where(Mission.code == HEADQUARTERS_CODE)),
                    email_confirmed_at=utcnow())
        session.add(user)
    user.password_hash, user.totp_secret, user.totp_last_step = hash_password(PASSWORD), pyotp.random_base32(), None
    return user.totp_secret


def _paths(session, supervisor) -> list[str]:
    """The queue's URL under each filter, on the first page and on a deep page."""
    import sqlalchemy as sa

    from portal.core.cases.models import Case
    from portal.staff.queries import PAGE_SIZE, QueueFilter, encode_cursor, page_query

    sample = session.execute(sa.select(Case.mission_id, Case.kind, Case.status)
                             .where(Case.closed_at.is_(None)).order_by(Case.id).limit(1)).one()
    views = [({}, QueueFilter()),
             ({"mission_id": sample.mission_id}, QueueFilter(mission_id=sample.mission_id)),
             ({"kind": sample.kind}, QueueFilter(kind=sample.kind)),
             ({"status": f"{sample.kind}:{sample.status}"}, QueueFilter(status_kind=sample.kind, status=sample.status)),
             ({"mission_id": sample.mission_id, "kind": sample.kind},
              QueueFilter(mission_id=sample.mission_id, kind=sample.kind))]
    paths = []
    for args, filters in views:
        paths.append("/staff/queue?" + urllib.parse.urlencode(args))
        matching = session.scalar(sa.select(sa.func.count()).select_from(
            page_query(supervisor, filters).limit(None).order_by(None).subquery()))
        deep_page = max(2, min(DEEP_PAGE, -(-matching // PAGE_SIZE)))
        before = session.scalars(page_query(supervisor, filters).limit(None)
                                 .offset(PAGE_SIZE * (deep_page - 1) - 1).limit(1)).first()
        if before is not None:
            paths.append("/staff/queue?" + urllib.parse.urlencode({**args, "after": encode_cursor(before)}))
    return paths


def _sign_in(port: int, secret: str) -> str:
    """Sign in through the login pages (password, then the code); returns the Cookie header to send."""
    import pyotp

    cookies: dict[str, str] = {}

    def call(method: str, path: str, form: dict | None = None) -> str:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()), "Accept-Language": "en"}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                cookies[name] = rest.split(";", 1)[0]
        text = response.read().decode()
        connection.close()
        if response.status not in (200, 303):
            raise SystemExit(f"signing in: {method} {path} answered {response.status}")
        return text

    def token(page: str) -> str:
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)

    page = call("GET", "/account/login")
    call("POST", "/account/login", {"csrf_token": token(page), "email": EMAIL, "password": PASSWORD})
    page = call("GET", "/account/login/code")
    call("POST", "/account/login/code", {"csrf_token": token(page), "code": pyotp.TOTP(secret).now()})
    if "Sign out" not in call("GET", "/staff/queue") and "登出" not in call("GET", "/staff/queue"):
        raise SystemExit("signing in: the queue did not open")
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


def queue_page_at_scale(app) -> None:
    import sqlalchemy as sa

    from bench.run import free_port
    from portal.accounts.models import User
    from portal.core.cases.models import Case
    from portal.core.db import unit_of_work
    from portal.extensions import db

    with app.test_request_context():
        if db.engine.dialect.name != "postgresql":
            print("queue page benchmark: skipped (needs PostgreSQL: BENCH_DATABASE_URL=postgresql://…)")
            return
        opened = db.session.scalar(sa.select(sa.func.count()).select_from(Case).where(Case.closed_at.is_(None)))
        if not opened:
            print("queue page benchmark: skipped (no open cases: run `flask --app wsgi demo scale` first)")
            return
        with unit_of_work() as session:
            secret = _supervisor(session)
        supervisor = db.session.scalar(sa.select(User).where(User.email == EMAIL))
        paths = _paths(db.session, supervisor)
        cases = db.session.scalar(sa.select(sa.func.count()).select_from(Case))
        db.session.rollback()
    port = free_port()
    env = {**os.environ, "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": os.environ.get("BENCH_WORKERS", "4"),
           "PORTAL_LOG_LEVEL": "WARNING"}
    server = subprocess.Popen([str(VENV_BIN / "gunicorn"), "-c", "config/gunicorn.conf.py", "wsgi:app"], cwd=ROOT,
                              env=env)
    try:
        for _ in range(100):
            try:
                http.client.HTTPConnection("127.0.0.1", port, timeout=1).request("GET", "/healthz")
                break
            except OSError:
                time.sleep(0.1)
        cookie = _sign_in(port, secret)
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            script.write(WRK_SCRIPT % {"paths": ", ".join(f'"{p}"' for p in paths), "cookie": cookie})
        url = f"http://127.0.0.1:{port}"
        subprocess.run(["wrk", "-t2", f"-c{CONNECTIONS}", "-d2s", "-s", script.name, url], capture_output=True,
                       check=True)  # warm every worker
        output = subprocess.run(["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{DURATION}s", "-s", script.name, url],
                                capture_output=True, text=True, check=True).stdout
        os.unlink(script.name)
        if "Non-2xx" in output:
            raise SystemExit(f"errors while loading the queue:\n{output}")
        p50, p95, p99, worst = (float(x) for x in re.search(r"LATENCY (\S+) (\S+) (\S+) (\S+)", output).groups())
        rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
        print(f"queue page over HTTP, {cases:,} cases ({opened:,} open), {len(paths)} views and pages, "
              f"{CONNECTIONS} connections, {env['GUNICORN_WORKERS']} gunicorn workers:")
        print(f"  p50 {p50:.1f} ms   p95 {p95:.1f} ms (goal under 100)   p99 {p99:.1f} ms   max {worst:.1f} ms   "
              f"{rate:.0f} pages/s")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(20)


if __name__ == "__main__":
    from portal import create_app

    if os.environ.get("BENCH_DATABASE_URL"):
        os.environ["PORTAL_DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
    queue_page_at_scale(create_app())
