"""Working days on Taiwan's public-holiday calendar, for service-level times."""

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

TAIPEI = ZoneInfo("Asia/Taipei")


def taipei_today(now: datetime | None = None) -> date:
    """The date in Taipei: the ministry's day, for caps, ages, "not in the future" and the logs."""
    from portal.core.db import utcnow

    return (now or utcnow()).astimezone(TAIPEI).date()


def month_key(day: date) -> str:
    """YYYY-MM: how figures and survey answers name the month they are counted in."""
    return f"{day.year:04d}-{day.month:02d}"


def taipei_month(moment: datetime | None = None) -> str:
    """The month in Taipei of a moment (now by default)."""
    return month_key(taipei_today(moment))


@lru_cache(maxsize=32)
def _holidays(year: int):
    return holidays.country_holidays("TW", years=year)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _holidays(day.year)


def add_working_days(start: datetime, days: int) -> datetime:
    """The end of the working day that is `days` working days after `start` (Taipei time)."""
    day = start.astimezone(TAIPEI).date()
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return datetime.combine(day, time(23, 59, 59), tzinfo=TAIPEI)


@lru_cache(maxsize=64)
def _working_days_before(year: int) -> tuple[int, ...]:
    """For each day of the year (0 = 1 January), how many working days of the year come before it."""
    counts, seen, day = [], 0, date(year, 1, 1)
    while day.year == year:
        counts.append(seen)
        seen += is_working_day(day)
        day += timedelta(days=1)
    return (*counts, seen)


def _working_days_up_to(day: date) -> int:
    """Working days from the start of the day's year up to and including the day."""
    return _working_days_before(day.year)[day.timetuple().tm_yday]


def working_days_between(start: datetime, end: datetime) -> int:
    """Working days that begin after `start` and no later than `end` (0 when end ≤ start). Counted
    from a table per year, so a case open for months costs no more than one open for a day."""
    first, last = start.astimezone(TAIPEI).date(), end.astimezone(TAIPEI).date()
    if last <= first:
        return 0
    count = _working_days_up_to(last) - _working_days_up_to(first)
    for year in range(first.year, last.year):
        count += _working_days_before(year)[-1]
    return count
