"""The mission's own counter on the same engine: a weekly opening set once, its days made ahead."""

import uuid
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from portal.core.db import DbSession, utcnow
from portal.core.i18n import _
from portal.core.policy import Person
from portal.core.refusal import Refused
from portal.mobile.models import (
    DayStatus,
    ServiceDay,
    ServiceSession,
    CounterSchedule,
    SessionQuota,
)
from portal.mobile.service import DayPlan, SessionPlan, check_plan

# --- the mission's own counter ------------------------------------------------------------------------

MAX_WEEKS_AHEAD = 12


def counter_schedule(session: DbSession, mission_id: int) -> CounterSchedule | None:
    return session.get(CounterSchedule, mission_id)


def save_counter_schedule(session: DbSession, *, mission, by: Person, weekdays: list[int], sessions: list[SessionPlan],
                          weeks_ahead: int, is_open: bool, now: datetime | None = None) -> CounterSchedule:
    """Set the counter's weekly opening once; days are made from it up to `weeks_ahead` weeks ahead.
    Days already made keep their times and bookings (change or cancel one on its own page)."""
    if is_open and not weekdays:
        raise Refused(_("Choose the days of the week the counter opens."), "weekdays")
    if not all(1 <= d <= 7 for d in weekdays):
        raise Refused(_("Choose the days of the week the counter opens."), "weekdays")
    if not 1 <= weeks_ahead <= MAX_WEEKS_AHEAD:
        raise Refused(_("Open bookings between 1 and %(count)d weeks ahead.", count=MAX_WEEKS_AHEAD), "weeks_ahead")
    now = now or utcnow()
    probe = DayPlan(day=now.astimezone(ZoneInfo(mission.timezone)).date(), timezone=mission.timezone, venue="",
                    address="", city="", country_code=mission.country_code, map_url=None, notes="", sessions=sessions)
    check_plan(probe, today=probe.day)
    schedule = session.get(CounterSchedule, mission.id) or CounterSchedule(mission_id=mission.id)
    schedule.weekdays, schedule.weeks_ahead, schedule.is_open = sorted(set(weekdays)), weeks_ahead, is_open
    schedule.sessions = [{"starts": p.starts_at.strftime("%H:%M"), "ends": p.ends_at.strftime("%H:%M"),
                          "places": {k: list(v) for k, v in p.places.items() if v[0] or v[1]}} for p in sessions]
    schedule.updated_at, schedule.updated_by_id = now, by.id
    session.add(schedule)
    session.flush()
    open_counter_days(session, now=now, mission_id=mission.id)
    return schedule


def open_counter_days(session: DbSession, *, now: datetime | None = None, mission_id: int | None = None) -> int:
    """Make the counter days the schedules call for and that do not exist yet, published at once.
    Safe to run from several workers: each day is made once (a unique index), the rest skip it."""
    from portal.missions.models import Mission

    now = now or utcnow()
    query = sa.select(CounterSchedule).where(CounterSchedule.is_open.is_(True))
    if mission_id is not None:
        query = query.where(CounterSchedule.mission_id == mission_id)
    made = 0
    for schedule in session.scalars(query).all():
        mission = session.get_one(Mission, schedule.mission_id)
        today = now.astimezone(ZoneInfo(mission.timezone)).date()
        wanted = [today + timedelta(days=n) for n in range(1, schedule.weeks_ahead * 7 + 1)
                  if (today + timedelta(days=n)).isoweekday() in schedule.weekdays]
        existing = set(session.scalars(sa.select(ServiceDay.day).where(ServiceDay.mission_id == mission.id,
                                                                       ServiceDay.is_counter.is_(True),
                                                                       ServiceDay.day.in_(wanted))))
        for day in (d for d in wanted if d not in existing):
            counter_day = ServiceDay(uid=uuid.uuid4().hex, mission_id=mission.id, day=day, timezone=mission.timezone,
                                     venue=mission.name_en, address=mission.address, city=mission.city_en,
                                     country_code=mission.country_code, notes="", is_counter=True,
                                     status=DayStatus.PUBLISHED, published_at=now, updated_at=now,
                                     created_by_id=schedule.updated_by_id)
            for planned in schedule.sessions:
                service_session = ServiceSession(starts_at=time.fromisoformat(planned["starts"]),
                                                 ends_at=time.fromisoformat(planned["ends"]))
                service_session.quotas = [SessionQuota(service=service, booking_places=booking, walk_in_places=walk_in)
                                          for service, (booking, walk_in) in planned["places"].items()]
                counter_day.sessions.append(service_session)
            try:
                with session.begin_nested():
                    session.add(counter_day)
                    session.flush()
            except IntegrityError:
                continue  # another worker made it a moment ago
            made += 1
    return made


def mission_offers_counter_booking(session: DbSession, mission_id: int) -> bool:
    schedule = session.get(CounterSchedule, mission_id)
    return schedule is not None and schedule.is_open
