"""Password hashing (argon2id) and the password rules: long enough, and hard to guess as judged by
the zxcvbn estimator (score 3 of 4 or more), whose feedback tells the person what to change."""

import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from zxcvbn import zxcvbn

from portal.core.i18n import _, _l

_hasher = PasswordHasher()
# A real hash to verify against when the account does not exist, so both answers take as long.
_DUMMY_HASH = _hasher.hash("not-a-real-password-for-timing")

MAX_LENGTH = 256
#: zxcvbn's scores run 0–4; 3 is "safely unguessable" against an online attack and a slowed offline one
MIN_SCORE = 3
#: zxcvbn reads at most this many characters; a longer password is judged by its start
ESTIMATOR_LENGTH = 72

#: zxcvbn's own feedback, in our catalogs so that it is shown in the reader's language
ESTIMATOR_FEEDBACK = (
    _l("Use a few words, avoid common phrases."), _l("No need for symbols, digits, or uppercase letters."),
    _l("Add another word or two. Uncommon words are better."), _l("Straight rows of keys are easy to guess."),
    _l("Short keyboard patterns are easy to guess."), _l("Use a longer keyboard pattern with more turns."),
    _l('Repeats like "aaa" are easy to guess.'),
    _l('Repeats like "abcabcabc" are only slightly harder to guess than "abc".'),
    _l("Avoid repeated words and characters."), _l('Sequences like "abc" or "6543" are easy to guess.'),
    _l("Avoid sequences."), _l("Recent years are easy to guess."), _l("Avoid recent years."),
    _l("Avoid years that are associated with you."), _l("Dates are often easy to guess."),
    _l("Avoid dates and years that are associated with you."), _l("This is a top-10 common password."),
    _l("This is a top-100 common password."), _l("This is a very common password."),
    _l("This is similar to a commonly used password."), _l("A word by itself is easy to guess."),
    _l("Names and surnames by themselves are easy to guess."), _l("Common names and surnames are easy to guess."),
    _l("Capitalization doesn't help very much."), _l("All-uppercase is almost as easy to guess as all-lowercase."),
    _l("Reversed words aren't much harder to guess."),
    _l("Predictable substitutions like '@' instead of 'a' don't help very much."),
)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def password_problem(password: str, *, email: str = "", name: str = "") -> str | None:
    """Why the password cannot be used (with what to change), or None when it is fine."""
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        return _("Your password must be at least %(count)d characters long.", count=minimum)
    if len(password) > MAX_LENGTH:
        return _("Your password must be %(count)d characters or fewer.", count=MAX_LENGTH)
    if email and password.lower() == email.lower():
        return _("Your password must not be your email address.")
    # The person's own address and name (whole and word by word) count as words an attacker knows.
    known = [part for text in (email, name) if text for part in (text, *re.split(r"[\W_]+", text)) if part]
    estimate = zxcvbn(password[:ESTIMATOR_LENGTH], user_inputs=known)
    if estimate["score"] >= MIN_SCORE:
        return None
    feedback = estimate["feedback"]
    advice = " ".join(_(text) for text in (feedback["warning"], *feedback["suggestions"]) if text)
    return _("That password would be easy to guess. %(advice)s", advice=advice).strip()
