"""Failed sign-ins slow down, then refuse, further attempts: per account name and per address.

Keyed on the name typed, not on an account row, so an unknown name gets the same answers as a
wrong password for a real one.
"""

import hashlib
from datetime import timedelta

from portal.accounts.models import LoginThrottle
from portal.core.db import utcnow

FORGET_AFTER = timedelta(hours=24)
LOCK = timedelta(minutes=30)
#: (failures before slowing, failures before refusing)
ACCOUNT_LIMITS = (3, 10)
ADDRESS_LIMITS = (10, 30)


def account_key(email: str) -> str:
    return "acct:" + hashlib.sha256(email.strip().lower().encode()).hexdigest()[:40]


def address_key(address: str | None) -> str:
    return "addr:" + (address or "unknown")[:60]


def _limits(key: str) -> tuple[int, int]:
    return ACCOUNT_LIMITS if key.startswith("acct:") else ADDRESS_LIMITS


def seconds_to_wait(session, keys: list[str]) -> int:
    """How long the caller must wait before another attempt (0: go ahead)."""
    now, wait = utcnow(), 0
    for key in keys:
        row = session.get(LoginThrottle, key)
        if row is not None and row.blocked_until and row.blocked_until > now:
            wait = max(wait, int((row.blocked_until - now).total_seconds()) + 1)
    return wait


def record_failure(session, keys: list[str]) -> None:
    now = utcnow()
    for key in keys:
        row = session.get(LoginThrottle, key)
        if row is None or now - row.last_failure_at > FORGET_AFTER:
            row = row or LoginThrottle(key=key)
            row.failures = 0
            session.add(row)
        row.failures += 1
        row.last_failure_at = now
        slow_from, refuse_from = _limits(key)
        if row.failures >= refuse_from:
            row.blocked_until = now + LOCK
        elif row.failures >= slow_from:
            row.blocked_until = now + timedelta(seconds=5 * 2 ** (row.failures - slow_from))
    session.flush()


def clear(session, key: str) -> None:
    row = session.get(LoginThrottle, key)
    if row is not None:
        session.delete(row)
        session.flush()
