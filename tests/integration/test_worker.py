"""The worker, run as its own process the way production runs it: a database that is not there yet
(or has gone away) is waited for, and the worker carries on once it is back."""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from aiosmtpd.controller import Controller

from tests.fixtures.infra import Inbox, free_port

ROOT = Path(__file__).resolve().parents[2]
FLASK = [str(Path(sys.executable).parent / "flask"), "--app", "wsgi"]


def test_the_worker_waits_out_a_missing_database_and_then_delivers(app):
    folder = Path(tempfile.mkdtemp(prefix="portal-worker-"))
    database = folder / "not-yet" / "portal.db"  # its folder does not exist: every connection fails
    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    env = {**os.environ, "PORTAL_ENV": "testing", "PORTAL_DATABASE_URL": f"sqlite:///{database}",
           "PORTAL_SMTP_HOST": "127.0.0.1", "PORTAL_SMTP_PORT": str(smtp.port)}
    env.pop("PORTAL_TEST_DATABASE_URL", None)
    worker = subprocess.Popen([*FLASK, "worker", "--interval", "0.2"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(2.5)
        assert worker.poll() is None, "the worker stopped at the first database error"
        database.parent.mkdir()
        subprocess.run([*FLASK, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
        subprocess.run([sys.executable, "-c", (
            "from portal import create_app\n"
            "from portal.core.db import unit_of_work\n"
            "from portal.core.outbox import OutboxMessage\n"
            "app = create_app()\n"
            "with app.app_context(), unit_of_work() as session:\n"
            "    session.add(OutboxMessage(to_address='back@example.tw', subject='Back', body='The database is back.'))\n"
        )], cwd=ROOT, env=env, check=True, capture_output=True)
        deadline = time.monotonic() + 40
        while not inbox.messages and time.monotonic() < deadline:
            time.sleep(0.2)
        assert [m["Subject"] for m in inbox.messages] == ["Back"]
        assert worker.poll() is None
    finally:
        worker.terminate()
        _, errors = worker.communicate(timeout=10)
        smtp.stop()
    assert "database unavailable (OperationalError); trying again" in errors
