"""Read-only queries for the staff queue, paged by keyset (not OFFSET)."""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from portal.core import paging, policy
from portal.core.cases import changes
from portal.core.cases.models import QUEUE_ORDER, Case
from portal.core.cases.registry import all_kinds
from portal.core.db import utcnow
from portal.core.refs import normalise_reference

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
    #: a reference, an applicant's name or address, or what a kind finds (a national ID)
    text: str = ""


#: the core knows the accounts table by name only
_USERS = sa.table("users", sa.column("id"), sa.column("name"), sa.column("email"))


def _matching(text: str):
    """Cases the searched text names: their reference, their applicant's name or email address, or
    whatever a kind finds by it (a national ID through its keyed hash: nothing is decrypted to search)."""
    conditions = [Case.reference == normalise_reference(text)]
    if len(text) >= 2:
        conditions.append(Case.applicant_id.in_(sa.select(_USERS.c.id).where(sa.or_(
            _USERS.c.name.icontains(text, autoescape=True), _USERS.c.email.icontains(text, autoescape=True)))))
    for kind in all_kinds():
        found = kind.find(text) if kind.find else None
        if found is not None:
            conditions.append(Case.id.in_(found))
    return sa.or_(*conditions)


def _visible_open_cases(user, filters: QueueFilter, now: datetime):
    """The conditions every view of the queue shares: open, work for staff, the user's to see, and the
    filters other than kind and status."""
    conditions: list[sa.ColumnElement[bool]] = [Case.closed_at.is_(None)]
    hidden = _hidden_from_queue()
    if hidden is not None:
        conditions.append(sa.not_(hidden))
    if not policy.sees_all_missions(user):
        conditions.append(Case.mission_id == user.mission_id)
    elif filters.mission_id:
        conditions.append(Case.mission_id == filters.mission_id)
    if filters.overdue:
        conditions += [Case.due_at < now, Case.waiting_since.is_(None)]
    if filters.assigned == "me":
        conditions.append(Case.assignee_id == user.id)
    elif filters.assigned == "nobody":
        conditions.append(Case.assignee_id.is_(None))
    if filters.text:
        conditions.append(_matching(filters.text))
    return conditions


def encode_cursor(case: Case) -> str:
    return paging.encode_cursor(case.priority, case.due_at, case.id)


def decode_cursor(cursor: str | None) -> tuple[int, datetime, int] | None:
    return paging.decode_cursor(cursor, paging.INT, paging.MOMENT, paging.INT)


def _hidden_from_queue():
    """Open cases whose status is not work for staff yet (Status.hidden_from_queue), across every kind."""
    hidden = [sa.and_(Case.kind == k.workflow.kind, Case.status.in_(k.workflow.hidden_statuses))
              for k in all_kinds() if k.workflow.hidden_statuses]
    return sa.or_(*hidden) if hidden else None


def page_query(user, filters: QueueFilter, *, after: str | None = None, now: datetime | None = None):
    """The SELECT of one page of the queue (one row more than a page, to know whether another follows)."""
    query = (sa.select(Case).where(*_visible_open_cases(user, filters, now or utcnow()))
             .options(joinedload(Case.mission), joinedload(Case.assignee)))
    if filters.kind:
        query = query.where(Case.kind == filters.kind)
    if filters.status:
        query = query.where(Case.kind == filters.status_kind, Case.status == filters.status)
    position = decode_cursor(after) if after else None
    if position:
        # one row comparison in the order of the queue's indexes, so the page starts with an index seek
        priority, due, case_id = position
        query = query.where(sa.tuple_(*QUEUE_ORDER) > sa.tuple_(
            sa.literal(-priority, sa.Integer), sa.literal(due, Case.due_at.type), sa.literal(case_id, sa.Integer)))
    return query.order_by(*QUEUE_ORDER).limit(PAGE_SIZE + 1)


def open_cases_page(session, user, filters: QueueFilter, *, after: str | None = None,
                    now: datetime | None = None) -> tuple[list[Case], str | None]:
    """One page of open cases the user may see: highest priority, then soonest due."""
    rows = session.scalars(page_query(user, filters, after=after, now=now)).all()
    next_cursor = encode_cursor(rows[PAGE_SIZE - 1]) if len(rows) > PAGE_SIZE else None
    return list(rows[:PAGE_SIZE]), next_cursor


def counts_by_status(session, user, filters: QueueFilter, *, now: datetime | None = None) -> list[tuple[str, str, int]]:
    """(kind, status, open cases) for the cases the queue would show whatever kind and status are chosen.
    Kept in the shared cache until cases next change: for a supervisor they count every open case (10 ms
    at 50,000), on every page of the queue. Searches and the overdue view (which the clock changes) are
    counted each time."""
    def count() -> list[tuple[str, str, int]]:
        rows = session.execute(sa.select(Case.kind, Case.status, sa.func.count())
                               .where(*_visible_open_cases(user, filters, now or utcnow()))
                               .group_by(Case.kind, Case.status).order_by(Case.kind, Case.status)).all()
        return [(kind, status, number) for kind, status, number in rows]

    if filters.text or filters.overdue:
        return count()
    missions = (filters.mission_id or "all") if policy.sees_all_missions(user) else user.mission_id
    holder = user.id if filters.assigned == "me" else filters.assigned
    return changes.kept(f"queue-counts:{missions}:{holder}", count)
