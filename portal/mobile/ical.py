"""Service days as iCalendar (RFC 5545) feeds, and a booking as an invitation (RFC 5546).

Each session of a day is one event whose UID never changes; SEQUENCE is the day's own counter,
bumped on every published change, and a cancelled day stays in the feed as STATUS:CANCELLED so
calendars that subscribed remove it. A booking's invitation has a UID of its own, and its
SEQUENCE adds the booking's moves to the day's changes.
"""

from datetime import datetime
from email.utils import parseaddr
from functools import lru_cache
from urllib.parse import urlsplit

from flask import current_app, url_for
from icalendar import Calendar, Event, Timezone, vCalAddress, vText

from portal.core.db import utcnow
from portal.core.i18n import _, force_locale, is_chinese
from portal.mobile.models import DayStatus, MobileService

PRODUCT_ID = "-//Bureau of Consular Affairs//Consular Services Portal//EN"


def _host() -> str:
    return urlsplit(current_app.config["BASE_URL"]).hostname or "localhost"


@lru_cache(maxsize=64)
def _vtimezone(tzid: str) -> Timezone:
    """The VTIMEZONE of a zone: working it out takes tens of milliseconds, so once per zone per process."""
    return Timezone.from_tzid(tzid)


def _add_timezones(calendar: Calendar, zones) -> None:
    """The zones' definitions, ahead of the events that name them (as calendar programs expect)."""
    calendar.subcomponents[:0] = [_vtimezone(tzid) for tzid in sorted(set(zones))]


def _calendar(method: str | None = None) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    if method:
        calendar.add("method", method)
    return calendar


def _location(day) -> str:
    return ", ".join(part for part in (day.venue, day.address, day.city) if part)


def _day_url(day) -> str:
    return current_app.config["BASE_URL"] + url_for("mobile.day", uid=day.uid)


def _services(service_session) -> str:
    return ", ".join(str(MobileService(q.service).title) for q in service_session.quotas
                     if q.booking_places or q.walk_in_places)


def _add_times(event: Event, service_session) -> None:
    event.add("dtstart", service_session.start)
    event.add("dtend", service_session.end)


def day_feed(days, *, name: str) -> bytes:
    """Every session of the given days, one event each."""
    calendar = _calendar()
    calendar.add("x-wr-calname", name)
    for day in days:
        for service_session in day.sessions:
            event = Event()
            event.add("uid", f"mobile-{day.uid}-{service_session.id}@{_host()}")
            event.add("dtstamp", day.updated_at)
            event.add("last-modified", day.updated_at)
            event.add("sequence", day.sequence)
            _add_times(event, service_session)
            event.add("summary", _("Mobile consular service: %(mission)s", mission=day.mission.name(is_chinese())))
            event.add("location", vText(_location(day)))
            event.add("description", _("Services: %(services)s. Book a place or come for a walk-in ticket: %(url)s",
                                       services=_services(service_session), url=_day_url(day)))
            event.add("url", _day_url(day))
            event.add("status", "CANCELLED" if day.status == DayStatus.CANCELLED else "CONFIRMED")
            calendar.add_component(event)
    _add_timezones(calendar, (day.timezone for day in days))
    return calendar.to_ical()


def invitation(booking, *, method: str, attendee: str, locale: str | None, now: datetime | None = None) -> str:
    """The booking as a calendar invitation (METHOD:REQUEST) or its withdrawal (METHOD:CANCEL)."""
    service_session = booking.quota.service_session
    day = service_session.service_day
    with force_locale(locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        calendar = _calendar(method)
        event = Event()
        event.add("uid", f"booking-{booking.reference}@{_host()}")
        event.add("dtstamp", now or utcnow())
        event.add("sequence", day.sequence + booking.sequence)
        _add_times(event, service_session)
        event.add("summary", _("%(service)s at the mobile consular service (%(reference)s)",
                               service=MobileService(booking.quota.service).title, reference=booking.reference))
        event.add("location", vText(_location(day)))
        event.add("description", _("Your booking %(reference)s. What to bring and how to cancel: %(url)s",
                                   reference=booking.reference, url=_day_url(day)))
        organizer = vCalAddress("mailto:" + parseaddr(current_app.config["MAIL_FROM"])[1])
        organizer.params["cn"] = vText(day.mission.name(str(locale or "").startswith("zh")))
        event.add("organizer", organizer)
        guest = vCalAddress("mailto:" + attendee)
        guest.params["role"] = vText("REQ-PARTICIPANT")
        guest.params["partstat"] = vText("ACCEPTED")
        event.add("attendee", guest)
        event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
        calendar.add_component(event)
    _add_timezones(calendar, [day.timezone])
    return calendar.to_ical().decode()
