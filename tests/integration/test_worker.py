"""The worker, run as its own process the way production runs it: a database that is not there yet
(or has gone away) is waited for, and the worker carries on once it is back; a worker killed while
sending loses no mail."""

import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
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


def test_a_worker_killed_while_sending_loses_nothing_and_the_copy_sent_again_is_the_same_mail(app):
    """The first worker is killed (SIGKILL) while the mail server is taking its third message; a new
    worker sends the rest once the dead worker's lease has run out. Every message arrives; those the
    mail server took since the worker last saved what it sent (at most RECORD_SENT_EVERY) arrive twice,
    with the same Message-ID, so mail programs show each once."""
    import signal

    from portal.core.outbox import OutboxMessage
    from portal.extensions import db

    inbox, smtp, workers, start_worker = _six_alerts_and_a_mail_server(app, signal.SIGKILL, lease_seconds=2)
    try:
        start_worker()
        assert workers[0].wait(timeout=40) == -signal.SIGKILL
        start_worker()
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline:
            with app.app_context():
                waiting = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)
                                            .where(OutboxMessage.status != "sent"))
                db.session.remove()
            if not waiting:
                break
            time.sleep(0.2)
        assert waiting == 0
    finally:
        for worker in workers:
            worker.kill()
            worker.wait(10)
        smtp.stop()
    subjects = sorted(m["Subject"] for m in inbox.messages)
    assert sorted(set(subjects)) == [f"Alert {n}" for n in range(6)]  # nothing lost
    # the three the mail server had when the worker died, before it saved them as sent, twice
    assert [s for s in subjects if subjects.count(s) > 1] == ["Alert 0", "Alert 0", "Alert 1", "Alert 1",
                                                              "Alert 2", "Alert 2"] and len(subjects) == 9
    by_subject = {}
    for message in inbox.messages:
        by_subject.setdefault(message["Subject"], set()).add(message["Message-ID"])
    assert all(len(ids) == 1 for ids in by_subject.values())  # a copy is the same mail


def test_a_worker_stopped_with_sigterm_saves_what_it_sent_and_a_new_one_sends_the_rest_at_once(app):
    """SIGTERM (a deployment, systemd, docker stop) while the mail server takes the third message: the
    worker finishes that message, saves every "sent", gives back what it had taken and exits cleanly.
    The next worker sends the rest straight away, without waiting for a lease, and nothing twice."""
    import signal

    from portal.core.outbox import OutboxMessage
    from portal.extensions import db

    inbox, smtp, workers, start_worker = _six_alerts_and_a_mail_server(app, signal.SIGTERM, lease_seconds=3600)
    try:
        start_worker()
        assert workers[0].wait(timeout=40) == 0
        with app.app_context():
            rows = db.session.execute(sa.select(OutboxMessage.subject, OutboxMessage.status, OutboxMessage.attempts)
                                      .order_by(OutboxMessage.id)).all()
            db.session.remove()
        assert rows == [(f"Alert {n}", "sent", 1) for n in range(3)] + [(f"Alert {n}", "queued", 0)
                                                                        for n in range(3, 6)]
        start_worker()
        deadline = time.monotonic() + 40
        while len(inbox.messages) < 6 and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(0.5)  # a copy sent twice would arrive meanwhile
    finally:
        for worker in workers:
            worker.kill()
            worker.wait(10)
        smtp.stop()
    assert sorted(m["Subject"] for m in inbox.messages) == [f"Alert {n}" for n in range(6)]


def _six_alerts_and_a_mail_server(app, signum: int, *, lease_seconds: int):
    """Six messages due by any clock (the workers run on the machine's own time, whatever a test's clock
    says), a local mail server that sends `signum` to the newest worker as it takes the third, and how to
    start a worker process: (inbox, server, workers, start_worker)."""
    from portal.core.db import unit_of_work
    from portal.core.outbox import OutboxMessage

    long_ago = datetime(2020, 1, 1, tzinfo=UTC)
    with app.app_context(), unit_of_work() as session:
        session.add_all(OutboxMessage(to_address=f"person{n}@example.tw", subject=f"Alert {n}", body="Take care.",
                                      created_at=long_ago, next_attempt_at=long_ago) for n in range(6))
    workers: list[subprocess.Popen] = []

    class SignalsTheWorker(Inbox):
        def handle_message(self, message):
            super().handle_message(message)
            if len(self.messages) == 3:
                workers[0].send_signal(signum)

    inbox = SignalsTheWorker()
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    env = {**os.environ, "PORTAL_ENV": "testing", "PORTAL_DATABASE_URL": app.config["DATABASE_URL"],
           "PORTAL_SMTP_HOST": "127.0.0.1", "PORTAL_SMTP_PORT": str(smtp.port),
           "PORTAL_OUTBOX_LEASE_SECONDS": str(lease_seconds)}
    env.pop("PORTAL_TEST_DATABASE_URL", None)

    def start_worker():
        workers.insert(0, subprocess.Popen([*FLASK, "worker", "--interval", "0.2"], cwd=ROOT, env=env,
                                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))

    return inbox, smtp, workers, start_worker
