"""Failed sign-ins slow down, then refuse, further guesses, without handing strangers a way to lock
the owner out.

Guesses are counted where they come from, never on the account alone:

- per account name **and** address: a stranger's failures from their address slow and then refuse
  that address for that account, and nobody else;
- per address, across accounts: one address trying many accounts is slowed;
- per account, a ceiling on guesses from browsers that have never signed in to it
  (`ACCOUNT_CEILING` an hour), so a run spread over many addresses still gets only that many tries;
- a browser the owner signed in from before carries a device cookie (accounts.tokens): its attempts
  are counted on that device alone, so neither the ceiling nor a shared address stops the owner.

Keyed on the name typed, not on an account row, so an unknown name gets the same answers as a wrong
password for a real one. A password reset lifts what the guessing caused, since it made it moot.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from portal.accounts.models import LoginThrottle
from portal.core.db import utcnow

#: a pair, a device or an address is forgotten this long after its last failure
FORGET_AFTER = timedelta(hours=24)
LOCK = timedelta(minutes=30)
#: (failures before slowing, failures before refusing) for one account from one address or device
PAIR_LIMITS = (3, 10)
#: the same for one address across every account it tries
ADDRESS_LIMITS = (10, 30)
#: guesses an hour against one account from browsers that have not signed in to it before
ACCOUNT_CEILING = 20
CEILING_WINDOW = timedelta(hours=1)


def _digest(text: str) -> str:
    return hashlib.sha256(text.strip().lower().encode()).hexdigest()[:32]


def pair_key(email: str, address: str | None) -> str:
    return f"pair:{_digest(email)}:{(address or 'unknown')[:40]}"


def address_key(address: str | None) -> str:
    return "addr:" + (address or "unknown")[:60]


def ceiling_key(email: str) -> str:
    return "ceil:" + _digest(email)


def device_key(device: str) -> str:
    return "dev:" + _digest(device)


def keys_for(email: str, address: str | None, device: str | None) -> list[str]:
    """What an attempt is counted on: its device when the browser signed in to this account before,
    else the pair, the address and the account's ceiling."""
    if device:
        return [device_key(device)]
    return [pair_key(email, address), address_key(address), ceiling_key(email)]


def _limits(key: str) -> tuple[int, int]:
    return ADDRESS_LIMITS if key.startswith("addr:") else PAIR_LIMITS


@dataclass(frozen=True)
class Wait:
    seconds: int
    #: the account's ceiling was reached: the owner should sign in from a browser they used before
    #: or reset the password
    ceiling: bool = False


def seconds_to_wait(session, keys: list[str], now: datetime | None = None) -> Wait:
    """How long the caller must wait before another attempt (0: go ahead), and why."""
    now, wait, ceiling = now or utcnow(), 0, False
    for key in keys:
        row = session.get(LoginThrottle, key)
        if row is not None and row.blocked_until and row.blocked_until > now:
            seconds = int((row.blocked_until - now).total_seconds()) + 1
            if seconds > wait:
                wait, ceiling = seconds, key.startswith("ceil:")
    return Wait(wait, ceiling)


def record_failure(session, keys: list[str], now: datetime | None = None) -> None:
    now = now or utcnow()
    for key in keys:
        row = session.get(LoginThrottle, key)
        forget = CEILING_WINDOW if key.startswith("ceil:") else FORGET_AFTER
        if row is None or now - row.last_failure_at > forget:
            row = row or LoginThrottle(key=key)
            row.failures = 0
            session.add(row)
        row.failures += 1
        row.last_failure_at = now
        if key.startswith("ceil:"):
            if row.failures >= ACCOUNT_CEILING:
                row.blocked_until, row.failures = now + CEILING_WINDOW, 0
            continue
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
