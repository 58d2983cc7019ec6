"""Background jobs: rows written in the request's transaction, run later by the worker.

Slow or bulky work (an alert to 100,000 subscribers) is queued here, so a request stays fast
and the job exists only if the change that asked for it was saved.
"""

import logging
import threading
import time
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.db import Base, UTCDateTime, stopping, unit_of_work, utcnow
from portal.core.logs import acting_for, current_request_id

MAX_ATTEMPTS = 5
log = logging.getLogger(__name__)
_HANDLERS: dict = {}


class Job(Base):
    __tablename__ = "jobs"
    __table_args__ = (sa.Index("ix_jobs_queued", "id", postgresql_where=sa.text("status = 'queued'"),
                               sqlite_where=sa.text("status = 'queued'")),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    payload: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    #: queued, done or failed
    status: Mapped[str] = mapped_column(sa.String(8), default="queued", index=True)
    run_after: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: the request that queued it: the worker logs as part of that request while running it
    request_id: Mapped[str | None] = mapped_column(sa.String(64))


def job_handler(kind: str):
    """Register the function that runs jobs of a kind: fn(session, **payload)."""

    def register(fn):
        _HANDLERS[kind] = fn
        return fn

    return register


def enqueue(session, kind: str, **payload) -> Job:
    job = Job(kind=kind, payload=payload, request_id=current_request_id())
    session.add(job)
    session.flush()
    return job


#: how long a job taken by a worker is its own unless renewed: a worker that dies (or is cut off from the
#: database) leaves its job to another after this, not after the job's whole run
LEASE = timedelta(seconds=60)


class _LeaseKeeper(threading.Thread):
    """Renews a running job's lease on a connection of its own every third of the lease, so a job that
    runs longer than its lease is never taken by a second worker while the first is still at it."""

    def __init__(self, engine, job_id: int, attempt: int):
        super().__init__(daemon=True, name=f"lease-job-{job_id}")
        self.engine, self.job_id, self.attempt = engine, job_id, attempt
        self.finished = threading.Event()

    def run(self):
        while not self.finished.wait(LEASE.total_seconds() / 3):
            try:
                with self.engine.begin() as connection:
                    connection.execute(sa.update(Job.__table__).where(*_owned(self.job_id, self.attempt))
                                       .values(run_after=utcnow() + LEASE))
            except Exception:  # the database away or every connection busy: the job's own transaction
                pass  # fails too if it lasts, and a lost lease undoes its work rather than doing it twice


def _owned(job_id: int, attempt: int):
    """Still this worker's: queued, and not taken again since (each taking counts an attempt)."""
    table = Job.__table__
    return table.c.id == job_id, table.c.status == "queued", table.c.attempts == attempt


def _take(session) -> tuple[int, int] | None:
    """Take the oldest due job for this worker (committed): (job id, attempt), or None when none is due.
    Workers on PostgreSQL skip each other's jobs instead of waiting for them (FOR UPDATE SKIP LOCKED)."""
    now = utcnow()
    due = (sa.select(Job.id).where(Job.status == "queued", Job.run_after <= now, Job.attempts < MAX_ATTEMPTS)
           .order_by(Job.id).limit(1).with_for_update(skip_locked=True))
    with unit_of_work(session):
        return session.execute(
            sa.update(Job).where(Job.id == due.scalar_subquery(), Job.status == "queued", Job.run_after <= now)
            .values(run_after=now + LEASE, attempts=Job.attempts + 1).returning(Job.id, Job.attempts)
            .execution_options(synchronize_session=False)).first()


class LeaseLost(Exception):
    """The job was taken by another worker while this one ran it (its lease ran out): this run's work is
    rolled back so that it is done once."""


def give_up_on_abandoned(session) -> int:
    """Mark failed the queued jobs taken MAX_ATTEMPTS times by workers that never finished them (each
    died while running it), which no worker takes again. Housekeeping; flushes. Returns how many."""
    return session.execute(
        sa.update(Job).where(Job.status == "queued", Job.attempts >= MAX_ATTEMPTS, Job.run_after <= utcnow())
        .values(status="failed", last_error="Given up: every worker that took it stopped while running it.")
        .execution_options(synchronize_session=False)).rowcount


def run_due_jobs(session, *, limit: int = 100) -> int:
    """Run due jobs one after another, each in its own transaction, while any are due (at most `limit`,
    jobs queued by a job included); a failing job is retried later. Several workers share the jobs."""
    done = 0
    engine = session.get_bind()
    for _ in range(limit):
        if stopping.is_set():
            break
        taken = _take(session)
        if taken is None:
            break
        job_id, attempt = taken
        keeper = _LeaseKeeper(engine, job_id, attempt)
        keeper.start()
        try:
            started = time.perf_counter()
            with unit_of_work(session):
                job = session.get(Job, job_id)
                kind, request_id = job.kind, job.request_id
                with acting_for(request_id):
                    _HANDLERS[kind](session, **job.payload)
                finished = session.execute(sa.update(Job).where(*_owned(job_id, attempt)).values(status="done")
                                           .execution_options(synchronize_session=False)).rowcount
                if not finished:
                    raise LeaseLost(job_id)
            with acting_for(request_id):
                log.info("job %s %s done", kind, job_id, extra={"job_id": job_id, "kind": kind, "attempt": attempt,
                                                               "duration_ms": round((time.perf_counter() - started) * 1000, 1)})
            done += 1
        except LeaseLost:
            log.warning("job %s was taken by another worker while it ran: its work was undone", job_id,
                        extra={"job_id": job_id})
        except Exception as error:  # a job must never stop the worker; it is retried
            log.exception("job %s failed (attempt %s)", job_id, attempt, extra={"job_id": job_id, "attempt": attempt})
            with unit_of_work(session):
                session.execute(sa.update(Job).where(*_owned(job_id, attempt)).values(
                    last_error=f"{type(error).__name__}: {error}"[:300],
                    status=sa.case((Job.attempts >= MAX_ATTEMPTS, "failed"), else_="queued"),
                    run_after=utcnow() + timedelta(minutes=2 ** attempt)).execution_options(synchronize_session=False))
        finally:
            keeper.finished.set()
            keeper.join()
    return done
