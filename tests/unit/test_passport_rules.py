"""The rules with no database behind them: the national ID check digit, the ICAO 9303 TD3
machine-readable zone, and the photo's size and shape."""

import random
import re
import string
from datetime import date

import pytest

from portal.passports import mrz, national_id
from portal.passports.national_id import Problem


@pytest.mark.parametrize("number", ["A123456789", "F131104093", "Z200000004", "a123456789", "Ａ１２３４５６７８９",
                                    " A 123 456 789 ", "A12345-6789"])
def test_valid_national_ids_pass_after_normalising_width_case_and_spaces(number):
    assert national_id.problem(number) is None and national_id.is_valid(number)


@pytest.mark.parametrize(("number", "problem"), [
    ("", Problem.EMPTY), (None, Problem.EMPTY), ("   ", Problem.EMPTY),
    ("A12345678", Problem.SHAPE), ("A1234567890", Problem.SHAPE), ("1123456789", Problem.SHAPE),
    ("AB23456789", Problem.SHAPE), ("A1234５678X", Problem.SHAPE),
    # Arabic-Indic and Devanagari digits match \d, but no Taiwan ID card carries them
    ("A12345678٩", Problem.SHAPE), ("A१23456789", Problem.SHAPE),
    ("A323456789", Problem.SECOND), ("A023456789", Problem.SECOND),
    ("A123456788", Problem.CHECK), ("A123456780", Problem.CHECK), ("B123456789", Problem.CHECK),
])
def test_malformed_and_wrong_check_digit_national_ids_are_refused_with_their_reason(number, problem):
    assert national_id.problem(number) is problem


def test_every_single_digit_change_at_a_weight_prime_to_ten_is_caught():
    # Weights 8, 7, 6, 5, 4, 3, 2, 1, 1 on the digits: a change by 5 at an even weight slips through,
    # and an even change at weight 5, as on the real cards; any change at weight 7, 3 or 1 is caught.
    for position in (2, 6, 8, 9):
        for digit in "0123456789":
            changed = "A123456789"[:position] + digit + "A123456789"[position + 1:]
            if changed != "A123456789":
                assert national_id.problem(changed) is Problem.CHECK, changed


def test_letter_values_follow_the_official_table_including_the_out_of_order_letters():
    assert national_id.LETTER_VALUES["I"] == 34 and national_id.LETTER_VALUES["O"] == 35
    assert national_id.LETTER_VALUES["W"] == 32 and national_id.LETTER_VALUES["Z"] == 33
    assert sorted(national_id.LETTER_VALUES.values()) == list(range(10, 36))
    for letter in national_id.LETTER_VALUES:
        body = f"{letter}12345678"
        assert national_id.is_valid(body + national_id.check_digit(body))


def test_resident_certificate_second_characters_8_and_9_are_accepted():
    for body in ("A80000001", "A90000001"):
        assert national_id.is_valid(body + national_id.check_digit(body))


# --- ICAO Doc 9303 ----------------------------------------------------------------------------

def test_the_utopia_specimen_of_doc_9303_is_reproduced_exactly():
    zone = mrz.td3(surname="ERIKSSON", given_names="ANNA MARIA", number="L898902C3", nationality="UTO",
                   birth_date=date(1974, 8, 12), sex="F", expiry_date=date(2012, 4, 15),
                   personal_number="ZE184226B", issuing_state="UTO")
    assert zone.line1 == "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<"
    assert zone.line2 == "L898902C36UTO7408122F1204159ZE184226B<<<<<10"


@pytest.mark.parametrize(("field", "digit"), [
    ("L898902C3", "6"), ("740812", "2"), ("120415", "9"), ("ZE184226B<<<<<", "1"),
    ("L898902C3674081221204159ZE184226B<<<<<1", "0"), ("", "0"), ("<<<<", "0"), ("520727", "3"),
])
def test_check_digits_weight_7_3_1_with_letters_10_to_35_and_filler_0(field, digit):
    assert mrz.check_digit(field) == digit


def test_character_values_and_refusal_of_anything_outside_the_mrz_alphabet():
    assert [mrz.character_value(c) for c in "09AZ<"] == [0, 9, 10, 35, 0]
    with pytest.raises(ValueError):
        mrz.character_value("a")


def test_apostrophes_are_left_out_and_spaces_and_hyphens_become_single_fillers():
    assert mrz.name_field("CHEN", "MEI-LING").startswith("CHEN<<MEI<LING<")
    assert mrz.name_field("O'NEILL", "MARY ANN").startswith("ONEILL<<MARY<ANN<")
    assert mrz.name_field("D\u2019ANGELO", "JEAN - PIERRE").startswith("DANGELO<<JEAN<PIERRE<")
    assert mrz.name_field("VAN DER BERG", "").startswith("VAN<DER<BERG<<<")
    assert len(mrz.name_field("CHEN", "MEI-LING")) == 39


def test_a_long_name_is_truncated_in_the_given_names_first_and_ends_with_a_letter():
    field = mrz.name_field("NILAVADHANANANDA", "CHAYAPA DEJTHAMRONG KRASUANG")
    assert field == "NILAVADHANANANDA<<CHAYAPA<DEJTHAMRONG<K"


def test_a_cut_that_falls_on_a_separator_still_ends_with_a_letter():
    # The name the application form let through: 33 letters of given names end one place before the field does.
    assert mrz.name_field("LIN", "ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFG HIJ") == \
        "LIN<<ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEF<H"
    assert mrz.name_field("A" * 30, "ABCDEF GHIJ") == "A" * 30 + "<<" + "ABCDE<G"
    assert mrz.name_field("A" * 31, "ABCDEF GHIJ") == "A" * 31 + "<<" + "ABCDEF"
    # Initials before the cut: the longer word before them gives up the letter.
    assert mrz.name_field("WANG", "ABCDEFGHIJKLMNOPQRSTUVWXYZAB C D EFG") == \
        "WANG<<ABCDEFGHIJKLMNOPQRSTUVWXYZA<C<D<E"


def test_a_surname_too_long_for_the_field_keeps_room_for_the_first_given_name_initial():
    assert mrz.name_field("B" * 45, "ANNA") == "B" * 36 + "<<A"
    assert mrz.name_field("B" * 45, "") == "B" * 39
    # Cut just after a space inside the surname: never three fillers in a row.
    assert mrz.name_field("A" * 35 + " BBB", "CCC") == "A" * 34 + "<B<<C"


def _random_name(rng, words, longest):
    return " -"[rng.randrange(2)].join(
        "".join(rng.choice(string.ascii_uppercase) for _ in range(rng.choice([1, *range(2, longest)])))
        for _ in range(rng.randint(1, words)))


def test_thousands_of_names_give_zones_the_independent_mrz_checker_accepts():
    """The `mrz` package's TD3 checker, over names of every length with initials, hyphens, spaces
    and apostrophes: no errors, never `<<<` inside a name, a truncated name ends with a letter and
    keeps the start of every word it shows, and a name that fits is all there."""
    from mrz.checker.td3 import TD3CodeChecker

    rng = random.Random(9303)
    for _ in range(3000):
        surname = _random_name(rng, 4, 18)
        if rng.random() < 0.2:
            surname = surname[:1] + "'" + surname[1:]
        given = _random_name(rng, 5, 14) if rng.random() < 0.9 else ""
        zone = mrz.td3(surname=surname, given_names=given, number="312345678", nationality="TWN",
                       birth_date=date(1990, 5, 31), sex=rng.choice("MFX"), expiry_date=date(2036, 11, 27),
                       personal_number="A123456789")
        checker = TD3CodeChecker("\n".join(zone.lines))
        assert bool(checker) and not checker.report.errors, (surname, given, zone.line1, checker.report.errors)
        field = zone.line1[5:]
        whole = "<".join(re.findall("[A-Z]+", surname.replace("'", "")))
        if given:
            whole += "<<" + "<".join(re.findall("[A-Z]+", given))
        shown = field.rstrip("<")
        assert "<<<" not in shown, (surname, given, field)
        if len(whole) <= 39:
            assert shown == whole
            # A name of exactly 39 characters looks truncated to any reader, as Doc 9303 says.
            assert ("possible truncating" in checker.report.warnings) == (len(whole) == 39)
        else:
            assert field[-1] != "<" and "possible truncating" in checker.report.warnings, (surname, given, field)
            shown_primary, _, shown_secondary = shown.partition("<<")
            real_primary, _, real_secondary = whole.partition("<<")
            for shown_part, real_part in ((shown_primary, real_primary), (shown_secondary, real_secondary)):
                real_words = real_part.split("<")
                for word in shown_part.split("<") if shown_part else []:
                    assert any(real.startswith(word) for real in real_words), (surname, given, field)


def test_a_taiwan_passport_zone_carries_the_national_id_in_the_personal_number_field():
    zone = mrz.td3(surname="CHEN", given_names="MEI-LING", number="312345678", nationality="TWN",
                   birth_date=date(1990, 5, 31), sex="F", expiry_date=date(2036, 11, 27),
                   personal_number="A123456789")
    assert zone.line1 == "P<TWNCHEN<<MEI<LING" + "<" * 25
    line2 = zone.line2
    assert len(line2) == 44 and line2[:9] == "312345678" and line2[9] == mrz.check_digit("312345678")
    assert line2[10:13] == "TWN" and line2[13:19] == "900531" and line2[20] == "F" and line2[21:27] == "361127"
    assert line2[28:42] == "A123456789<<<<" and line2[42] == mrz.check_digit("A123456789<<<<")
    assert line2[43] == mrz.check_digit(line2[0:10] + line2[13:20] + line2[21:43])


def test_no_personal_number_gives_a_filler_check_digit_and_unspecified_sex_a_filler():
    line2 = mrz.td3(surname="X", given_names="Y", number="1", nationality="TWN", birth_date=date(2000, 1, 1),
                    sex="X", expiry_date=date(2030, 1, 1)).line2
    assert line2[20] == "<" and line2[28:43] == "<" * 15


# --- photos -----------------------------------------------------------------------------------

def test_photo_sizes_and_shapes(app):
    from portal.passports.photos import photo_problems

    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert photo_problems(413, 531) == []
        assert photo_problems(700, 900) == []
        assert photo_problems(826, 1063) == []
        assert len(photo_problems(412, 530)) == 1  # right shape, too small
        assert "35 wide by 45 high" in photo_problems(600, 600)[0]
        assert len(photo_problems(300, 300)) == 2
        assert photo_problems(700, 918) == []  # within 2 %
        assert photo_problems(700, 940) != []  # beyond 2 %
