"""A mark that changes whenever a commit changes cases, so that figures counted from them (the staff
queue's counts by status) can be kept in the shared cache until the next change.

Every change to a case that matters to such figures writes the case or one of its events (a
transition, a claim, a release, a new case), so a commit that flushed either has changed them.
Where the cache is kept per process (no Redis), another process's change is seen when a kept
figure's few seconds are up.
"""

import secrets

from sqlalchemy import event
from sqlalchemy.orm import Session

from portal.core.cases.models import Case, CaseEvent
from portal.extensions import cache

MARK_KEY = "cases:changed"
#: the longest a kept figure is used, whatever the mark says
KEEP_SECONDS = 15


def mark() -> str:
    """The current mark, part of the key of anything kept that was counted from cases. Read it before
    counting: a change committed meanwhile then leaves the count under the mark before it."""
    value = cache.get(MARK_KEY)
    if value is None:
        value = secrets.token_hex(8)
        cache.set(MARK_KEY, value, timeout=0)
    return value


def kept(key: str, count):
    """count() kept under the key and the current mark."""
    full_key = f"{key}:{mark()}"
    value = cache.get(full_key)
    if value is None:
        value = count()
        cache.set(full_key, value, timeout=KEEP_SECONDS)
    return value


@event.listens_for(Session, "after_flush")
def _note_case_changes(db_session, _flush_context) -> None:
    if any(isinstance(item, (Case, CaseEvent)) for group in (db_session.new, db_session.dirty, db_session.deleted)
           for item in group):
        db_session.info["cases_changed"] = True


@event.listens_for(Session, "after_commit")
def _new_mark_after_commit(db_session) -> None:
    if db_session.info.pop("cases_changed", False):
        cache.set(MARK_KEY, secrets.token_hex(8), timeout=0)


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(db_session) -> None:
    db_session.info.pop("cases_changed", None)
