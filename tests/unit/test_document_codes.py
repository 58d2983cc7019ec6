"""Verification codes: random, grouped, typo-tolerant, and every single mistyped character caught."""

import math
import re

import pytest

from portal.core.refs import CROCKFORD, check_character
from portal.documents.codes import BODY_LENGTH, Parse, format_code, new_code, normalise, parse_code

GROUPED = re.compile(r"^([0-9A-HJKMNP-TV-Z]{4}-){4}[0-9A-HJKMNP-TV-Z]$")


def test_a_code_carries_at_least_80_random_bits_in_groups_of_four_with_a_check_character():
    code = new_code()
    assert len(code) == BODY_LENGTH + 1 and BODY_LENGTH * math.log2(len(CROCKFORD)) >= 80
    assert GROUPED.match(format_code(code))
    assert code[-1] == check_character(code[:-1])


def test_codes_do_not_repeat_and_use_the_whole_alphabet():
    codes = {new_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert set("".join(c[:-1] for c in codes)) == set(CROCKFORD)


@pytest.mark.parametrize("seed", range(5))
def test_the_check_character_catches_every_single_character_substitution(seed):
    code = new_code()
    caught = 0
    for position in range(len(code)):
        for replacement in CROCKFORD:
            if replacement == code[position]:
                continue
            mistyped = code[:position] + replacement + code[position + 1:]
            assert parse_code(mistyped).outcome is Parse.TYPO, (code, mistyped)
            caught += 1
    assert caught == len(code) * (len(CROCKFORD) - 1)


def test_spaces_hyphens_case_and_look_alike_letters_are_forgiven():
    code = "7K2QMX4D9PRTC3VAG"
    for typed in ("7K2Q-MX4D-9PRT-C3VA-G", "7k2q mx4d 9prt c3va g", " 7K2Q–MX4D—9PRT-C3VA-G ", "7K2QMX4D9PRTC3VAG"):
        assert parse_code(typed) == parse_code(code) and parse_code(typed).compact == code
    with_zero_and_one = "10" + new_code()[2:]
    body = with_zero_and_one[:-1]
    valid = body + check_character(body)
    assert parse_code(valid.replace("1", "I", 1).replace("0", "o", 1)).compact == valid
    assert normalise("l-O") == "10"


@pytest.mark.parametrize("typed", ["", "7K2Q", "7K2Q-MX4D-9PRT-C3VA", "7K2Q-MX4D-9PRT-C3VA-GG", "7K2Q-MX4D-9PRT-C3VA-U",
                                   "7K2Q-MX4D-9PRT-C3V*-G", "DOC-7K2Q-MX4D-J"])
def test_wrong_lengths_and_foreign_characters_are_malformed_not_typos(typed):
    assert parse_code(typed).outcome is Parse.MALFORMED


def test_a_case_reference_is_not_a_verification_code():
    from portal.core.refs import new_reference

    assert parse_code(new_reference("DOC")).outcome is Parse.MALFORMED


@pytest.mark.parametrize("name, masked", [
    ("王小明", "王○明"), ("王明", "王○"), ("歐陽小明", "歐○明"), ("王", "王○"), ("Amy Lin", "A○ L○"),
    ("  Jean-Luc   Picard ", "J○ P○"), ("Madonna", "M○"), ("", "○"),
])
def test_the_holder_name_is_shown_only_partly(name, masked):
    from portal.documents.service import mask_name

    assert mask_name(name) == masked
