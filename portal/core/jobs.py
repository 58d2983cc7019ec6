"""Background jobs: rows written in the request's transaction, run later by the worker.

Slow or bulky work (an alert to 100,000 subscribers) is queued here, so a request stays fast
and the job exists only if the change that asked for it was saved.
"""

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.db import Base, UTCDateTime, unit_of_work, utcnow

MAX_ATTEMPTS = 5
_HANDLERS: dict = {}


class Job(Base):
    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    payload: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    #: queued, done or failed
    status: Mapped[str] = mapped_column(sa.String(8), default="queued", index=True)
    run_after: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def job_handler(kind: str):
    """Register the function that runs jobs of a kind: fn(session, **payload)."""

    def register(fn):
        _HANDLERS[kind] = fn
        return fn

    return register


def enqueue(session, kind: str, **payload) -> Job:
    job = Job(kind=kind, payload=payload)
    session.add(job)
    session.flush()
    return job


def run_due_jobs(session, *, limit: int = 20) -> int:
    """Run queued jobs, each in its own transaction; a failing job is retried later."""
    done = 0
    for job_id in session.scalars(sa.select(Job.id).where(Job.status == "queued", Job.run_after <= utcnow())
                                  .order_by(Job.id).limit(limit)).all():
        with unit_of_work(session):
            taken = session.execute(
                sa.update(Job).where(Job.id == job_id, Job.status == "queued", Job.run_after <= utcnow())
                .values(run_after=utcnow() + timedelta(minutes=10), attempts=Job.attempts + 1)).rowcount
        if not taken:
            continue
        try:
            with unit_of_work(session):
                job = session.get(Job, job_id)
                _HANDLERS[job.kind](session, **job.payload)
                job.status = "done"
            done += 1
        except Exception as error:  # a job must never stop the worker; it is retried
            with unit_of_work(session):
                job = session.get(Job, job_id)
                job.last_error = f"{type(error).__name__}: {error}"[:300]
                job.status = "failed" if job.attempts >= MAX_ATTEMPTS else "queued"
                job.run_after = utcnow() + timedelta(minutes=2 ** job.attempts)
    return done
