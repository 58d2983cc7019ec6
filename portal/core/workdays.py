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


def working_days_between(start: datetime, end: datetime) -> int:
    """Working days that begin after `start` and no later than `end` (0 when end ≤ start)."""
    first, last = start.astimezone(TAIPEI).date(), end.astimezone(TAIPEI).date()
    count, day = 0, first
    while day < last:
        day += timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count
