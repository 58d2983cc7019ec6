"""Server-side sessions. The cookie holds a random token; the database holds its hash.

Signing out, changing the password or disabling an account deletes the rows, so a copied
cookie replayed later finds nothing. Idle and absolute limits are checked on every request.
"""

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload

from portal.accounts.models import User, UserSession
from portal.core.db import separate_transaction, utcnow

TOUCH_EVERY = timedelta(seconds=60)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(session, user: User, *, user_agent: str | None = None) -> str:
    """A new session for the user; returns the token for the cookie."""
    token = secrets.token_urlsafe(32)
    session.add(UserSession(token_hash=_hash(token), user_id=user.id, user_agent=(user_agent or "")[:200]))
    session.flush()
    return token


def load_session_user(session, token: str) -> User | None:
    """The user of a live session; expired sessions are deleted."""
    if not token:
        return None
    # The user's mission comes with them: the header reads it, and an error page must not need the database.
    row = session.get(UserSession, _hash(token), options=[joinedload(UserSession.user).joinedload(User.mission)])
    if row is None:
        return None
    now, config = utcnow(), current_app.config
    idle = timedelta(minutes=config["SESSION_IDLE_MINUTES"])
    absolute = timedelta(hours=config["SESSION_ABSOLUTE_HOURS"])
    if now - row.last_seen_at > idle or now - row.created_at > absolute or not row.user.is_active:
        _delete_now(session, sa.delete(UserSession).where(UserSession.token_hash == row.token_hash))
        return None
    if now - row.last_seen_at > TOUCH_EVERY:
        _write_now(session, sa.update(UserSession).where(UserSession.token_hash == row.token_hash)
                   .values(last_seen_at=now))
    user = row.user
    user.session_token = token
    return user


def _write_now(session, statement) -> None:
    # Session bookkeeping is kept whatever becomes of the request's own work.
    with separate_transaction() as own:
        own.execute(statement)


_delete_now = _write_now


def end_session(session, token: str | None) -> None:
    if token:
        session.execute(sa.delete(UserSession).where(UserSession.token_hash == _hash(token)))


def end_all_sessions(session, user: User, *, keep_token: str | None = None) -> None:
    statement = sa.delete(UserSession).where(UserSession.user_id == user.id)
    if keep_token:
        statement = statement.where(UserSession.token_hash != _hash(keep_token))
    session.execute(statement)
