"""The monthly rollups behind every KPI, brought up to date incrementally by the worker.

Each source table is read in id order from where the last round stopped, in batches, and folded
into counts per measure × kind × mission × month (Taipei): one join per batch, a few upserts, and the
new position, in one transaction. Reading stops at the first row younger than STATS_ROLLUP_LAG_SECONDS,
which waits for a later round with all after it: on PostgreSQL ids are handed out before commit, so a
row may appear after one with a higher id, and the lag lets every transaction that was writing commit
before its rows are read past.

Case figures:
- received: the case entered a status staff work on (for the mailbox, when the address was confirmed);
- decided: the first time it reached a decision (a closed status, or one the kind marks as the answer),
  with its working days since submission and whether that was by its due date;
- first contact: for kinds that record one (emergencies), the minutes from the report to it.
"""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite

from portal.core.cases.models import Case, CaseEvent
from portal.core.cases.registry import all_kinds
from portal.core.db import DbSession, unit_of_work, utcnow
from portal.core.workdays import taipei_month, working_days_between
from portal.documents.service import checks_for_statistics
from portal.feedback.hotline import calls_for_statistics
from portal.mobile.service import bookings_for_statistics
from portal.stats.models import NO_MISSION, MonthlyCount, MonthlyHistogram, RollupPosition
from portal.stats.upsert import add_counts

BATCH = 5000
#: working days (processing) and minutes (first contact) above these are counted at the cap
MAX_DAYS = 999
MAX_MINUTES = 60 * 24 * 30

RECEIVED, DECIDED, IN_TIME = "received", "decided", "decided_in_time"
PROCESSING_DAYS, FIRST_CONTACT_MINUTES = "processing_days", "first_contact_minutes"
HOTLINE_CALLS, VERIFICATIONS, BOOKINGS = "hotline_calls", "verifications", "bookings"


@dataclass
class Folded:
    counts: Counter
    histograms: Counter
    last_id: int
    read: int
    #: the batch stopped at a row younger than the lag: the rest waits for a later round
    held_back: bool = False


def _settled(rows: Sequence, before: datetime, *, at: int = 1) -> tuple[Sequence, bool]:
    """The rows (in id order, their time of writing at index `at`) up to the first one younger than
    the lag. Reading stops there rather than skipping it: a lower id written before it may not be
    committed yet, and the position must never pass a row it has not read."""
    for index, row in enumerate(rows):
        if row[at] > before:
            return rows[:index], True
    return rows, False


def _position(session: DbSession, source: str) -> RollupPosition:
    """The source's position, locked until the round commits (made at 0 the first time, once however
    many workers start at the same moment)."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    session.execute(insert(RollupPosition).values(source=source, last_id=0, updated_at=utcnow())
                    .on_conflict_do_nothing(index_elements=["source"]))
    return session.get_one(RollupPosition, source, with_for_update=True, populate_existing=True)


def _first_event_ids(session: DbSession, case_ids: set[int], condition) -> dict[int, int]:
    """For each case, the id of its first event matching the condition."""
    if not case_ids:
        return {}
    return dict(session.execute(
        sa.select(CaseEvent.case_id, sa.func.min(CaseEvent.id))
        .where(CaseEvent.case_id.in_(case_ids), condition).group_by(CaseEvent.case_id)).all())


def _fold_case_events(session: DbSession, after_id: int, before: datetime) -> Folded:
    rows = session.execute(
        sa.select(CaseEvent.id, CaseEvent.case_id, CaseEvent.at, CaseEvent.action, CaseEvent.from_status,
                  CaseEvent.to_status, Case.kind, Case.mission_id, Case.submitted_at, Case.due_at)
        .join(Case, Case.id == CaseEvent.case_id)
        .where(CaseEvent.id > after_id).order_by(CaseEvent.id).limit(BATCH)).all()
    rows, held_back = _settled(rows, before, at=2)
    workflows = {k.workflow.kind: k.workflow for k in all_kinds()}
    decisions: dict[str, list] = {}
    contacts: dict[str, list] = {}
    counts: Counter = Counter()
    histograms: Counter = Counter()
    for row in rows:
        workflow = workflows.get(row.kind)
        if workflow is None:
            continue
        month = taipei_month(row.at)
        if row.action == workflow.first_contact_action:
            contacts.setdefault(row.kind, []).append(row)
        if row.from_status == row.to_status:
            continue
        before_status = workflow.status(row.from_status) if row.from_status else None
        after_status = workflow.status(row.to_status)
        if (before_status is None or before_status.hidden_from_queue) and not after_status.hidden_from_queue:
            counts[(RECEIVED, row.kind, row.mission_id, month)] += 1
        if after_status.counts_as_decided and not (before_status and before_status.counts_as_decided):
            decisions.setdefault(row.kind, []).append(row)
    for kind, found in decisions.items():
        decided_names = [s.name for s in workflows[kind].statuses if s.counts_as_decided]
        first = _first_event_ids(session, {row.case_id for row in found}, sa.and_(
            CaseEvent.to_status.in_(decided_names), CaseEvent.from_status.is_distinct_from(CaseEvent.to_status)))
        for row in found:
            if first.get(row.case_id) != row.id:
                continue  # decided before: answered again after the writer answered back
            month = taipei_month(row.at)
            counts[(DECIDED, kind, row.mission_id, month)] += 1
            if row.at <= row.due_at:
                counts[(IN_TIME, kind, row.mission_id, month)] += 1
            days = min(working_days_between(row.submitted_at, row.at), MAX_DAYS)
            histograms[(PROCESSING_DAYS, kind, row.mission_id, month, days)] += 1
    for kind, found in contacts.items():
        first = _first_event_ids(session, {row.case_id for row in found},
                                 CaseEvent.action == workflows[kind].first_contact_action)
        for row in found:
            if first.get(row.case_id) == row.id:
                minutes = min(max(int((row.at - row.submitted_at).total_seconds() // 60), 0), MAX_MINUTES)
                histograms[(FIRST_CONTACT_MINUTES, kind, row.mission_id, taipei_month(row.at), minutes)] += 1
    return Folded(counts, histograms, rows[-1].id if rows else after_id, len(rows), held_back)


def _fold_hotline_calls(session: DbSession, after_id: int, before: datetime) -> Folded:
    rows, held_back = _settled(calls_for_statistics(session, after_id=after_id, limit=BATCH), before)
    counts = Counter((HOTLINE_CALLS, str(outcome), mission_id, taipei_month(called_at))
                     for _id, _logged, mission_id, called_at, outcome in rows)
    return Folded(counts, Counter(), rows[-1][0] if rows else after_id, len(rows), held_back)


def _fold_verification_checks(session: DbSession, after_id: int, before: datetime) -> Folded:
    rows, held_back = _settled(checks_for_statistics(session, after_id=after_id, limit=BATCH), before)
    counts = Counter((VERIFICATIONS, str(result), NO_MISSION, taipei_month(at)) for _id, at, result in rows)
    return Folded(counts, Counter(), rows[-1][0] if rows else after_id, len(rows), held_back)


def _fold_bookings(session: DbSession, after_id: int, before: datetime) -> Folded:
    rows, held_back = _settled(bookings_for_statistics(session, after_id=after_id, limit=BATCH), before)
    counts = Counter((BOOKINGS, str(service), mission_id, taipei_month(at)) for _id, at, mission_id, service in rows)
    return Folded(counts, Counter(), rows[-1][0] if rows else after_id, len(rows), held_back)


SOURCES = {
    "case_events": _fold_case_events,
    "hotline_calls": _fold_hotline_calls,
    "verification_checks": _fold_verification_checks,
    "mobile_bookings": _fold_bookings,
}


def bring_up_to_date(session: DbSession, *, now: datetime | None = None, settled: bool = False) -> int:
    """Fold in every source row not folded yet (older than the lag; `settled`: nothing else is writing,
    as while seeding, so no lag). Commits after each batch, so a worker stopped halfway keeps what it
    did and the next round goes on from there. Two workers at once: the position row is locked
    (PostgreSQL), and on SQLite writers take turns."""
    lag = 0 if settled else current_app.config["STATS_ROLLUP_LAG_SECONDS"]
    before = (now or utcnow()) - timedelta(seconds=lag)
    read = 0
    for source, fold in SOURCES.items():
        while True:
            with unit_of_work(session):
                position = _position(session, source)
                folded = fold(session, position.last_id, before)
                add_counts(session, MonthlyCount, folded.counts)
                add_counts(session, MonthlyHistogram, folded.histograms)
                if folded.read:  # the time the figures last changed (what cached pages are keyed by)
                    position.last_id, position.updated_at = folded.last_id, utcnow()
            read += folded.read
            if folded.held_back or folded.read < BATCH:
                break
    return read


def figures_up_to(session: DbSession) -> datetime | None:
    """When the case figures last changed."""
    return session.scalar(sa.select(RollupPosition.updated_at).where(RollupPosition.source == "case_events"))
