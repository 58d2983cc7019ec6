"""Read-only queries for the staff queue, paged by keyset (not OFFSET)."""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from portal.core import paging, policy
from portal.core.cases.models import Case
from portal.core.cases.registry import all_kinds
from portal.core.db import utcnow

PAGE_SIZE = 25


@dataclass(frozen=True)
class QueueFilter:
    kind: str = ""
    #: a status is named with its kind: statuses of different kinds may share a name
    status_kind: str = ""
    status: str = ""
    mission_id: int | None = None
    overdue: bool = False
    assigned: str = ""  # "", "me" or "nobody"


def encode_cursor(case: Case) -> str:
    return paging.encode_cursor(case.priority, case.due_at, case.id)


def decode_cursor(cursor: str | None) -> tuple[int, datetime, int] | None:
    return paging.decode_cursor(cursor, paging.INT, paging.MOMENT, paging.INT)


def _hidden_from_queue():
    """Open cases whose status is not work for staff yet (Status.hidden_from_queue), across every kind."""
    hidden = [sa.and_(Case.kind == k.workflow.kind, Case.status.in_(k.workflow.hidden_statuses))
              for k in all_kinds() if k.workflow.hidden_statuses]
    return sa.or_(*hidden) if hidden else None


def open_cases_page(session, user, filters: QueueFilter, *, after: str | None = None,
                    now: datetime | None = None) -> tuple[list[Case], str | None]:
    """One page of open cases the user may see: highest priority, then soonest due."""
    now = now or utcnow()
    query = (sa.select(Case).where(Case.closed_at.is_(None))
             .options(joinedload(Case.mission), joinedload(Case.assignee)))
    hidden = _hidden_from_queue()
    if hidden is not None:
        query = query.where(sa.not_(hidden))
    if not policy.sees_all_missions(user):
        query = query.where(Case.mission_id == user.mission_id)
    elif filters.mission_id:
        query = query.where(Case.mission_id == filters.mission_id)
    if filters.kind:
        query = query.where(Case.kind == filters.kind)
    if filters.status:
        query = query.where(Case.kind == filters.status_kind, Case.status == filters.status)
    if filters.overdue:
        query = query.where(Case.due_at < now, Case.waiting_since.is_(None))
    if filters.assigned == "me":
        query = query.where(Case.assignee_id == user.id)
    elif filters.assigned == "nobody":
        query = query.where(Case.assignee_id.is_(None))
    position = decode_cursor(after) if after else None
    if position:
        priority, due, case_id = position
        query = query.where(sa.or_(
            Case.priority < priority,
            sa.and_(Case.priority == priority, Case.due_at > due),
            sa.and_(Case.priority == priority, Case.due_at == due, Case.id > case_id)))
    rows = session.scalars(query.order_by(Case.priority.desc(), Case.due_at, Case.id).limit(PAGE_SIZE + 1)).all()
    next_cursor = encode_cursor(rows[PAGE_SIZE - 1]) if len(rows) > PAGE_SIZE else None
    return list(rows[:PAGE_SIZE]), next_cursor
