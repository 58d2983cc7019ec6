"""Planning mobile service days: a draft, publishing it, changing and cancelling it, recording it as
held; and the worker's share of the domain. Flushes; never commits.

The domain's other rules live beside it: bookings.py (places, the waiting list), on_the_day.py
(check-in, walk-ins, services recorded), counter.py (the mission's own counter), queries.py (reading),
notices.py (what people are told).
"""

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from portal.core.db import DbSession, utcnow
from portal.core.i18n import _
from portal.core.jobs import enqueue
from portal.core.policy import Person
from portal.core.refusal import Refused
from portal.mobile.models import (
    CHANGEABLE,
    Booking,
    BookingStatus,
    DayStatus,
    MobileService,
    ServiceDay,
    ServiceSession,
    SessionQuota,
)
from portal.mobile.bookings import promote_waiting
from portal.mobile.queries import is_valid_timezone, quotas_of, venue_today

MAX_PLACES = 500


# --- planning -----------------------------------------------------------------------------------

@dataclass
class SessionPlan:
    starts_at: time
    ends_at: time
    #: service → (places to book, walk-in tickets); services with neither are not offered
    places: dict[str, tuple[int, int]]
    #: the session being changed, or None for a new one
    session_id: int | None = None


@dataclass
class DayPlan:
    day: date
    timezone: str
    venue: str
    address: str
    city: str
    country_code: str
    map_url: str | None
    notes: str
    sessions: list[SessionPlan] = field(default_factory=list)


def check_plan(plan: DayPlan, *, today: date) -> None:
    if plan.day < today:
        raise Refused(_("The day must be today or later."), "day")
    if not plan.sessions:
        raise Refused(_("Add at least one session."))
    for number, planned in enumerate(plan.sessions, 1):
        if planned.ends_at <= planned.starts_at:
            raise Refused(_("Session %(number)d must end after it starts.", number=number))
        for service, (booking, walk_in) in planned.places.items():
            MobileService(service)
            if not (0 <= booking <= MAX_PLACES and 0 <= walk_in <= MAX_PLACES):
                raise Refused(_("Places must be between 0 and %(count)d.", count=MAX_PLACES))
        if not any(booking or walk_in for booking, walk_in in planned.places.values()):
            raise Refused(_("Session %(number)d offers no places: give at least one service some.",
                            number=number))
    ordered = sorted(plan.sessions, key=lambda s: s.starts_at)
    for earlier, later in zip(ordered, ordered[1:], strict=False):
        if later.starts_at < earlier.ends_at:
            raise Refused(_("Sessions must not overlap."))


def plan_day(session: DbSession, *, mission_id: int, by: Person, plan: DayPlan,
             now: datetime | None = None) -> ServiceDay:
    """A new day as a draft: nobody sees it until it is published."""
    if not is_valid_timezone(plan.timezone):
        raise Refused(_("Choose the time zone of the venue from the list."), "timezone")
    check_plan(plan, today=(now or utcnow()).astimezone(ZoneInfo(plan.timezone)).date())
    day = ServiceDay(uid=uuid.uuid4().hex, mission_id=mission_id, created_by_id=by.id, status=DayStatus.DRAFT)
    _apply_plan(session, day, plan)
    session.add(day)
    session.flush()
    return day


def _apply_plan(session: DbSession, day: ServiceDay, plan: DayPlan) -> bool:
    """Write the plan onto the day; True when anything people booked would notice changed."""
    noticed = False
    for name in ("day", "timezone", "venue", "address", "city", "country_code", "map_url", "notes"):
        if getattr(day, name) != getattr(plan, name):
            noticed = noticed or day.id is not None
            setattr(day, name, getattr(plan, name))
    kept = {s.id: s for s in day.sessions}
    wanted_ids = {p.session_id for p in plan.sessions if p.session_id}
    for gone in [s for s in day.sessions if s.id not in wanted_ids]:
        if any(q.booked for q in gone.quotas) or _has_waiting(session, gone):
            raise Refused(_("A session with bookings cannot be removed. Cancel the day instead, or keep the session."))
        day.sessions.remove(gone)
        noticed = True
    for planned in plan.sessions:
        service_session = kept.get(planned.session_id) if planned.session_id else None
        if service_session is None:
            service_session = ServiceSession(starts_at=planned.starts_at, ends_at=planned.ends_at)
            day.sessions.append(service_session)
        elif (service_session.starts_at, service_session.ends_at) != (planned.starts_at, planned.ends_at):
            service_session.starts_at, service_session.ends_at = planned.starts_at, planned.ends_at
            noticed = True
        quotas = {q.service: q for q in service_session.quotas}
        for service in MobileService:
            booking, walk_in = planned.places.get(service, (0, 0))
            quota = quotas.get(service)
            if quota is None:
                if booking or walk_in:
                    service_session.quotas.append(SessionQuota(service=service, booking_places=booking,
                                                               walk_in_places=walk_in))
                continue
            if booking < quota.booked:
                raise Refused(_("%(service)s already has %(count)d bookings in a session: it cannot have fewer places.",
                                service=MobileService(service).title, count=quota.booked))
            if walk_in < quota.walk_ins:
                raise Refused(_("%(service)s has already issued %(count)d walk-in tickets in a session.",
                                service=MobileService(service).title, count=quota.walk_ins))
            quota.booking_places, quota.walk_in_places = booking, walk_in
    day.sessions.sort(key=lambda s: s.starts_at)
    return noticed


def _has_waiting(session: DbSession, service_session: ServiceSession) -> bool:
    quota_ids = [q.id for q in service_session.quotas]
    return bool(quota_ids) and (session.scalar(
        sa.select(sa.func.count()).select_from(Booking)
        .where(Booking.quota_id.in_(quota_ids), Booking.status.in_(CHANGEABLE))) or 0) > 0


def _check_version(day: ServiceDay, expected_version: int | None) -> None:
    if expected_version is not None and day.version != expected_version:
        raise Refused(_("Someone else changed this service day while you were looking at it. "
                        "Check its latest state and try again."))


def change_day(session: DbSession, day: ServiceDay, *, plan: DayPlan, expected_version: int | None = None,
               now: datetime | None = None) -> bool:
    """Change a draft or a published day. A published change people would notice bumps the calendar
    sequence and tells everyone booked (by a job). Returns whether they were told."""
    _check_version(day, expected_version)
    if day.status not in (DayStatus.DRAFT, DayStatus.PUBLISHED):
        raise Refused(_("A day that was cancelled or held cannot be changed."))
    if not is_valid_timezone(plan.timezone):
        raise Refused(_("Choose the time zone of the venue from the list."), "timezone")
    now = now or utcnow()
    check_plan(plan, today=now.astimezone(ZoneInfo(plan.timezone)).date())
    noticed = _apply_plan(session, day, plan)
    day.updated_at = now
    session.flush()
    if noticed and day.status == DayStatus.PUBLISHED:
        day.sequence += 1
        enqueue(session, "mobile.day_changed", day_id=day.id, sequence=day.sequence)
    if day.status == DayStatus.PUBLISHED:  # more places may have been added
        for quota in quotas_of(day):
            promote_waiting(session, quota, now=now)
    return noticed and day.status == DayStatus.PUBLISHED





def publish_day(session: DbSession, day: ServiceDay, *, expected_version: int | None = None,
                now: datetime | None = None) -> None:
    _check_version(day, expected_version)
    if day.status != DayStatus.DRAFT:
        raise Refused(_("Only a draft can be published."))
    now = now or utcnow()
    if day.day < venue_today(day, now):
        raise Refused(_("This day is in the past: change its date before publishing it."))
    first_time = day.published_at is None
    day.status = DayStatus.PUBLISHED
    day.published_at = day.updated_at = now
    session.flush()
    if first_time:
        enqueue(session, "mobile.announce", day_id=day.id)


def cancel_day(session: DbSession, day: ServiceDay, *, reason: str, expected_version: int | None = None,
               now: datetime | None = None) -> int:
    """Cancel a day. A published day's bookings are all cancelled and their citizens told (by a job);
    calendars that carry the day show it cancelled. Returns how many bookings were cancelled."""
    _check_version(day, expected_version)
    reason = (reason or "").strip()
    if day.status not in (DayStatus.DRAFT, DayStatus.PUBLISHED):
        raise Refused(_("This day can no longer be cancelled."))
    if not reason:
        raise Refused(_("Say why the day is cancelled: everyone booked is told."), "reason")
    now = now or utcnow()
    was_published = day.status == DayStatus.PUBLISHED
    day.status, day.cancel_reason, day.updated_at = DayStatus.CANCELLED, reason[:500], now
    day.sequence += 1
    quota_ids = [q.id for q in quotas_of(day)]
    live = list(session.scalars(sa.select(Booking.id).where(Booking.quota_id.in_(quota_ids),
                                                           Booking.status.in_(CHANGEABLE)))) if quota_ids else []
    if live:
        session.execute(sa.update(Booking).where(Booking.id.in_(live))
                        .values(status=BookingStatus.CANCELLED, live_key=None, cancelled_at=now,
                                cancel_reason=reason[:500], version=Booking.version + 1)
                        .execution_options(synchronize_session=False))
        session.execute(sa.update(SessionQuota).where(SessionQuota.id.in_(quota_ids)).values(booked=0)
                        .execution_options(synchronize_session=False))
    session.flush()
    if was_published and live:
        enqueue(session, "mobile.day_cancelled", day_id=day.id, booking_ids=live)
    return len(live)


def mark_held(session: DbSession, day: ServiceDay, *, now: datetime | None = None) -> None:
    """After the day, it is recorded as held (it counts towards the missions' coverage)."""
    if day.status != DayStatus.PUBLISHED:
        raise Refused(_("Only a published day can be marked as held."))
    if day.day > venue_today(day, now):
        raise Refused(_("A day can be marked as held only once it has come."))
    day.status, day.updated_at = DayStatus.HELD, now or utcnow()
    session.flush()


def maintenance(session: DbSession, *, now: datetime | None = None) -> int:
    """The worker's share: withdraw unconfirmed offers, send reminders, open the counters' next days."""
    from portal.mobile.bookings import expire_offers, send_reminders
    from portal.mobile.counters import open_counter_days

    return expire_offers(session, now=now) + send_reminders(session, now=now) + open_counter_days(session, now=now)


def service_days_held(session: DbSession, *, first: date, before: date) -> dict[int, int]:
    """Mission → how many mobile service days (not counter days) it held from `first` to the day
    before `before`: the base of the mobile consular service coverage."""
    return dict(session.execute(
        sa.select(ServiceDay.mission_id, sa.func.count())
        .where(ServiceDay.status == DayStatus.HELD, ServiceDay.is_counter.is_(False),
               ServiceDay.day >= first, ServiceDay.day < before)
        .group_by(ServiceDay.mission_id)).all())


def bookings_for_statistics(session: DbSession, *, after_id: int, limit: int) -> list[tuple]:
    """The bookings made after `after_id`, oldest first, as the statistics count them: (id, when made,
    mission, service). Nothing about who booked."""
    return [tuple(row) for row in session.execute(
        sa.select(Booking.id, Booking.created_at, ServiceDay.mission_id, SessionQuota.service)
        .join(SessionQuota, SessionQuota.id == Booking.quota_id)
        .join(ServiceSession, ServiceSession.id == SessionQuota.session_id)
        .join(ServiceDay, ServiceDay.id == ServiceSession.day_id)
        .where(Booking.id > after_id)
        .order_by(Booking.id).limit(limit))]
