"""Password hashing (argon2id) and the password rules: long enough, not a common one."""

from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

from portal.core.i18n import _

_hasher = PasswordHasher()
# A real hash to verify against when the account does not exist, so both answers take as long.
_DUMMY_HASH = _hasher.hash("not-a-real-password-for-timing")

COMMON_PASSWORD_COUNT = 30_000
MAX_LENGTH = 256


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"][:COMMON_PASSWORD_COUNT])


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def password_problem(password: str, *, email: str = "") -> str | None:
    """Why the password cannot be used, or None when it is fine."""
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        return _("Your password must be at least %(count)d characters long.", count=minimum)
    if len(password) > MAX_LENGTH:
        return _("Your password must be %(count)d characters or fewer.", count=MAX_LENGTH)
    lowered = password.lower()
    if lowered in _common_passwords() or len(set(lowered)) <= 2:
        return _("That password is one of the most common ones and easy to guess. Choose another.")
    if email and lowered == email.lower():
        return _("Your password must not be your email address.")
    return None
