"""An alert to many subscribers: BENCH_FAN_OUT_SUBSCRIBERS confirmed subscribers to one country
(default 100,000), then a level change published through the advisory service. Prints how long the
publishing transaction took (goal: under 200 ms: it queues one job) and how long BENCH_FAN_OUT_WORKERS
`flask worker` processes (default 4 on PostgreSQL, 1 on SQLite) took to write every message and
delivery record (goal: under 10 s), and checks that each subscriber has exactly one.

Run by `make bench`; alone with `BENCH_DATABASE_URL=… .venv/bin/python bench/fan_out.py` (with the
PORTAL_* keys of a production configuration) on a database that `flask db upgrade` and `flask seed`
have prepared (its subscriptions, alerts and outbox are replaced).
"""

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
VENV_BIN = Path(sys.executable).parent

SUBSCRIBERS = int(os.environ.get("BENCH_FAN_OUT_SUBSCRIBERS", "100000"))
COUNTRY = "JP"


def _prepare(session) -> tuple[int, int]:
    """Fresh subscriptions and an editor and a supervisor at headquarters: (editor id, supervisor id)."""
    import sqlalchemy as sa

    from portal.accounts.models import User
    from portal.advisories.models import Alert, AlertDelivery, Subscription
    from portal.core.db import utcnow
    from portal.core.jobs import Job
    from portal.core.outbox import OutboxMessage
    from portal.core.roles import Role
    from portal.missions.models import HEADQUARTERS_CODE, Mission

    models = (AlertDelivery, Alert, OutboxMessage, Job, Subscription)
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text(f"TRUNCATE {', '.join(m.__tablename__ for m in models)}"))
    else:
        for model in models:
            session.execute(sa.delete(model))
    now = utcnow()
    rows = [{"email": f"subscriber{n}@example.tw", "country_code": COUNTRY if n % 5 else None,
             "token": f"bench-{n}", "locale": "en" if n % 3 else "zh_Hant_TW", "confirmed_at": now,
             "created_at": now, "unsubscribe_reason": ""} for n in range(SUBSCRIBERS)]
    for start in range(0, len(rows), 10000):
        session.execute(sa.insert(Subscription), rows[start:start + 10000])
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("ANALYZE advisory_subscriptions"))  # as autovacuum would, after such a load
    headquarters = session.scalar(sa.select(Mission.id).where(Mission.code == HEADQUARTERS_CODE))
    people = []
    for role in (Role.STAFF, Role.SUPERVISOR):
        email = f"bench-{role.value}@example.tw"
        user = session.scalar(sa.select(User).where(User.email == email))
        if user is None:
            user = User(email=email, name=f"Bench {role.value}", password_hash="!", role=role,
                        mission_id=headquarters, email_confirmed_at=now)
            session.add(user)
            session.flush()
        people.append(user.id)
    return people[0], people[1]


def _publish(app, editor_id: int, supervisor_id: int, level: str) -> float:
    """Draft and publish a level change; returns the seconds the publishing step took (its commit included)."""
    from portal.accounts.models import User
    from portal.advisories import service
    from portal.advisories.models import Edition
    from portal.core.db import unit_of_work

    texts = {"zh": {"summary": "整體治安尚稱良好。", "safety": "請注意扒手。"},
             "en": {"summary": "The situation is stable.", "safety": "Watch out for pickpockets."}}
    with app.test_request_context(), unit_of_work() as session:
        editor = session.get(User, editor_id)
        draft = service.start_draft(session, COUNTRY, by=editor)
        service.update_draft(session, draft, by=editor, level=level, update_type="major", indicators=[],
                             texts=texts, change_note_zh="等級調整。", change_note_en="Level changed.", regions=[])
        draft_id = draft.id
    with app.test_request_context():
        started = time.perf_counter()
        with unit_of_work() as session:
            service.publish(session, session.get(Edition, draft_id), by=session.get(User, supervisor_id))
        return time.perf_counter() - started


def fan_out_at_scale(app) -> None:
    import sqlalchemy as sa

    from portal.advisories.models import AlertDelivery
    from portal.core.db import unit_of_work
    from portal.core.jobs import Job
    from portal.extensions import db

    with app.app_context():
        postgresql = db.engine.dialect.name == "postgresql"
        with unit_of_work() as session:
            editor_id, supervisor_id = _prepare(session)
    # the first publication of a country announces nothing to its subscribers: start from one
    _publish(app, editor_id, supervisor_id, "grey")
    with app.app_context(), unit_of_work() as session:
        session.execute(sa.delete(Job))
    workers = int(os.environ.get("BENCH_FAN_OUT_WORKERS", "4" if postgresql else "1"))
    env = {k: v for k, v in os.environ.items() if k != "PORTAL_SMTP_HOST"}  # the fan-out only, no delivery
    processes = [subprocess.Popen([str(VENV_BIN / "flask"), "--app", "wsgi", "worker", "--interval", "0.2"],
                                  cwd=ROOT, env=env, stdout=subprocess.DEVNULL) for _ in range(workers)]
    try:
        time.sleep(3)  # the workers are up and idle
        publish_seconds = _publish(app, editor_id, supervisor_id, "yellow")
        started = time.perf_counter()
        deadline = started + 120
        with app.app_context():
            while time.perf_counter() < deadline:
                waiting = db.session.scalar(sa.select(sa.func.count()).select_from(Job)
                                            .where(Job.status != "done"))
                db.session.remove()
                if not waiting:
                    break
                time.sleep(0.1)
        fan_out_seconds = time.perf_counter() - started
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(30)
    with app.app_context():
        deliveries = db.session.scalar(sa.select(sa.func.count()).select_from(AlertDelivery))
        addresses = db.session.scalar(sa.select(sa.func.count(sa.distinct(AlertDelivery.email))))
        parts = db.session.scalar(sa.select(sa.func.count()).select_from(Job)
                                  .where(Job.kind == "advisories.fan_out_part"))
    print(f"fan-out: {SUBSCRIBERS:,} subscribers: publishing {publish_seconds * 1000:.0f} ms (goal: under 200), "
          f"{parts} parts written by {workers} worker(s) in {fan_out_seconds:.1f} s (goal: under 10); "
          f"{deliveries:,} deliveries to {addresses:,} addresses")
    if not deliveries == addresses == SUBSCRIBERS:
        raise SystemExit("fan-out: a subscriber missed or written to twice")


if __name__ == "__main__":
    from portal import create_app

    if os.environ.get("BENCH_DATABASE_URL"):
        os.environ["PORTAL_DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
    fan_out_at_scale(create_app())
