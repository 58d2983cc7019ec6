"""Booking a place, the waiting list, moving and cancelling, reminders. Flushes; never commits.

Quotas are kept by conditional updates on the quota row (`booked = booked + 1 WHERE booked <
booking_places`): the database lets exactly as many bookings through as there are places, on SQLite
(one writer at a time) and on PostgreSQL (the second update waits for the first and re-checks)."""

import secrets
from datetime import datetime, timedelta
from typing import cast

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import IntegrityError

from portal.core.db import DbSession, utcnow
from portal.core.i18n import _
from portal.core.policy import Person
from portal.core.refs import new_reference
from portal.core.refusal import Refused
from portal.mobile.models import (
    CHANGEABLE,
    Booking,
    BookingStatus,
    DayStatus,
    ServiceDay,
    ServiceSession,
    SessionQuota,
)
from portal.mobile.notices import email_about
from portal.mobile.queries import booking_closes_at, day_of, is_bookable, link_hash, venue_today

BOOKING_PREFIX = "BKG"


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
    email_about(session, booking, template, secret=secret,
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
    email_about(session, booking, "mobile_booked", secret=None, method="REQUEST")


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
        email_about(session, booking, "mobile_booking_cancelled", secret=None, method="CANCEL")
        promote_waiting(session, booking.quota, now=now)
    else:
        email_about(session, booking, "mobile_booking_cancelled", secret=None, method=None)


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
    email_about(session, booking, "mobile_booking_moved", secret=None, method="REQUEST")
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
        email_about(session, booking, "mobile_place_offered", secret=None, method=None)
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
        email_about(session, booking, "mobile_offer_expired", secret=None, method=None)
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
            email_about(session, booking, "mobile_reminder", secret=None, method=None)
            sent += 1
    return sent
