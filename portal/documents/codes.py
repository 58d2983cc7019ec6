"""Verification codes printed on authentication stickers, e.g. 7K2Q-MX4D-9PRT-C3VA-G.

Sixteen characters of Crockford base 32 carry 80 random bits from `secrets`; nothing about the
case (its reference, mission or date) goes into them, so one code tells nothing about another. A
seventeenth character is the Luhn mod 32 check character of portal.core.refs: a single mistyped
character is caught before any look-up, and answered as a typo rather than as "not found".
"""

import secrets
from dataclasses import dataclass
from enum import StrEnum

from portal.core.refs import CROCKFORD, TYPO_MAP, check_character

BODY_LENGTH = 16  # 16 × 5 bits = 80 random bits
GROUP = 4
LENGTH = BODY_LENGTH + 1


class Parse(StrEnum):
    OK = "ok"
    #: the right length and alphabet, but the check character does not match: one character is wrong
    TYPO = "typo"
    #: too short, too long, or characters a code never has
    MALFORMED = "malformed"


@dataclass(frozen=True)
class ParsedCode:
    outcome: Parse
    #: the 17 characters without separators, when the outcome is OK
    compact: str | None = None


def new_code() -> str:
    """A fresh code, compact (17 characters, no separators)."""
    body = "".join(secrets.choice(CROCKFORD) for _ in range(BODY_LENGTH))
    return body + check_character(body)


def format_code(compact: str) -> str:
    """Groups of four, then the check character: 7K2Q-MX4D-9PRT-C3VA-G."""
    groups = [compact[i:i + GROUP] for i in range(0, BODY_LENGTH, GROUP)]
    return "-".join([*groups, compact[BODY_LENGTH:]])


def normalise(text: str) -> str:
    """What a person typed, without case, spaces or hyphens, and with I/L read as 1 and O as 0."""
    return "".join(ch for ch in text.upper() if not ch.isspace() and ch not in "-‐‑–—").translate(TYPO_MAP)


def parse_code(text: str) -> ParsedCode:
    """Read a typed or scanned code; tells a typo (check character wrong) from a malformed entry."""
    compact = normalise(text or "")
    if len(compact) != LENGTH or any(ch not in CROCKFORD for ch in compact):
        return ParsedCode(Parse.MALFORMED)
    body, check = compact[:BODY_LENGTH], compact[BODY_LENGTH:]
    if check_character(body) != check:
        return ParsedCode(Parse.TYPO)
    return ParsedCode(Parse.OK, compact)
