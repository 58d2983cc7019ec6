"""Telling people about their bookings: emails with calendar invitations, and the jobs that tell
everyone booked of a change, or a country's travellers of a new day near them."""


import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from portal.core.db import DbSession
from portal.core.jobs import job_handler
from portal.core.outbox import links_anywhere, queue_email
from portal.mobile import ical
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
from portal.mobile.queries import bookings_of_day, day_of

# --- telling people ------------------------------------------------------------------------------

def email_about(session: DbSession, booking: Booking, template: str, *, secret: str | None,
                method: str | None) -> None:
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
            email_about(session, booking, "mobile_day_changed", secret=None,
                        method="REQUEST" if booking.status == BookingStatus.BOOKED else None)


@job_handler("mobile.day_cancelled")
def _tell_day_cancelled(session: DbSession, *, day_id: int, booking_ids: list[int]) -> None:
    # Every booking of one day: its user and the day's sessions loaded once, not per booking.
    for booking in session.scalars(sa.select(Booking).where(Booking.id.in_(booking_ids))
                                   .options(joinedload(Booking.user), joinedload(Booking.quota)
                                            .joinedload(SessionQuota.service_session)
                                            .joinedload(ServiceSession.service_day))):
        email_about(session, booking, "mobile_day_cancelled", secret=None, method="CANCEL")


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
