"""Human-friendly references: a kind prefix, eight random Crockford base-32 characters and a
check character, e.g. ENQ-7K2Q-MX4D-J. Random, so one reference tells nothing about another.

The check character is Luhn mod 32 over the same alphabet: it catches every single mistyped
character and most swaps of neighbours, and is never a symbol a person would struggle to read out.
"""

import re
import secrets

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
#: letters people type for the digits they resemble (Crockford base 32 has no I, L or O)
TYPO_MAP = str.maketrans({"I": "1", "L": "1", "O": "0"})
_STORED_FORM = re.compile(f"[A-Z]{{3}}-[{CROCKFORD}]{{4}}-[{CROCKFORD}]{{4}}-[{CROCKFORD}]")


def check_character(body: str) -> str:
    base, total, factor = len(CROCKFORD), 0, 2
    for char in reversed(body):
        addend = factor * CROCKFORD.index(char)
        total += addend // base + addend % base
        factor = 3 - factor
    return CROCKFORD[-total % base]


def new_reference(prefix: str, length: int = 8) -> str:
    body = "".join(secrets.choice(CROCKFORD) for _ in range(length))
    return f"{prefix}-{body[:4]}-{body[4:]}-{check_character(body)}"


class DistinctReferences:
    """Makes new references none of which repeats another it made: for bulk demonstration data, where
    a million random ones would otherwise hold a repeat about one time in three."""

    def __init__(self) -> None:
        self.made: set[str] = set()

    def __call__(self, prefix: str) -> str:
        while (reference := new_reference(prefix)) in self.made:
            pass
        self.made.add(reference)
        return reference


def is_valid_reference(reference: str) -> bool:
    """A reference in its stored form, of the alphabet's characters only (no U, for one), whose check
    character matches: one a person could have been given."""
    return (_STORED_FORM.fullmatch(reference) is not None
            and check_character(reference[4:8] + reference[9:13]) == reference[-1])


def normalise_reference(text: str) -> str:
    """Upper case, typo-tolerant letters mapped, separators re-inserted: what a person typed → the stored form."""
    cleaned = "".join(ch for ch in text.upper() if ch.isalnum())
    prefix, rest = cleaned[:3], cleaned[3:].translate(TYPO_MAP)
    if len(rest) != 9:
        return text.strip().upper()
    return f"{prefix}-{rest[:4]}-{rest[4:8]}-{rest[8]}"
