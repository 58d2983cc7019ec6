"""Logs in production: JSON lines carrying the request id, from the request through to the worker that
sends its mail and runs its jobs."""

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from tests.fixtures.infra import free_port

ROOT = Path(__file__).resolve().parents[2]
FLASK = [str(Path(sys.executable).parent / "flask"), "--app", "wsgi"]


def test_every_answer_names_its_request_id_the_proxys_when_it_sent_a_usable_one(client):
    given = client.get("/", headers={"X-Request-ID": "a1b2c3d4e5f60718"})
    assert given.headers["X-Request-ID"] == "a1b2c3d4e5f60718"
    made = client.get("/").headers["X-Request-ID"]
    crafted = client.get("/", headers={"X-Request-ID": "x\"}, {\"level\": \"forged"}).headers["X-Request-ID"]
    assert len(made) == 32 and len(crafted) == 32 and made != crafted  # a new one instead of what was sent


def test_the_worker_logs_the_mail_and_jobs_a_request_queued_under_its_request_id(app, client):
    from aiosmtpd.controller import Controller

    from portal.core.db import unit_of_work
    from portal.core.jobs import Job, enqueue
    from portal.core.logs import acting_for
    from portal.core.outbox import OutboxMessage
    from portal.extensions import db
    from tests.fixtures.infra import Inbox

    client.post("/account/register", headers={"X-Request-ID": "register-amy-0001"},
                data={"name": "Amy", "email": "amy@example.tw", "password": "correct horse battery staple",
                      "password_confirm": "correct horse battery staple"})
    with app.app_context(), unit_of_work() as session, acting_for("publish-0002"):
        job_id = enqueue(session, "advisories.fan_out", alert_id="alert-none").id  # finds no alert: done at once
    with app.app_context():
        assert db.session.scalar(sa.select(OutboxMessage.request_id)) == "register-amy-0001"
        assert db.session.get(Job, job_id).request_id == "publish-0002"
        # Due by any clock: the worker runs on the machine's own time, whatever this test's clock says.
        long_ago = datetime(2020, 1, 1, tzinfo=UTC)
        db.session.execute(sa.update(OutboxMessage).values(next_attempt_at=long_ago))
        db.session.execute(sa.update(Job).values(run_after=long_ago))
        db.session.commit()
    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    env = {**os.environ, "PORTAL_ENV": "testing", "PORTAL_DATABASE_URL": app.config["DATABASE_URL"],
           "PORTAL_SMTP_HOST": "127.0.0.1", "PORTAL_SMTP_PORT": str(smtp.port), "PORTAL_LOG_FORMAT": "json"}
    env.pop("PORTAL_TEST_DATABASE_URL", None)
    try:
        worker = subprocess.run([*FLASK, "worker", "--once"], cwd=ROOT, env=env, capture_output=True, text=True,
                                timeout=60)
    finally:
        smtp.stop()
    assert worker.returncode == 0, worker.stderr
    lines = [json.loads(line) for line in worker.stderr.splitlines() if line.startswith("{")]
    sent = [line for line in lines if line["message"].startswith("sent message")]
    jobs = [line for line in lines if line.get("job_id") == job_id]
    assert [(line["request_id"], line["level"], line["logger"]) for line in sent] == [
        ("register-amy-0001", "INFO", "portal.core.outbox")]
    assert [(line["request_id"], line["kind"], line["message"]) for line in jobs] == [
        ("publish-0002", "advisories.fan_out", f"job advisories.fan_out {job_id} done")]
    assert all(line["time"].endswith("+00:00") for line in lines)
    assert len(inbox.messages) == 1
