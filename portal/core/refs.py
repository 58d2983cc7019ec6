"""Human-friendly references: a kind prefix, eight random Crockford base-32 characters and a
check character, e.g. ENQ-7K2Q-MX4D-J. Random, so one reference tells nothing about another."""

import secrets

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# Crockford's check symbols extend the alphabet to 37 characters (value mod 37).
CHECK_SYMBOLS = CROCKFORD + "*~$=U"
_TYPO_MAP = str.maketrans({"I": "1", "L": "1", "O": "0"})


def check_character(body: str) -> str:
    value = 0
    for char in body:
        value = value * 32 + CROCKFORD.index(char)
    return CHECK_SYMBOLS[value % 37]


def new_reference(prefix: str, length: int = 8) -> str:
    body = "".join(secrets.choice(CROCKFORD) for _ in range(length))
    return f"{prefix}-{body[:4]}-{body[4:]}-{check_character(body)}"


def normalise_reference(text: str) -> str:
    """Upper case, typo-tolerant letters mapped, separators re-inserted: what a person typed → the stored form."""
    cleaned = "".join(ch for ch in text.upper() if ch.isalnum() or ch in CHECK_SYMBOLS)
    prefix, rest = cleaned[:3], cleaned[3:].translate(_TYPO_MAP)
    if len(rest) != 9:
        return text.strip().upper()
    return f"{prefix}-{rest[:4]}-{rest[4:8]}-{rest[8]}"
