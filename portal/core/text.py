"""Checks on text typed into forms that every domain shares."""

import re

#: ASCII digits only: `\d` and str.isdigit() also take Arabic-Indic, Devanagari and other digits,
#: which NFKC leaves as they are and int() quietly reads.
_DIGITS = re.compile(r"[0-9]+")


def is_digits(text: str | None) -> bool:
    """True for a non-empty run of 0-9 and nothing else."""
    return text is not None and _DIGITS.fullmatch(text) is not None
