"""On a service day: check-in, no-shows, walk-in tickets, each service recorded as a case, the
list to take offline, and the report after the day. Flushes; never commits."""

from dataclasses import dataclass
from datetime import date, datetime
from typing import cast

import sqlalchemy as sa
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import joinedload

from portal.core.cases.models import Case
from portal.core.cases.registry import workflow_for
from portal.core.cases.service import claim, open_case, record_event, transition
from portal.core.db import DbSession, UTCDateTime, utcnow
from portal.core.i18n import _, pgettext
from portal.core.policy import Person
from portal.core.refs import normalise_reference
from portal.core.refusal import Refused
from portal.mobile.models import (
    Booking,
    BookingStatus,
    DayStatus,
    MobileService,
    ServiceDay,
    SessionQuota,
    WalkInTicket,
)
from portal.mobile.queries import bookings_of_day, day_of, quotas_of, venue_today

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
    _mark_attended(session, booking, now=now or utcnow(),
                   only_from=(BookingStatus.BOOKED, BookingStatus.NO_SHOW))


def _mark_attended(session: DbSession, booking: Booking, *, now: datetime, only_from: tuple | None = None) -> None:
    """Arrived, keeping the first arrival time: a conditional update, so two officers at once leave one."""
    statement = sa.update(Booking).where(Booking.id == booking.id)
    if only_from:
        statement = statement.where(Booking.status.in_(only_from))
    session.execute(statement.values(status=BookingStatus.ATTENDED, version=Booking.version + 1,
                                     checked_in_at=sa.func.coalesce(Booking.checked_in_at,
                                                                    sa.literal(now, UTCDateTime())))
                    .execution_options(synchronize_session=False))
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
                                   summary=f"{day.day.isoformat()} {day.city}", now=now, notify=False,
                                   summary_facts={"service": quota.service, "day": day.day.isoformat(),
                                                  "city": day.city})
        record_event(session, case, "mobile_service", by=by, now=now,
                     note=str(MobileService(quota.service).title))
        if quota.service in (MobileService.INFORMATION, MobileService.DOCUMENT_PICKUP):
            claim(session, case, by=by, now=now)
            transition(session, case, "complete", by=by, now=now)
    item.case_id = case.id
    session.flush()
    if booking is not None:
        _mark_attended(session, booking, now=now)
    session.refresh(item)
    return case


def check_in_list(session: DbSession, day: ServiceDay, *, search: str = "") -> tuple[list[Booking], list[WalkInTicket]]:
    """Who is expected and who has come: bookings (not cancelled) and walk-in tickets, by session and
    time of booking. A search matches a reference or part of a name."""
    quota_ids = [q.id for q in quotas_of(day)]
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
    quotas = {q.id: q for q in quotas_of(day)}
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
