"""The machine-readable zone of a passport: ICAO Doc 9303 Part 4, TD3 (two lines of 44 characters).

Line 1: P, type filler, issuing state, then the name: primary identifier (surname), `<<`, the
secondary identifier (given names), words joined by `<`, filled with `<` to 39 positions.
Line 2: document number + check digit, nationality, birth date (YYMMDD) + check digit, sex,
expiry date + check digit, personal number (14) + check digit, and the composite check digit
over the document number, birth date, expiry date and personal number with their check digits.

Check digits (Part 3, 4.9): weights 7, 3, 1 repeated; digits count as themselves, A–Z as 10–35,
the filler `<` as 0; the digit is the sum modulo 10.
"""

import re
from dataclasses import dataclass
from datetime import date

LINE_LENGTH = 44
NAME_LENGTH = 39
FILLER = "<"
_WEIGHTS = (7, 3, 1)
_ALLOWED = re.compile(r"[A-Z0-9<]*")


def character_value(ch: str) -> int:
    if ch.isdigit():
        return int(ch)
    if "A" <= ch <= "Z":
        return ord(ch) - ord("A") + 10
    if ch == FILLER:
        return 0
    raise ValueError(f"{ch!r} cannot appear in a machine-readable zone")


def check_digit(field: str) -> str:
    return str(sum(character_value(ch) * _WEIGHTS[i % 3] for i, ch in enumerate(field)) % 10)


def _words(name: str) -> list[str]:
    """A name as MRZ words: letters kept, every space, hyphen, apostrophe or comma a separator."""
    return [w for w in re.split(r"[^A-Z]+", name.upper()) if w]


def name_field(surname: str, given_names: str, length: int = NAME_LENGTH) -> str:
    """The name as the MRZ writes it, truncated as Doc 9303 Part 4 (4.2.2.2) and Part 3 (4.6) say.

    When primary and secondary identifiers do not fit together, the secondary identifier is cut
    first, at the end of the field. Should the primary identifier alone leave no room for `<<`
    and one character of the secondary identifier, it is cut too. A cut never leaves a dangling
    separator: the field then ends in filler, as if the next word had not started.
    """
    primary = FILLER.join(_words(surname))
    secondary = FILLER.join(_words(given_names))
    if not secondary:
        return primary[:length].ljust(length, FILLER)
    if len(primary) + 3 > length:
        primary = primary[:length - 3]
    full = f"{primary}{FILLER * 2}{secondary}"
    return full[:length].rstrip(FILLER).ljust(length, FILLER) if len(full) > length else full.ljust(length, FILLER)


def _field(text: str, length: int) -> str:
    value = re.sub(r"[^A-Z0-9]", FILLER, text.upper())
    if len(value) > length:
        raise ValueError(f"{text!r} is longer than {length} characters")
    return value.ljust(length, FILLER)


def yymmdd(day: date) -> str:
    return day.strftime("%y%m%d")


@dataclass(frozen=True)
class Td3:
    line1: str
    line2: str

    @property
    def lines(self) -> tuple[str, str]:
        return self.line1, self.line2


def td3(*, surname: str, given_names: str, number: str, nationality: str, birth_date: date, sex: str,
        expiry_date: date, personal_number: str = "", issuing_state: str = "TWN", document_type: str = "P",
        document_subtype: str = "") -> Td3:
    """Both lines of a passport's MRZ. Sex is M, F, or X (shown as `<`, unspecified)."""
    code = _field(document_type + document_subtype, 2)
    line1 = code + _field(issuing_state, 3) + name_field(surname, given_names)
    document = _field(number, 9)
    birth = yymmdd(birth_date)
    expiry = yymmdd(expiry_date)
    personal = _field(personal_number, 14)
    personal_check = check_digit(personal) if personal_number else FILLER
    sex_code = sex.upper() if sex.upper() in ("M", "F") else FILLER
    upper = document + check_digit(document) + _field(nationality, 3)
    middle = birth + check_digit(birth) + sex_code + expiry + check_digit(expiry)
    composite = check_digit(document + check_digit(document) + birth + check_digit(birth) + expiry
                            + check_digit(expiry) + personal + personal_check)
    line2 = upper + middle + personal + personal_check + composite
    for line in (line1, line2):
        if len(line) != LINE_LENGTH or not _ALLOWED.fullmatch(line):
            raise ValueError(f"not a TD3 line: {line!r}")
    return Td3(line1, line2)
