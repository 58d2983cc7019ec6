"""The Taiwan national identification number (身分證統一編號): one letter and nine digits.

The letter stands for a two-digit number (A=10 … with I, O, W, X, Y, Z out of order); its two
digits and the nine digits, weighted 1 9 8 7 6 5 4 3 2 1 1, sum to a multiple of ten. The second
character is 1 (male) or 2 (female). We also accept 8 and 9, the second character of the resident
certificate numbers issued since 2021 to foreign nationals, which follow the same check rule, so
that a national who once held one is not refused by the form; staff see the number as given.
"""

import re
import unicodedata
from enum import Enum

LETTER_VALUES = {
    "A": 10, "B": 11, "C": 12, "D": 13, "E": 14, "F": 15, "G": 16, "H": 17, "I": 34, "J": 18, "K": 19,
    "L": 20, "M": 21, "N": 22, "O": 35, "P": 23, "Q": 24, "R": 25, "S": 26, "T": 27, "U": 28, "V": 29,
    "W": 32, "X": 30, "Y": 31, "Z": 33,
}
WEIGHTS = (1, 9, 8, 7, 6, 5, 4, 3, 2, 1, 1)
SECOND_CHARACTERS = "1289"
_SHAPE = re.compile(r"[A-Z][0-9]{9}")  # ASCII digits: \d would take ٩ too


class Problem(Enum):
    EMPTY = "empty"
    SHAPE = "shape"
    SECOND = "second"
    CHECK = "check"


def normalise(text: str | None) -> str:
    """Full-width characters made half-width (NFKC), spaces and hyphens dropped, upper case."""
    text = unicodedata.normalize("NFKC", text or "")
    return "".join(ch for ch in text if not ch.isspace() and ch != "-").upper()


def checksum(number: str) -> int:
    """The weighted sum of a well-shaped number; valid numbers give a multiple of ten."""
    letter = LETTER_VALUES[number[0]]
    digits = (letter // 10, letter % 10, *(int(d) for d in number[1:]))
    return sum(weight * digit for weight, digit in zip(WEIGHTS, digits, strict=True))


def problem(text: str | None) -> Problem | None:
    """What is wrong with a number as typed, or None when it is valid."""
    number = normalise(text)
    if not number:
        return Problem.EMPTY
    if not _SHAPE.fullmatch(number):
        return Problem.SHAPE
    if number[1] not in SECOND_CHARACTERS:
        return Problem.SECOND
    if checksum(number) % 10:
        return Problem.CHECK
    return None


def is_valid(text: str | None) -> bool:
    return problem(text) is None


def check_digit(first_nine: str) -> str:
    """The last digit that makes a letter and eight digits valid (for tests and demo data)."""
    partial = checksum(normalise(first_nine) + "0")
    return str(-partial % 10)


def masked(value: str | None) -> str:
    """The number as pages show it: its letter, first digit and last two, e.g. A1••••••89."""
    if not value or len(value) < 5:
        return "•" * len(value or "")
    return value[:2] + "•" * (len(value) - 4) + value[-2:]
