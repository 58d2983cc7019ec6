"""The rules of mobile consular service days: planning, publishing, changing and cancelling a day;
booking, the waiting list, moving and cancelling a booking; reminders. Flushes; never commits.

Quotas are kept by conditional updates on the quota row (`booked = booked + 1 WHERE booked <
booking_places`): the database lets exactly as many bookings through as there are places, on SQLite
(one writer at a time) and on PostgreSQL (the second update waits for the first and re-checks).
"""

import hashlib
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import cast
from zoneinfo import ZoneInfo, available_timezones

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from portal.core.cases.models import Case
from portal.core.cases.registry import workflow_for
from portal.core.cases.service import claim, open_case, record_event, transition
from portal.core.db import DbSession, UTCDateTime, utcnow
from portal.core.i18n import _, pgettext
from portal.core.jobs import enqueue, job_handler
from portal.core.outbox import links_anywhere, queue_email
from portal.core.policy import Person
from portal.core.refs import new_reference, normalise_reference
from portal.core.refusal import Refused
from portal.mobile import ical
from portal.mobile.models import (
    CHANGEABLE,
    Booking,
    BookingStatus,
    DayStatus,
    MobileService,
    ServiceDay,
    ServiceSession,
    CounterSchedule,
    SessionQuota,
    WalkInTicket,
)

BOOKING_PREFIX = "BKG"
MAX_SESSIONS = 4
MAX_PLACES = 500


# --- times ------------------------------------------------------------------------------------------

def booking_closes_at(service_session: ServiceSession) -> datetime:
    """Bookings, moves into a session and waiting-list offers stop this long before it starts."""
    return service_session.start - timedelta(hours=current_app.config["MOBILE_BOOKING_NOTICE_HOURS"])


def is_bookable(service_session: ServiceSession, now: datetime | None = None) -> bool:
    return (service_session.service_day.status == DayStatus.PUBLISHED
            and (now or utcnow()) < booking_closes_at(service_session))


def venue_today(day: ServiceDay, now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(ZoneInfo(day.timezone)).date()


def is_valid_timezone(name: str) -> bool:
    return name in available_timezones()


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


def _check_plan(plan: DayPlan, *, today: date) -> None:
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
    _check_plan(plan, today=(now or utcnow()).astimezone(ZoneInfo(plan.timezone)).date())
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
    _check_plan(plan, today=now.astimezone(ZoneInfo(plan.timezone)).date())
    noticed = _apply_plan(session, day, plan)
    day.updated_at = now
    session.flush()
    if noticed and day.status == DayStatus.PUBLISHED:
        day.sequence += 1
        enqueue(session, "mobile.day_changed", day_id=day.id, sequence=day.sequence)
    if day.status == DayStatus.PUBLISHED:  # more places may have been added
        for quota in _quotas_of(day):
            promote_waiting(session, quota, now=now)
    return noticed and day.status == DayStatus.PUBLISHED



def _quotas_of(day: ServiceDay) -> list[SessionQuota]:
    return [quota for service_session in day.sessions for quota in service_session.quotas]


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
    quota_ids = [q.id for q in _quotas_of(day)]
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


# --- reading --------------------------------------------------------------------------------------

def day_by_uid(session: DbSession, uid: str) -> ServiceDay | None:
    if not (uid or "").isalnum() or len(uid) != 32:
        return None
    return session.scalar(sa.select(ServiceDay).where(ServiceDay.uid == uid)
                          .options(selectinload(ServiceDay.sessions).selectinload(ServiceSession.quotas)))


def upcoming_days(session: DbSession, *, country_code: str | None = None, mission_id: int | None = None,
                  counter: bool = False, now: datetime | None = None) -> list[ServiceDay]:
    """Published days from yesterday on (a day's own time zone decides whether it has passed),
    soonest first: mobile service days, or with counter=True the mission's own counter days.
    Three queries whatever the number of days."""
    today = (now or utcnow()).date()
    query = (sa.select(ServiceDay).where(ServiceDay.status == DayStatus.PUBLISHED, ServiceDay.is_counter == counter,
                                         ServiceDay.day >= today - timedelta(days=1))
             .options(joinedload(ServiceDay.mission),
                      selectinload(ServiceDay.sessions).selectinload(ServiceSession.quotas))
             .order_by(ServiceDay.day, ServiceDay.id))
    if country_code:
        query = query.where(ServiceDay.country_code == country_code)
    if mission_id:
        query = query.where(ServiceDay.mission_id == mission_id)
    return [day for day in session.scalars(query).unique() if day.day >= venue_today(day, now)]


def calendar_days(session: DbSession, *, mission_id: int | None = None, now: datetime | None = None) -> list[ServiceDay]:
    """What the iCalendar feeds carry: days published, held or cancelled in the last 60 days and to come."""
    since = (now or utcnow()).date() - timedelta(days=60)
    query = (sa.select(ServiceDay)
             .where(ServiceDay.status.in_((DayStatus.PUBLISHED, DayStatus.CANCELLED, DayStatus.HELD)),
                    ServiceDay.is_counter.is_(False), ServiceDay.published_at.is_not(None), ServiceDay.day >= since)
             .options(joinedload(ServiceDay.mission),
                      selectinload(ServiceDay.sessions).selectinload(ServiceSession.quotas))
             .order_by(ServiceDay.day, ServiceDay.id))
    if mission_id:
        query = query.where(ServiceDay.mission_id == mission_id)
    return list(session.scalars(query).unique())


def days_of_missions(session: DbSession, mission_id: int | None, *, counter: bool = False) -> list[ServiceDay]:
    """Every service day a mission planned (all missions' for None), or its counter days, latest first."""
    query = (sa.select(ServiceDay).where(ServiceDay.is_counter == counter).options(joinedload(ServiceDay.mission),
                                           selectinload(ServiceDay.sessions).selectinload(ServiceSession.quotas))
             .order_by(ServiceDay.day.desc(), ServiceDay.id.desc()))
    if mission_id is not None:
        query = query.where(ServiceDay.mission_id == mission_id)
    return list(session.scalars(query).unique())


def quota_of_day(day: ServiceDay, quota_id) -> SessionQuota | None:
    for quota in _quotas_of(day):
        if str(quota.id) == str(quota_id):
            return quota
    return None


def bookings_of_day(session: DbSession, day: ServiceDay) -> list[Booking]:
    quota_ids = [q.id for q in _quotas_of(day)]
    if not quota_ids:
        return []
    return list(session.scalars(sa.select(Booking).where(Booking.quota_id.in_(quota_ids))
                                .options(joinedload(Booking.user)).order_by(Booking.id)))


def waiting_counts(session: DbSession, day: ServiceDay) -> dict[int, int]:
    """People on the waiting list per quota."""
    quota_ids = [q.id for q in _quotas_of(day)]
    if not quota_ids:
        return {}
    return dict(session.execute(
        sa.select(Booking.quota_id, sa.func.count()).where(Booking.quota_id.in_(quota_ids),
                                                           Booking.status == BookingStatus.WAITLISTED)
        .group_by(Booking.quota_id)).all())


def bookings_of(session: DbSession, user: Person) -> list[Booking]:
    return list(session.scalars(
        sa.select(Booking).where(Booking.user_id == user.id)
        .options(joinedload(Booking.quota).joinedload(SessionQuota.service_session)
                 .joinedload(ServiceSession.service_day).joinedload(ServiceDay.mission))
        .order_by(Booking.id.desc())))


def booking_by_reference(session: DbSession, reference: str) -> Booking | None:
    return session.scalar(sa.select(Booking).where(Booking.reference == normalise_reference(reference or "")))


def link_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def booking_by_link(session: DbSession, secret: str) -> Booking | None:
    if not secret or len(secret) > 64:
        return None
    return session.scalar(sa.select(Booking).where(Booking.link_hash == link_hash(secret)))


def day_of(booking: Booking) -> ServiceDay:
    return booking.quota.service_session.service_day


# --- what to bring -----------------------------------------------------------------------------

def what_to_bring(service_name: str) -> str:
    """What each service asks people to bring (the day's page and the emails say it)."""
    return {
        MobileService.PASSPORT_RENEWAL: _("Your current passport, your national ID card or household registration, "
                                          "one colour photo taken in the last six months, and the fee in cash."),
        MobileService.PASSPORT_REPLACEMENT: _("A police report of the loss (or the damaged passport), your national "
                                              "ID card or household registration, one recent colour photo, and the fee "
                                              "in cash."),
        MobileService.DOCUMENT_AUTHENTICATION: _("The original documents, one copy of each, your passport, and the "
                                                 "fee in cash."),
        MobileService.DOCUMENT_PICKUP: _("Your passport or ID and the receipt or reference of your application."),
        MobileService.INFORMATION: _("Any papers your question is about."),
    }[MobileService(service_name)]


# --- booking ------------------------------------------------------------------------------------------

class SessionFull(Refused):
    """Every place of the service in that session is taken: the waiting list is open."""


def _take_place(session: DbSession, quota_id: int) -> bool:
    return cast(CursorResult, session.execute(
        sa.update(SessionQuota).where(SessionQuota.id == quota_id, SessionQuota.booked < SessionQuota.booking_places)
        .values(booked=SessionQuota.booked + 1).execution_options(synchronize_session=False))).rowcount == 1


def _free_place(session: DbSession, quota_id: int) -> None:
    session.execute(sa.update(SessionQuota).where(SessionQuota.id == quota_id, SessionQuota.booked > 0)
                    .values(booked=SessionQuota.booked - 1).execution_options(synchronize_session=False))


def _check_bookable(quota: SessionQuota, now: datetime) -> None:
    service_session = quota.service_session
    if service_session.service_day.status != DayStatus.PUBLISHED:
        raise Refused(_("This service day is not open for booking."))
    if now >= booking_closes_at(service_session):
        raise Refused(_("Booking for this session has closed: bookings close %(hours)d hours before it starts. "
                        "You can still come with a walk-in ticket while they last.",
                        hours=current_app.config["MOBILE_BOOKING_NOTICE_HOURS"]))
    if quota.booking_places == 0:
        raise Refused(_("This service cannot be booked in this session: it takes walk-ins only."))


def _existing(session: DbSession, idempotency_key: str | None, user: Person) -> Booking | None:
    if not idempotency_key:
        return None
    found = session.scalar(sa.select(Booking).where(Booking.idempotency_key == idempotency_key))
    if found is not None and found.user_id != user.id:
        raise Refused(_("This form has expired. Submit it again."))
    return found


def book(session: DbSession, *, user: Person, quota: SessionQuota, idempotency_key: str | None,
         waitlist: bool = False, now: datetime | None = None) -> tuple[Booking, bool]:
    """Book a place (or, with waitlist=True when the session is full, a place on its waiting list).
    Returns (booking, created); the same form sent again returns the first booking."""
    existing = _existing(session, idempotency_key, user)
    if existing is not None:
        return existing, False
    now = now or utcnow()
    _check_bookable(quota, now)
    status = BookingStatus.BOOKED
    if not _take_place(session, quota.id):
        if not waitlist:
            raise SessionFull(_("Every place for this service in this session has just been taken. "
                                "You can join the waiting list, or choose another session."))
        status = BookingStatus.WAITLISTED
    secret = secrets.token_urlsafe(24)
    booking = Booking(reference=new_reference(BOOKING_PREFIX), quota=quota, user_id=user.id, status=status,
                      live_key=f"{quota.session_id}:{user.id}", idempotency_key=idempotency_key,
                      link_hash=link_hash(secret), created_at=now)
    try:
        with session.begin_nested():
            session.add(booking)
            session.flush()
    except IntegrityError:
        again = _existing(session, idempotency_key, user)
        if again is not None:  # the same form, sent twice at once: the other request booked
            if status == BookingStatus.BOOKED:
                _free_place(session, quota.id)
            return again, False
        raise Refused(_("You already have a booking for this session. Cancel or move it from your bookings "
                        "if you need another service.")) from None
    template = "mobile_booked" if status == BookingStatus.BOOKED else "mobile_waitlisted"
    _email(session, booking, template, secret=secret,
           method="REQUEST" if status == BookingStatus.BOOKED else None)
    return booking, True


def confirm_offer(session: DbSession, booking: Booking, *, now: datetime | None = None) -> None:
    """The citizen takes the place offered from the waiting list."""
    now = now or utcnow()
    if booking.status != BookingStatus.OFFERED:
        raise Refused(_("There is no place waiting for you to confirm on this booking."))
    if booking.offered_until is None or now >= booking.offered_until:
        raise Refused(_("The time to confirm this place has passed, and it has gone to the next person waiting."))
    booking.status = BookingStatus.BOOKED
    session.flush()
    _email(session, booking, "mobile_booked", secret=None, method="REQUEST")


def cancel_booking(session: DbSession, booking: Booking, *, reason: str, expected_version: int | None = None,
                   now: datetime | None = None) -> None:
    """The citizen cancels: a place they held goes to the first person waiting."""
    if expected_version is not None and booking.version != expected_version:
        raise Refused(_("This booking changed while you were looking at it. Check it and try again."))
    if booking.status not in CHANGEABLE:
        raise Refused(_("This booking can no longer be changed: it is “%(status)s”.",
                        status=BookingStatus(booking.status).title))
    now = now or utcnow()
    if now >= booking.quota.service_session.start:
        raise Refused(_("This session has already started."))
    held_place = booking.status in (BookingStatus.BOOKED, BookingStatus.OFFERED)
    booking.status, booking.live_key = BookingStatus.CANCELLED, None
    booking.cancelled_at, booking.cancel_reason = now, (reason or "").strip()[:500] or None
    session.flush()
    if held_place:
        _free_place(session, booking.quota_id)
        _email(session, booking, "mobile_booking_cancelled", secret=None, method="CANCEL")
        promote_waiting(session, booking.quota, now=now)
    else:
        _email(session, booking, "mobile_booking_cancelled", secret=None, method=None)


def move_booking(session: DbSession, booking: Booking, *, to: SessionQuota, expected_version: int | None = None,
                 now: datetime | None = None) -> None:
    """Move a booked place to another session (of this or another day of the same mission): the new
    place is taken before the old one is given up, so a failed move leaves the booking as it was."""
    if expected_version is not None and booking.version != expected_version:
        raise Refused(_("This booking changed while you were looking at it. Check it and try again."))
    if booking.status != BookingStatus.BOOKED:
        raise Refused(_("Only a booked place can be moved."))
    if to.id == booking.quota_id:
        raise Refused(_("Choose a different session from the one you have."), "quota")
    now = now or utcnow()
    _check_bookable(to, now)
    if not _take_place(session, to.id):
        raise Refused(_("That session has no place left for this service. Choose another."), "quota")
    old = booking.quota
    booking.quota, booking.live_key = to, f"{to.session_id}:{booking.user_id}"
    booking.sequence += 1
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise Refused(_("You already have a booking for that session."), "quota") from None
    _free_place(session, old.id)
    _email(session, booking, "mobile_booking_moved", secret=None, method="REQUEST")
    promote_waiting(session, old, now=now)


def promote_waiting(session: DbSession, quota: SessionQuota, *, now: datetime | None = None) -> int:
    """Offer free places to the people waiting, first come first served. Each offer holds the place
    for MOBILE_OFFER_HOURS (never past the close of booking). Returns how many were offered a place."""
    now = now or utcnow()
    if not is_bookable(quota.service_session, now):
        return 0
    offered = 0
    until = min(now + timedelta(hours=current_app.config["MOBILE_OFFER_HOURS"]),
                booking_closes_at(quota.service_session))
    while True:
        first = session.scalar(sa.select(Booking.id).where(Booking.quota_id == quota.id,
                                                           Booking.status == BookingStatus.WAITLISTED)
                               .order_by(Booking.id).limit(1))
        if first is None or not _take_place(session, quota.id):
            return offered
        won = cast(CursorResult, session.execute(
            sa.update(Booking).where(Booking.id == first, Booking.status == BookingStatus.WAITLISTED)
            .values(status=BookingStatus.OFFERED, offered_until=until, version=Booking.version + 1)
            .execution_options(synchronize_session=False))).rowcount
        if not won:  # someone else promoted or cancelled that person a moment ago
            _free_place(session, quota.id)
            continue
        booking = session.get_one(Booking, first)
        session.refresh(booking)
        _email(session, booking, "mobile_place_offered", secret=None, method=None)
        offered += 1


def expire_offers(session: DbSession, *, now: datetime | None = None) -> int:
    """Offers not confirmed in time are withdrawn; their places go to the next person waiting."""
    now = now or utcnow()
    expired = 0
    for booking in session.scalars(sa.select(Booking).where(Booking.status == BookingStatus.OFFERED,
                                                            Booking.offered_until <= now)).all():
        taken = cast(CursorResult, session.execute(
            sa.update(Booking).where(Booking.id == booking.id, Booking.status == BookingStatus.OFFERED)
            .values(status=BookingStatus.CANCELLED, live_key=None, cancelled_at=now,
                    cancel_reason="offer not confirmed in time", version=Booking.version + 1)
            .execution_options(synchronize_session=False))).rowcount
        if not taken:
            continue
        session.refresh(booking)
        _free_place(session, booking.quota_id)
        _email(session, booking, "mobile_offer_expired", secret=None, method=None)
        promote_waiting(session, booking.quota, now=now)
        expired += 1
    return expired


def send_reminders(session: DbSession, *, now: datetime | None = None) -> int:
    """One reminder per booked place, MOBILE_REMINDER_DAYS before the day."""
    now = now or utcnow()
    horizon = now.date() + timedelta(days=current_app.config["MOBILE_REMINDER_DAYS"] + 1)
    due = session.scalars(
        sa.select(Booking).join(SessionQuota).join(ServiceSession).join(ServiceDay)
        .where(Booking.status == BookingStatus.BOOKED, Booking.reminded_at.is_(None),
               ServiceDay.status == DayStatus.PUBLISHED, ServiceDay.day <= horizon)).all()
    sent = 0
    for booking in due:
        day = day_of(booking)
        days_left = (day.day - venue_today(day, now)).days
        if not 0 <= days_left <= current_app.config["MOBILE_REMINDER_DAYS"] or now >= booking.quota.service_session.start:
            continue
        taken = cast(CursorResult, session.execute(
            sa.update(Booking).where(Booking.id == booking.id, Booking.reminded_at.is_(None))
            .values(reminded_at=now).execution_options(synchronize_session=False))).rowcount
        if taken:
            _email(session, booking, "mobile_reminder", secret=None, method=None)
            sent += 1
    return sent


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
    _check_plan(probe, today=probe.day)
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


# --- on the day: check-in, walk-in tickets, no-shows and the services performed ----------------------

#: collecting at a mobile service finishes these kinds' cases with their own move
PICKUP_MOVES = {"passport": "collect", "document": "close"}


def _check_on_the_day(day: ServiceDay, now: datetime | None) -> None:
    if day.status not in (DayStatus.PUBLISHED, DayStatus.HELD):
        raise Refused(_("This day is not taking place: it is %(status)s.", status=DayStatus(day.status).title))
    if day.day > venue_today(day, now):
        raise Refused(_("This can be recorded only on the day itself or after it."))


def check_in(session: DbSession, booking: Booking, *, now: datetime | None = None) -> None:
    """The citizen has arrived. Marking twice (two officers at once) leaves one arrival."""
    _check_on_the_day(day_of(booking), now)
    if booking.status not in (BookingStatus.BOOKED, BookingStatus.NO_SHOW):
        raise Refused(_("Only a booked place can be checked in: this one is %(status)s.",
                        status=BookingStatus(booking.status).title))
    now = now or utcnow()
    session.execute(sa.update(Booking).where(Booking.id == booking.id,
                                             Booking.status.in_((BookingStatus.BOOKED, BookingStatus.NO_SHOW)))
                    .values(status=BookingStatus.ATTENDED, checked_in_at=sa.func.coalesce(Booking.checked_in_at, sa.literal(now, UTCDateTime())),
                            version=Booking.version + 1).execution_options(synchronize_session=False))
    session.refresh(booking)


def mark_no_show(session: DbSession, booking: Booking, *, now: datetime | None = None) -> None:
    _check_on_the_day(day_of(booking), now)
    if booking.status != BookingStatus.BOOKED:
        raise Refused(_("Only a booked place can be marked as not come: this one is %(status)s.",
                        status=BookingStatus(booking.status).title))
    booking.status = BookingStatus.NO_SHOW
    session.flush()


def issue_ticket(session: DbSession, quota: SessionQuota, *, by: Person, name: str = "",
                 now: datetime | None = None) -> WalkInTicket:
    """The next walk-in number for a service. The counter moves by a conditional update that also
    checks the places booked, so tickets and bookings together never pass the session's quota."""
    _check_on_the_day(quota.service_session.service_day, now)
    number = session.execute(
        sa.update(SessionQuota)
        .where(SessionQuota.id == quota.id, SessionQuota.walk_ins < SessionQuota.walk_in_places,
               SessionQuota.walk_ins + SessionQuota.booked < SessionQuota.walk_in_places + SessionQuota.booking_places)
        .values(walk_ins=SessionQuota.walk_ins + 1).returning(SessionQuota.walk_ins)
        .execution_options(synchronize_session=False)).scalar()
    if number is None:
        raise Refused(_("No walk-in tickets are left for %(service)s in this session.",
                        service=MobileService(quota.service).title))
    ticket = WalkInTicket(quota_id=quota.id, number=number, name=(name or "").strip()[:120], issued_by_id=by.id,
                          issued_at=now or utcnow())
    session.add(ticket)
    session.flush()
    session.refresh(quota)
    return ticket


def _collectable_case(session: DbSession, applicant: Person, day: ServiceDay) -> Case | None:
    """The citizen's passport or documents waiting at this mission to be collected, if any."""
    for case in session.scalars(sa.select(Case).where(Case.applicant_id == applicant.id,
                                                      Case.mission_id == day.mission_id,
                                                      Case.kind.in_(PICKUP_MOVES), Case.closed_at.is_(None))
                                .order_by(Case.submitted_at)):
        if workflow_for(case.kind).transition(case.status, PICKUP_MOVES[case.kind]) is not None:
            return case
    return None


def record_service(session: DbSession, *, by: Person, booking: Booking | None = None,
                   ticket: WalkInTicket | None = None, now: datetime | None = None) -> Case:
    """The service a booked citizen or a walk-in received. Collecting a passport or documents that wait
    at the mission finishes that case; anything else opens a case of the mobile kind (information given
    is completed at once, an application taken is finished at the mission). Recorded once, whoever
    records it at the same moment."""
    from portal.mobile.workflow import MOBILE

    item = booking or ticket
    assert item is not None
    quota = item.quota
    day = quota.service_session.service_day
    _check_on_the_day(day, now)
    if item.case_id is not None:
        raise Refused(_("This service is already recorded."))
    if booking is not None and booking.status not in (BookingStatus.BOOKED, BookingStatus.ATTENDED,
                                                      BookingStatus.NO_SHOW):
        raise Refused(_("This booking is %(status)s: there is no service to record.",
                        status=BookingStatus(booking.status).title))
    now = now or utcnow()
    # Taken first, before anything else is written: of two officers recording at once, one goes on.
    model = type(item)
    won = cast(CursorResult, session.execute(
        sa.update(model).where(model.id == item.id, model.served_at.is_(None)).values(served_at=now)
        .execution_options(synchronize_session=False))).rowcount
    if not won:
        raise Refused(_("Another officer recorded this service a moment ago."))
    # the account's locale may be unset; the outbox falls back to the default language
    applicant = cast("Person | None", booking.user if booking is not None else None)
    case = None
    if applicant is not None and quota.service == MobileService.DOCUMENT_PICKUP:
        case = _collectable_case(session, applicant, day)
        if case is not None:
            if case.assignee_id not in (None, by.id):
                raise Refused(_("Case %(reference)s is held by another officer: ask them to release it, then record "
                                "the collection.", reference=case.reference))
            if case.assignee_id is None:
                claim(session, case, by=by, now=now)
            transition(session, case, PICKUP_MOVES[case.kind], by=by, now=now,
                       note=_("Collected at the mobile service in %(city)s.", city=day.city))
    if case is None:
        case, _created = open_case(session, kind=MOBILE, mission_id=day.mission_id, applicant=applicant,
                                   summary=f"{day.day.isoformat()} {day.city}", now=now, notify=False)
        record_event(session, case, "mobile_service", by=by, now=now,
                     note=str(MobileService(quota.service).title))
        if quota.service in (MobileService.INFORMATION, MobileService.DOCUMENT_PICKUP):
            claim(session, case, by=by, now=now)
            transition(session, case, "complete", by=by, now=now)
    item.case_id = case.id
    session.flush()
    if booking is not None:
        session.execute(sa.update(Booking).where(Booking.id == booking.id)
                        .values(status=BookingStatus.ATTENDED, checked_in_at=sa.func.coalesce(Booking.checked_in_at, sa.literal(now, UTCDateTime())),
                                version=Booking.version + 1).execution_options(synchronize_session=False))
    session.refresh(item)
    return case


def check_in_list(session: DbSession, day: ServiceDay, *, search: str = "") -> tuple[list[Booking], list[WalkInTicket]]:
    """Who is expected and who has come: bookings (not cancelled) and walk-in tickets, by session and
    time of booking. A search matches a reference or part of a name."""
    quota_ids = [q.id for q in _quotas_of(day)]
    if not quota_ids:
        return [], []
    query = (sa.select(Booking).join(Booking.user, isouter=True)
             .where(Booking.quota_id.in_(quota_ids),
                    Booking.status.in_((BookingStatus.BOOKED, BookingStatus.OFFERED, BookingStatus.ATTENDED,
                                        BookingStatus.NO_SHOW)))
             .options(joinedload(Booking.user)).order_by(Booking.quota_id, Booking.id))
    tickets = sa.select(WalkInTicket).where(WalkInTicket.quota_id.in_(quota_ids)).order_by(WalkInTicket.id)
    search = " ".join((search or "").split())[:100]
    if search:
        from portal.accounts.models import User

        pattern = "%" + search.replace("\\", "").replace("%", "").replace("_", "") + "%"
        query = query.where(sa.or_(Booking.reference == normalise_reference(search), User.name.ilike(pattern)))
        tickets = tickets.where(WalkInTicket.name.ilike(pattern))
    return list(session.scalars(query).unique()), list(session.scalars(tickets))


@dataclass
class DayReport:
    """After the day: what was done, who did not come, and when applications taken will be mailed."""

    served: dict[str, int]
    booked: int
    no_shows: int
    walk_ins: int
    #: mail-out date → number of applications taken that day to be finished by then
    mail_out: dict[date, int]
    walk_ins_served: int = 0

    @property
    def no_show_rate(self) -> float | None:
        return round(100 * self.no_shows / self.booked) if self.booked else None

    @property
    def walk_in_share(self) -> float | None:
        total = sum(self.served.values())
        return round(100 * self.walk_ins_served / total) if total else None


def day_report(session: DbSession, day: ServiceDay) -> DayReport:
    quotas = {q.id: q for q in _quotas_of(day)}
    served: dict[str, int] = {service.value: 0 for service in MobileService}
    mail_out: dict[date, int] = {}
    booked = no_shows = walk_ins_served = 0
    case_ids = []
    for booking in bookings_of_day(session, day):
        if booking.status in (BookingStatus.ATTENDED, BookingStatus.NO_SHOW, BookingStatus.BOOKED):
            booked += 1
        if booking.status == BookingStatus.NO_SHOW:
            no_shows += 1
        if booking.case_id:
            served[quotas[booking.quota_id].service] += 1
            case_ids.append(booking.case_id)
    tickets = list(session.scalars(sa.select(WalkInTicket).where(WalkInTicket.quota_id.in_(quotas)))) if quotas else []
    for ticket in tickets:
        if ticket.case_id:
            served[quotas[ticket.quota_id].service] += 1
            walk_ins_served += 1
            case_ids.append(ticket.case_id)
    if case_ids:
        from portal.mobile.workflow import MOBILE

        for due_at in session.scalars(sa.select(Case.due_at).where(Case.id.in_(case_ids), Case.kind == MOBILE,
                                                                   Case.closed_at.is_(None))):
            mail_out[due_at.date()] = mail_out.get(due_at.date(), 0) + 1
    return DayReport(served=served, booked=booked, no_shows=no_shows, walk_ins=len(tickets),
                     mail_out=dict(sorted(mail_out.items())), walk_ins_served=walk_ins_served)


@dataclass
class ServedAt:
    """Where and how the service of a mobile case was given: its case page shows it."""

    day: ServiceDay
    service: str
    booking: Booking | None
    ticket: WalkInTicket | None


def served_by(session: DbSession, case: Case) -> ServedAt | None:
    booking = session.scalar(sa.select(Booking).where(Booking.case_id == case.id))
    ticket = None if booking else session.scalar(sa.select(WalkInTicket).where(WalkInTicket.case_id == case.id))
    item = booking or ticket
    if item is None:
        return None
    return ServedAt(day=item.quota.service_session.service_day, service=item.quota.service, booking=booking,
                    ticket=ticket)


def day_list_rows(session: DbSession, day: ServiceDay) -> list[list]:
    """The check-in list as rows for a spreadsheet, to take to a venue with no network."""
    bookings_, _tickets = check_in_list(session, day)
    rows: list[list] = [[_("Session"), pgettext("booking", "Reference"), _("Name"), _("Email"),
                         pgettext("consular", "Service"), _("Status")]]
    for booking in bookings_:
        service_session = booking.quota.service_session
        rows.append([f"{service_session.starts_at:%H:%M}–{service_session.ends_at:%H:%M}", booking.reference,
                     booking.user.name if booking.user else "", booking.user.email if booking.user else "",
                     str(MobileService(booking.quota.service).title), str(BookingStatus(booking.status).title)])
    return rows


# --- telling people ------------------------------------------------------------------------------

def _email(session: DbSession, booking: Booking, template: str, *, secret: str | None, method: str | None) -> None:
    """An email about a booking, with its calendar invitation when `method` is REQUEST or CANCEL.
    `secret` is the cancellation link's, known only when the booking is made; later emails send the
    citizen to their bookings page."""
    user = booking.user
    if user is None or not user.is_active:
        return
    attachments = None
    if method:
        with links_anywhere():
            content = ical.invitation(booking, method=method, attendee=user.email, locale=user.locale)
        attachments = [{"filename": "invitation.ics", "content_type": f"text/calendar; method={method}",
                        "content": content}]
    queue_email(session, to=user.email, locale=user.locale, template=template, booking=booking,
                day=day_of(booking), service_session=booking.quota.service_session, secret=secret,
                services=MobileService, attachments=attachments)


@job_handler("mobile.day_changed")
def _tell_day_changed(session: DbSession, *, day_id: int, sequence: int) -> None:
    day = session.get(ServiceDay, day_id)
    if day is None or day.sequence != sequence or day.status != DayStatus.PUBLISHED:
        return  # a later change (or the cancellation) sends its own news
    for booking in bookings_of_day(session, day):
        if booking.status in CHANGEABLE:
            _email(session, booking, "mobile_day_changed", secret=None,
                   method="REQUEST" if booking.status == BookingStatus.BOOKED else None)


@job_handler("mobile.day_cancelled")
def _tell_day_cancelled(session: DbSession, *, day_id: int, booking_ids: list[int]) -> None:
    for booking in session.scalars(sa.select(Booking).where(Booking.id.in_(booking_ids))):
        _email(session, booking, "mobile_day_cancelled", secret=None, method="CANCEL")


@job_handler("mobile.announce")
def _announce(session: DbSession, *, day_id: int) -> None:
    """Tell subscribers to the country's travel alerts, and travellers registered there on the day,
    that a service day is coming near them: one message each, rendered once per language."""
    from portal.advisories.alerts import UNSUBSCRIBE_MARK, people_in
    from portal.core.outbox import OutboxMessage, render_email

    day = session.get(ServiceDay, day_id)
    if day is None or day.status != DayStatus.PUBLISHED:
        return
    rendered: dict[tuple[str, bool], tuple[str, str]] = {}
    for email, locale, unsubscribe in people_in(session, day.country_code, on=day.day):
        key = (locale, unsubscribe is not None)
        if key not in rendered:
            rendered[key] = render_email("mobile_day_announced", locale=locale, day=day, subscriber=key[1],
                                         unsubscribe_url=UNSUBSCRIBE_MARK, services=MobileService)
        subject, body = rendered[key]
        session.add(OutboxMessage(to_address=email, subject=subject, body=body.replace(UNSUBSCRIBE_MARK, unsubscribe or ""),
                                  headers={"List-Unsubscribe": f"<{unsubscribe}>"} if unsubscribe else None))
    session.flush()


def maintenance(session: DbSession, *, now: datetime | None = None) -> int:
    """The worker's share: withdraw unconfirmed offers, send reminders, open the counters' next days."""
    return expire_offers(session, now=now) + send_reminders(session, now=now) + open_counter_days(session, now=now)
