"""ROC dates, working days on Taiwan's calendar, and case references."""

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.core.i18n import roc_date
from portal.core.refs import CROCKFORD, check_character, new_reference, normalise_reference
from portal.core.workdays import TAIPEI, add_working_days, is_working_day, working_days_between


@pytest.mark.parametrize("day, expected", [
    (date(2026, 11, 27), "民國115年11月27日"),
    (date(1912, 1, 1), "民國1年1月1日"),
    (date(1911, 12, 31), "民國前1年12月31日"),
    (date(2024, 2, 29), "民國113年2月29日"),
    (date(2010, 1, 1), "民國99年1月1日"),
])
def test_roc_dates(day, expected):
    assert roc_date(day) == expected


def test_the_dates_a_reader_sees_follow_their_language(app):
    from portal.core.i18n import force_locale, format_day

    moment = datetime(2026, 11, 26, 17, 30, tzinfo=UTC)  # already the 27th in Taipei
    with app.test_request_context():
        with force_locale("zh_Hant_TW"):
            assert format_day(moment) == "民國115年11月27日"
        with force_locale("en"):
            assert format_day(moment) == "27 November 2026"


def test_weekends_and_taiwan_public_holidays_are_not_working_days():
    assert is_working_day(date(2026, 11, 27))  # a Friday
    assert not is_working_day(date(2026, 11, 28))  # Saturday
    assert not is_working_day(date(2026, 10, 10))  # National Day
    assert not is_working_day(date(2026, 1, 1))


def test_service_level_dates_skip_weekends_and_holidays():
    thursday = datetime(2026, 10, 8, 10, 0, tzinfo=TAIPEI)  # Friday 9th is National Day observed
    due = add_working_days(thursday, 1)
    assert due.date() == date(2026, 10, 12)
    assert working_days_between(thursday, due) == 1
    before_new_year = datetime(2026, 2, 13, 16, 0, tzinfo=TAIPEI)  # Lunar New Year: 16th to 20th off
    assert add_working_days(before_new_year, 1).date() == date(2026, 2, 23)
    new_year = datetime(2025, 12, 31, 9, 0, tzinfo=TAIPEI)
    assert add_working_days(new_year, 1).date() == date(2026, 1, 2)


def test_references_are_random_well_formed_and_self_checking():
    references = {new_reference("ENQ") for _ in range(2000)}
    assert len(references) == 2000
    for reference in list(references)[:50]:
        prefix, first, second, check = reference.split("-")
        assert prefix == "ENQ" and len(first + second) == 8 and set(first + second) <= set(CROCKFORD)
        assert check == check_character(first + second)


def test_a_typed_reference_is_normalised():
    reference = new_reference("ENQ")
    typed = reference.lower().replace("-", " ")
    assert normalise_reference(typed) == reference
    assert normalise_reference("enq-1o1l-abcd-x") == "ENQ-1011-ABCD-X"


def test_the_check_character_catches_swapped_neighbours():
    body = "7K2QMX4D"
    for position in range(len(body) - 1):
        swapped = body[:position] + body[position + 1] + body[position] + body[position + 2:]
        if swapped != body:
            assert check_character(swapped) != check_character(body)


def test_the_check_character_catches_every_single_substitution():
    body = "7K2QMX4D"
    check = check_character(body)
    for position in range(len(body)):
        for replacement in CROCKFORD:
            if replacement != body[position]:
                changed = body[:position] + replacement + body[position + 1:]
                assert check_character(changed) != check
    assert check in CROCKFORD


@given(start=st.datetimes(min_value=datetime(2018, 1, 1), max_value=datetime(2030, 12, 31)),
       minutes=st.integers(min_value=-60 * 24 * 40, max_value=60 * 24 * 1000))
def test_working_days_between_counts_each_working_day_after_the_start_up_to_the_end(start, minutes):
    begin = start.replace(tzinfo=UTC)
    end = begin + timedelta(minutes=minutes)
    first, last = begin.astimezone(TAIPEI).date(), end.astimezone(TAIPEI).date()
    by_hand = sum(is_working_day(first + timedelta(days=n)) for n in range(1, (last - first).days + 1))
    assert working_days_between(begin, end) == by_hand
