"""Overseas travel registration (出國登錄): trips, confirmation, edits, cancellation, erasure.
Flushes; never commits."""

import secrets
from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from portal.advisories.models import TravelRegistration
from portal.advisories.queries import current_edition
from portal.core.db import utcnow
from portal.core.i18n import _
from portal.core.outbox import queue_email
from portal.core.refusal import Refused
from portal.core.workdays import taipei_today
from portal.missions.service import country_by_code

MAX_TRIP_DAYS = 366


def retention_days() -> int:
    return int(current_app.config["TRAVEL_REGISTRATION_RETENTION_DAYS"])


def _check(session, *, country_code: str, regions: list[str], starts_on: date, ends_on: date, today: date) -> None:
    if country_by_code(session, country_code) is None or country_code == "TW":
        raise Refused(_("Choose the country you are going to from the list."), field="country_code")
    if ends_on < starts_on:
        raise Refused(_("The trip must end on or after the day it starts."), field="ends_on")
    if ends_on < today:
        raise Refused(_("The trip has already ended. Register a trip that is under way or still to come."),
                      field="ends_on")
    if (ends_on - starts_on).days > MAX_TRIP_DAYS:
        raise Refused(_("A registration covers at most one year. Register a longer stay again later."),
                      field="ends_on")
    if regions:
        edition = current_edition(session, country_code)
        known = {r.name_en for r in edition.regions} if edition else set()
        if not set(regions) <= known:
            raise Refused(_("Choose regions from the list for that country."), field="regions")


def register_trip(session, *, user, email: str, locale: str, country_code: str, regions: list[str],
                  starts_on: date, ends_on: date, phone_abroad: str, email_abroad: str, contact_name: str,
                  contact_phone: str, submission_token: str | None = None,
                  today: date | None = None) -> TravelRegistration:
    """Signed-in citizens' trips count at once; others confirm their email first. The same form sent
    again (a double click, a page sent twice at once) returns the trip it registered the first time."""
    email = (user.email if user else email).strip().lower()
    earlier = _registered_before(session, submission_token, email)
    if earlier is not None:
        return earlier
    _check(session, country_code=country_code, regions=regions, starts_on=starts_on, ends_on=ends_on,
           today=today or taipei_today())
    trip = TravelRegistration(token=secrets.token_urlsafe(32), user_id=user.id if user else None,
                              email=email, locale=locale, country_code=country_code, regions=regions,
                              starts_on=starts_on, ends_on=ends_on, phone_abroad=phone_abroad,
                              email_abroad=email_abroad or "", contact_name=contact_name, contact_phone=contact_phone,
                              confirmed_at=utcnow() if user else None, idempotency_key=submission_token)
    try:
        with session.begin_nested():
            session.add(trip)
            session.flush()
    except IntegrityError:
        # The same form sent twice at once: the other request registered the trip a moment ago.
        earlier = _registered_before(session, submission_token, email)
        if earlier is None:
            raise
        return earlier
    queue_email(session, to=trip.email, locale=locale, template="travel_registered", trip=trip,
                retention=retention_days())
    return trip


def _registered_before(session, submission_token: str | None, email: str) -> TravelRegistration | None:
    """The trip an earlier submission of the same form registered; another person's token is refused."""
    if not submission_token:
        return None
    earlier = session.scalar(sa.select(TravelRegistration)
                             .where(TravelRegistration.idempotency_key == submission_token))
    if earlier is not None and earlier.email != email:
        raise Refused(_("This form has expired. Submit it again."))
    return earlier


def update_trip(session, trip: TravelRegistration, *, regions: list[str], starts_on: date, ends_on: date,
                phone_abroad: str, email_abroad: str, contact_name: str, contact_phone: str,
                today: date | None = None) -> TravelRegistration:
    _check(session, country_code=trip.country_code, regions=regions, starts_on=starts_on, ends_on=ends_on,
           today=today or taipei_today())
    trip.regions, trip.starts_on, trip.ends_on = regions, starts_on, ends_on
    trip.phone_abroad, trip.email_abroad = phone_abroad, email_abroad or ""
    trip.contact_name, trip.contact_phone = contact_name, contact_phone
    session.flush()
    return trip


def trip_by_id(session, trip_id) -> TravelRegistration | None:
    """A trip this browser has just registered (its id kept in the signed session), unless cancelled."""
    trip = session.get(TravelRegistration, trip_id) if isinstance(trip_id, int) else None
    return trip if trip is not None and trip.cancelled_at is None else None


def confirm_trip(session, token: str) -> TravelRegistration | None:
    trip = find_trip(session, token)
    if trip is not None and trip.confirmed_at is None:
        trip.confirmed_at = utcnow()
        session.flush()
    return trip


def cancel_trip(session, trip: TravelRegistration) -> None:
    trip.cancelled_at = utcnow()
    session.flush()


def find_trip(session, token: str) -> TravelRegistration | None:
    trip = session.scalar(sa.select(TravelRegistration).where(TravelRegistration.token == token))
    return trip if trip is not None and trip.cancelled_at is None else None


def trips_of(session, user) -> list[TravelRegistration]:
    return list(session.scalars(sa.select(TravelRegistration).where(
        TravelRegistration.user_id == user.id, TravelRegistration.cancelled_at.is_(None))
        .order_by(TravelRegistration.starts_on)))


def erase_expired(session, today: date | None = None) -> int:
    """Delete registrations whose trip ended more than the retention period ago, cancelled ones, and
    ones never confirmed UNCONFIRMED_RETENTION_DAYS after they were made."""
    from flask import current_app

    cutoff = (today or taipei_today()) - timedelta(days=retention_days())
    unconfirmed_cutoff = utcnow() - timedelta(days=current_app.config["UNCONFIRMED_RETENTION_DAYS"])
    return session.execute(sa.delete(TravelRegistration).where(
        sa.or_(TravelRegistration.ends_on < cutoff, TravelRegistration.cancelled_at.is_not(None),
               sa.and_(TravelRegistration.confirmed_at.is_(None),
                       TravelRegistration.created_at < unconfirmed_cutoff)))).rowcount
