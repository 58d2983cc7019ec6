"""Checks on text typed into forms that every domain shares."""

import re

#: ASCII digits only: `\d` and str.isdigit() also take Arabic-Indic, Devanagari and other digits,
#: which NFKC leaves as they are and int() quietly reads.
_DIGITS = re.compile(r"[0-9]+")


def is_digits(text: str | None) -> bool:
    """True for a non-empty run of 0-9 and nothing else."""
    return text is not None and _DIGITS.fullmatch(text) is not None


#: characters no page may carry (HTML forbids them) and no person types: C0 controls but tab, line feed
#: and carriage return; DEL and the C1 controls; the Unicode noncharacters
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufdd0-\ufdef"
                        + "".join(f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}"
                                  for plane in range(17)) + "]")


def has_forbidden_characters(text: str) -> bool:
    return _FORBIDDEN.search(text) is not None


def without_forbidden_characters(text: str | None) -> str:
    """The text as a page may show it: forbidden characters removed."""
    return _FORBIDDEN.sub("", text or "")
