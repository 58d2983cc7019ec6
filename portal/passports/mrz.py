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
    if "0" <= ch <= "9":
        return int(ch)
    if "A" <= ch <= "Z":
        return ord(ch) - ord("A") + 10
    if ch == FILLER:
        return 0
    raise ValueError(f"{ch!r} cannot appear in a machine-readable zone")


def check_digit(field: str) -> str:
    return str(sum(character_value(ch) * _WEIGHTS[i % 3] for i, ch in enumerate(field)) % 10)


#: Doc 9303 Part 3 (4.6): apostrophes are left out of a name, not turned into a separator
_APOSTROPHES = re.compile("['\u2018\u2019\u02bc`]")


def _words(name: str) -> list[str]:
    """A name as MRZ words: letters kept, apostrophes dropped, any other run of characters
    (spaces, hyphens, commas) one separator."""
    return [w for w in re.split(r"[^A-Z]+", _APOSTROPHES.sub("", name.upper())) if w]


def _cut(words: list[str], room: int) -> str:
    """Words joined by `<`, cut to exactly `room` characters ending with a letter, for a name too
    long for its room. Where the cut would end on a separator, the last word of two or more letters
    before it gives up its final letter and the next word's initial ends the field: every separator
    stays a single one between words, and the last character still shows the cut."""
    kept: list[str] = []
    for index, word in enumerate(words):
        left = room - len(FILLER.join(kept)) - (1 if kept else 0)
        if len(word) >= left:
            return FILLER.join([*kept, word[:left]])
        kept.append(word)
        if len(word) < left - 1:
            continue
        if index + 1 == len(words):
            # Only initials, and the room ends between two of them: the last one left out, the field
            # padded (no letter can end it without running two initials together).
            return FILLER.join(kept).ljust(room, FILLER)
        following = words[index + 1]
        longer = [i for i, w in enumerate(kept) if len(w) > 1]
        if longer:
            kept[longer[-1]] = kept[longer[-1]][:-1]
            return FILLER.join([*kept, following[0]])
        # Only initials so far: the last of them makes way for the next word.
        return _cut(words[:index] + words[index + 1:], room)
    raise ValueError("the name fits: nothing to cut")


def name_field(surname: str, given_names: str, length: int = NAME_LENGTH) -> str:
    """The name as the MRZ writes it, truncated as Doc 9303 Part 3 (4.6) and Part 4 (4.2.2) say.

    A name that fits is padded with filler. One that does not is cut so that the field ends with a
    letter, which tells a reader it was truncated: the secondary identifier (given names) first; the
    primary identifier (surname) too when it alone leaves no room for `<<` and one more letter.
    """
    primary, secondary = _words(surname), _words(given_names)
    whole = FILLER.join(primary) + (FILLER * 2 + FILLER.join(secondary) if secondary else "")
    if len(whole) <= length:
        return whole.ljust(length, FILLER)
    if not secondary:
        return _cut(primary, length)
    primary_text = FILLER.join(primary)
    if len(primary_text) + 3 > length:
        primary_text = _cut(primary, length - 3)
    return primary_text + FILLER * 2 + _cut(secondary, length - len(primary_text) - 2)


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


def mrva(*, surname: str, given_names: str, number: str, nationality: str, birth_date: date, sex: str,
         valid_until: date, optional_data: str = "", issuing_state: str = "TWN", document_subtype: str = "") -> Td3:
    """Both lines of a visa's machine-readable zone: ICAO Doc 9303 Part 7, format A (MRV-A, 2 × 44).

    Line 1 is as a passport's but with V for the document code. Line 2 has no personal number and no
    composite check digit: 16 characters of optional data (the issuing state's own) end it instead.
    """
    line1 = _field("V" + document_subtype, 2) + _field(issuing_state, 3) + name_field(surname, given_names)
    document = _field(number, 9)
    birth, expiry = yymmdd(birth_date), yymmdd(valid_until)
    sex_code = sex.upper() if sex.upper() in ("M", "F") else FILLER
    line2 = (document + check_digit(document) + _field(nationality, 3) + birth + check_digit(birth) + sex_code
             + expiry + check_digit(expiry) + _field(optional_data, 16))
    for line in (line1, line2):
        if len(line) != LINE_LENGTH or not _ALLOWED.fullmatch(line):
            raise ValueError(f"not an MRV-A line: {line!r}")
    return Td3(line1, line2)


@dataclass(frozen=True)
class Td3Reading:
    """What a passport's machine-readable zone says, once its check digits agree."""

    lines: tuple[str, str]
    document_type: str
    issuing_state: str
    surname_words: tuple[str, ...]
    given_name_words: tuple[str, ...]
    number: str
    nationality: str
    birth: str  # YYMMDD as printed
    sex: str  # M, F or <
    expiry: str  # YYMMDD


class MrzProblem(ValueError):
    """Why a typed zone cannot be read; the message names the part (for the person typing it)."""

    def __init__(self, part: str):
        super().__init__(part)
        self.part = part


def read_td3(text: str) -> Td3Reading:
    """Read a passport's two lines as typed or pasted (spaces ignored, any case, one or two lines) and
    check every check digit.

    Raises:
        MrzProblem: with part "length", "characters", "type", or the field whose check digit is wrong
        ("number", "birth", "expiry", "personal", "composite").
    """
    compact = "".join(text.upper().split())
    if len(compact) != 2 * LINE_LENGTH:
        raise MrzProblem("length")
    if not _ALLOWED.fullmatch(compact):
        raise MrzProblem("characters")
    line1, line2 = compact[:LINE_LENGTH], compact[LINE_LENGTH:]
    if line1[0] != "P":
        raise MrzProblem("type")
    number, birth, expiry, personal = line2[0:9], line2[13:19], line2[21:27], line2[28:42]
    for part, field, digit in (("number", number, line2[9]), ("birth", birth, line2[19]),
                               ("expiry", expiry, line2[27])):
        if check_digit(field) != digit:
            raise MrzProblem(part)
    # an empty personal number may have a filler for its check digit (Part 4, 4.2.2)
    if line2[42] not in {check_digit(personal), *((FILLER,) if not personal.strip(FILLER) else ())}:
        raise MrzProblem("personal")
    if check_digit(line2[0:10] + line2[13:20] + line2[21:43]) != line2[43]:
        raise MrzProblem("composite")
    primary, _, secondary = line1[5:].partition(FILLER * 2)
    return Td3Reading(lines=(line1, line2), document_type=line1[:2].rstrip(FILLER),
                      issuing_state=line1[2:5].rstrip(FILLER),
                      surname_words=tuple(w for w in primary.split(FILLER) if w),
                      given_name_words=tuple(w for w in secondary.split(FILLER) if w),
                      number=number.rstrip(FILLER), nationality=line2[10:13].rstrip(FILLER), birth=birth,
                      sex=line2[20], expiry=expiry)


def name_words(name: str) -> tuple[str, ...]:
    """A name's words as the zone writes them (for comparing a typed name with a zone)."""
    return tuple(_words(name))
