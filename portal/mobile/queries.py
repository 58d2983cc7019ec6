"""Reading service days and bookings, and the times that decide what is open: no writes."""

import hashlib
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload, selectinload

from portal.core.db import DbSession, utcnow
from portal.core.i18n import _
from portal.core.policy import Person
from portal.core.refs import normalise_reference
from portal.mobile.models import (
    Booking,
    BookingStatus,
    DayStatus,
    MobileService,
    ServiceDay,
    ServiceSession,
    SessionQuota,
)


MAX_SESSIONS = 4


# --- times ------------------------------------------------------------------------------------------

def booking_closes_at(service_session: ServiceSession) -> datetime:
    """Bookings, moves into a session and waiting-list offers stop this long before it starts."""
    return service_session.start - timedelta(hours=current_app.config["MOBILE_BOOKING_NOTICE_HOURS"])


def is_bookable(service_session: ServiceSession, now: datetime | None = None) -> bool:
    return (service_session.service_day.status == DayStatus.PUBLISHED
            and (now or utcnow()) < booking_closes_at(service_session))


def venue_today(day: ServiceDay, now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(ZoneInfo(day.timezone)).date()


@lru_cache(maxsize=1)
def timezone_names() -> tuple[str, ...]:
    """The venue time zones to choose from: IANA areas and cities (read from disk once per process)."""
    return tuple(sorted(name for name in available_timezones()
                        if "/" in name and not name.startswith(("Etc/", "SystemV/", "posix/", "right/"))))


def is_valid_timezone(name: str) -> bool:
    return name in timezone_names()


def quotas_of(day: ServiceDay) -> list[SessionQuota]:
    return [quota for service_session in day.sessions for quota in service_session.quotas]


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


def by_region_and_country(days: list[ServiceDay], countries: dict, *, chinese: bool) -> list[tuple]:
    """Days grouped for the public list: [(region title, [(country, [days])])], in the reader's order."""
    from portal.advisories.regions import COUNTRY_REGION, REGIONS

    grouped: dict[str, dict[str, list[ServiceDay]]] = {}
    for day in days:
        grouped.setdefault(COUNTRY_REGION.get(day.country_code, ""), {}).setdefault(day.country_code, []).append(day)

    def country_name(code):
        return countries[code].name(chinese) if code in countries else code

    return [(REGIONS[region][0] if region in REGIONS else None,
             [(countries.get(code), grouped[region][code]) for code in sorted(grouped[region], key=country_name)])
            for region in sorted(grouped, key=lambda r: list(REGIONS).index(r) if r in REGIONS else len(REGIONS))]


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
    for quota in quotas_of(day):
        if str(quota.id) == str(quota_id):
            return quota
    return None


def bookings_of_day(session: DbSession, day: ServiceDay) -> list[Booking]:
    quota_ids = [q.id for q in quotas_of(day)]
    if not quota_ids:
        return []
    return list(session.scalars(sa.select(Booking).where(Booking.quota_id.in_(quota_ids))
                                .options(joinedload(Booking.user)).order_by(Booking.id)))


def waiting_counts(session: DbSession, day: ServiceDay) -> dict[int, int]:
    """People on the waiting list per quota."""
    quota_ids = [q.id for q in quotas_of(day)]
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
