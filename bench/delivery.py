"""Email delivery through the outbox: BENCH_MAIL_MESSAGES queued messages (default 20,000), sent by
BENCH_MAIL_WORKERS `flask worker` processes (default 4 on PostgreSQL, 1 on SQLite) to a local SMTP
server that counts what it receives; prints messages per second, from the first message received to
the last, and checks that each message arrived exactly once.

Run by `make bench`; alone with `BENCH_DATABASE_URL=… .venv/bin/python bench/delivery.py` (with the
PORTAL_* keys of a production configuration) on a database that `flask db upgrade` has prepared.
"""

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
VENV_BIN = Path(sys.executable).parent

MESSAGES = int(os.environ.get("BENCH_MAIL_MESSAGES", "20000"))


class Counter:
    """An SMTP handler that keeps only the Message-ID of each message it takes, and when it took it."""

    def __init__(self):
        self.ids: list[str] = []
        self.first = self.last = 0.0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        header, _, _ = envelope.content.partition(b"\r\n\r\n")
        message_id = next((line.split(b":", 1)[1].strip().decode() for line in header.split(b"\r\n")
                           if line.lower().startswith(b"message-id:")), "")
        with self.lock:
            now = time.perf_counter()
            self.first = self.first or now
            self.last = now
            self.ids.append(message_id)
        return "250 OK"


def _queue(session, count: int) -> None:
    import sqlalchemy as sa

    from portal.core.outbox import OutboxMessage
    from portal.core.db import utcnow

    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("TRUNCATE outbox_messages CASCADE"))  # with what refers to them (alert deliveries)
    else:
        session.execute(sa.delete(OutboxMessage))
    now = utcnow()
    rows = [{"to_address": f"reader{n}@example.tw", "subject": f"Travel advice for Japan raised ({n})",
             "body": "The travel advice for Japan has changed.\n" * 20, "status": "queued", "attempts": 0,
             "created_at": now, "next_attempt_at": now} for n in range(count)]
    for start in range(0, count, 5000):
        session.execute(sa.insert(OutboxMessage), rows[start:start + 5000])


def delivery_at_scale(app) -> None:
    import sqlalchemy as sa
    from aiosmtpd.controller import Controller

    from portal.core.db import unit_of_work
    from portal.core.outbox import OutboxMessage
    from portal.extensions import db

    with app.app_context():
        postgresql = db.engine.dialect.name == "postgresql"
        with unit_of_work() as session:
            _queue(session, MESSAGES)
    workers = int(os.environ.get("BENCH_MAIL_WORKERS", "4" if postgresql else "1"))
    counter = Counter()
    from bench.run import free_port

    smtp = Controller(counter, hostname="127.0.0.1", port=free_port())
    smtp.start()
    env = {**os.environ, "PORTAL_SMTP_HOST": "127.0.0.1", "PORTAL_SMTP_PORT": str(smtp.port)}
    processes = [subprocess.Popen([str(VENV_BIN / "flask"), "--app", "wsgi", "worker", "--interval", "1"],
                                  cwd=ROOT, env=env, stdout=subprocess.DEVNULL) for _ in range(workers)]
    try:
        deadline = time.monotonic() + max(60, MESSAGES / 50)
        while len(counter.ids) < MESSAGES and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(1)  # anything sent twice arrives too
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(30)
        smtp.stop()
    with app.app_context():
        sent = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)
                                 .where(OutboxMessage.status == "sent"))
    received, distinct = len(counter.ids), len(set(counter.ids))
    seconds = (counter.last - counter.first) or float("nan")
    print(f"delivery: {MESSAGES:,} messages, {workers} worker(s): {received / seconds:.0f} messages/s "
          f"(goal: 500 with 4 workers on PostgreSQL); received {received:,}, distinct {distinct:,}, "
          f"recorded sent {sent:,}")
    if not (received == distinct == sent == MESSAGES):
        raise SystemExit("delivery: messages lost or sent twice")


if __name__ == "__main__":
    from portal import create_app

    if os.environ.get("BENCH_DATABASE_URL"):
        os.environ["PORTAL_DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
    delivery_at_scale(create_app())
