"""Background jobs shared by several workers: each job is run once, a long one keeps its lease while it
runs, and one whose worker died is taken by another when the lease has run out."""

import threading
import time
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
import time_machine

from portal.core.jobs import Job, job_handler
from tests.fixtures.infra import side_by_side

runs: list[str] = []


@job_handler("tests.slow")
def _slow(session, name: str, seconds: float) -> None:
    time.sleep(seconds)
    runs.append(name)


@job_handler("tests.quick")
def _quick(session, name: str) -> None:
    runs.append(name)


def _queue(app, kind: str, **payload) -> int:
    from portal.core.db import unit_of_work
    from portal.core.jobs import enqueue

    with app.app_context(), unit_of_work() as session:
        return enqueue(session, kind, **payload).id


def _job(app, job_id: int) -> Job:
    from portal.extensions import db

    with app.app_context():
        job = db.session.get(Job, job_id)
        db.session.expunge(job)
        return job


def test_a_job_running_longer_than_its_lease_is_not_taken_by_a_second_worker(app, monkeypatch):
    """The first worker renews the lease while it runs the job: a second worker, looking after the first
    lease would have run out, finds nothing to take."""
    from portal.core import jobs
    from portal.extensions import db

    monkeypatch.setattr(jobs, "LEASE", timedelta(seconds=0.9))
    runs.clear()
    job_id = _queue(app, "tests.slow", name="long", seconds=2.5)
    second: list[int] = []

    def first_worker():
        with app.app_context():
            jobs.run_due_jobs(db.session)

    thread = threading.Thread(target=first_worker)
    thread.start()
    time.sleep(1.6)  # past the first lease
    with app.app_context():
        second.append(jobs.run_due_jobs(db.session))
    thread.join()
    assert second == [0] and runs == ["long"]
    job = _job(app, job_id)
    assert (job.status, job.attempts) == ("done", 1)


def test_a_job_whose_worker_died_is_run_by_another_when_the_lease_has_run_out(app):
    from portal.core import jobs
    from portal.extensions import db

    runs.clear()
    start = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False) as clock:
        job_id = _queue(app, "tests.quick", name="orphan")
        with app.app_context():
            assert jobs._take(db.session) == (job_id, 1)  # taken, then its worker died
            assert jobs.run_due_jobs(db.session) == 0  # leased: nobody runs it meanwhile
        clock.shift(jobs.LEASE + timedelta(seconds=1))
        with app.app_context():
            assert jobs.run_due_jobs(db.session) == 1
    assert runs == ["orphan"]
    assert (_job(app, job_id).status, _job(app, job_id).attempts) == ("done", 2)


def test_work_done_after_the_lease_was_lost_is_rolled_back(app):
    """A worker cut off long enough for its lease to end (another took the job) does not mark the job
    done, and what it wrote is undone: the job's work is done by the one that holds it."""
    from portal.core import jobs
    from portal.core.outbox import OutboxMessage
    from portal.extensions import db

    @job_handler("tests.writes_then_loses_its_lease")
    def _writes(session, job_id: int) -> None:
        with db.engine.begin() as other_worker:  # meanwhile the lease ran out and another worker took it
            other_worker.execute(sa.update(Job.__table__).where(Job.__table__.c.id == job_id)
                                 .values(attempts=Job.__table__.c.attempts + 1))
        session.add(OutboxMessage(to_address="once@example.tw", subject="Once", body="Once."))
        session.flush()

    job_id = _queue(app, "tests.writes_then_loses_its_lease", job_id=0)
    with app.app_context():
        db.session.execute(sa.update(Job).where(Job.id == job_id).values(payload={"job_id": job_id}))
        db.session.commit()
        assert jobs.run_due_jobs(db.session) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0
        job = db.session.get(Job, job_id)
        assert (job.status, job.attempts) == ("queued", 2)


def test_jobs_queued_by_a_job_run_in_the_same_round(app):
    """A fan-out queues its parts: the worker goes on with them instead of waiting for its next round."""
    from portal.core import jobs
    from portal.extensions import db

    @job_handler("tests.queues_more")
    def _more(session) -> None:
        jobs.enqueue(session, "tests.quick", name="part 1")
        jobs.enqueue(session, "tests.quick", name="part 2")

    runs.clear()
    _queue(app, "tests.queues_more")
    with app.app_context():
        assert jobs.run_due_jobs(db.session) == 3
    assert runs == ["part 1", "part 2"]


def test_four_workers_run_each_of_many_jobs_once(app):
    from portal.core import jobs
    from portal.extensions import db

    runs.clear()
    for n in range(40):
        _queue(app, "tests.quick", name=f"job {n}")
    side_by_side(app, 4, lambda: jobs.run_due_jobs(db.session))
    assert sorted(runs) == sorted(f"job {n}" for n in range(40))
    with app.app_context():
        assert set(db.session.scalars(sa.select(Job.attempts))) == {1}
