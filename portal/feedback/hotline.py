"""The complaint hotline log: logging calls, finding them, counting them, turning one into a mailbox
case. Flushes; never commits."""

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from portal.core import paging, policy
from portal.core.cases.models import Case
from portal.core.cases.service import open_case
from portal.core.db import utcnow
from portal.core.i18n import _
from portal.core.refs import new_reference
from portal.core.refusal import Refused
from portal.core.workdays import TAIPEI, taipei_today
from portal.feedback import service
from portal.feedback.models import (
    CallLanguage,
    Category,
    HotlineCall,
    MailboxMessage,
    Outcome,
    Source,
)
from portal.feedback.workflow import MAILBOX
from portal.missions.service import headquarters

PAGE_SIZE = 25
MAX_SUMMARY = 3000
MAX_DURATION_MINUTES = 600
#: the days a search covers when nobody chose any
DEFAULT_DAYS = 30


@dataclass(frozen=True)
class CallFilter:
    date_from: date | None = None
    date_to: date | None = None
    category: str = ""
    outcome: str = ""
    text: str = ""
    mission_id: int | None = None


def default_filter(now: datetime | None = None) -> CallFilter:
    today = taipei_today(now)
    return CallFilter(date_from=today - timedelta(days=DEFAULT_DAYS - 1), date_to=today)


def log_call(session, *, by, called_at: datetime, duration_minutes: int, language: str, category: str,
             summary: str, outcome: str, caller_name: str | None = None, caller_phone: str | None = None,
             caller_email: str | None = None, referred_to: str | None = None, submission_token: str | None = None,
             now: datetime | None = None) -> tuple[HotlineCall, bool]:
    """Log a call at the officer's mission (headquarters for accounts without one). A call logged as
    'turned into a mailbox case' opens that case at once. Returns (call, logged); the same form sent
    twice returns the call logged the first time."""
    now = now or utcnow()
    earlier = _logged_before(session, submission_token, by)
    if earlier is not None:
        return earlier, False
    if called_at > now + timedelta(minutes=5):
        raise Refused(_("The call cannot be in the future. Check the date and time."), field="called_on")
    if not 0 <= duration_minutes <= MAX_DURATION_MINUTES:
        raise Refused(_("Enter how long the call took, from 0 to 600 minutes."), field="duration_minutes")
    if language not in {x.value for x in CallLanguage}:
        raise Refused(_("Choose the language of the call."), field="language")
    if category not in {c.value for c in Category}:
        raise Refused(_("Choose what the call was about."), field="category")
    if outcome not in {o.value for o in Outcome}:
        raise Refused(_("Choose the outcome of the call."), field="outcome")
    summary = (summary or "").strip()
    if not summary:
        raise Refused(_("Write a summary of the call."), field="summary")
    referred_mission = referred_unit = None
    if outcome == Outcome.REFERRED:
        if not referred_to:
            raise Refused(_("Choose where the caller was referred to."), field="referred_to")
        try:
            referred_mission, referred_unit = service.parse_target(session, referred_to)
        except Refused:
            raise Refused(_("Choose where the caller was referred to."), field="referred_to") from None
    mission_id = by.mission_id or headquarters(session).id
    call = HotlineCall(reference=new_reference("HTL"), mission_id=mission_id, logged_by_id=by.id,
                       called_at=called_at, call_day=called_at.astimezone(TAIPEI).date(),
                       duration_minutes=duration_minutes, language=CallLanguage(language),
                       caller_name=(caller_name or "").strip() or None, caller_phone=caller_phone or None,
                       caller_email=(caller_email or "").strip().lower() or None, category=Category(category),
                       summary=summary, outcome=Outcome(outcome), created_at=now,
                       referred_mission_id=referred_mission.id if referred_mission and not referred_unit else None,
                       referred_unit=referred_unit, idempotency_key=submission_token)
    try:
        with session.begin_nested():
            session.add(call)
            session.flush()
    except IntegrityError:
        # The same form sent twice at once: the other request logged it a moment ago.
        earlier = _logged_before(session, submission_token, by)
        if earlier is None:
            raise
        return earlier, False
    if call.outcome == Outcome.CASE:
        turn_into_case(session, call, by=by, now=now)
    return call, True


def _logged_before(session, submission_token: str | None, by) -> HotlineCall | None:
    """The call an earlier submission of the same form logged; someone else's token is refused."""
    if not submission_token:
        return None
    earlier = session.scalar(sa.select(HotlineCall).where(HotlineCall.idempotency_key == submission_token))
    if earlier is not None and earlier.logged_by_id != by.id:
        raise Refused(_("This form has expired. Submit it again."))
    return earlier


def turn_into_case(session, call: HotlineCall, *, by, now: datetime | None = None) -> Case:
    """Open a mailbox message from the call at the call's mission, received and ready to assign.
    The call and the case point at each other; a caller who gave an address gets the tracking link."""
    if not policy.can_turn_call_into_case(by, call):
        raise Refused(_("This call has already been turned into a case."))
    now = now or utcnow()
    subject = " ".join(call.summary.split())[:service.MAX_SUBJECT]
    case, _created = open_case(session, kind=MAILBOX, mission_id=call.mission_id, applicant=None, summary=subject,
                               now=now, status="received")
    locale = "en" if call.language == CallLanguage.ENGLISH else "zh_Hant_TW"
    email = call.caller_email or None
    detail = MailboxMessage(case_id=case.id, source=Source.HOTLINE, category=call.category, subject=subject,
                            message=call.summary, writer_name=call.caller_name or "", writer_email=email,
                            writer_phone=call.caller_phone, writer_locale=locale,
                            fingerprint=service.fingerprint(email or call.reference, subject, call.summary),
                            confirmed_at=now)
    session.add(detail)
    call.case_id, call.outcome = case.id, Outcome.CASE
    session.flush()
    service.mail_received(session, case, detail)
    return case


# --- finding and counting -------------------------------------------------------------------------

def _visible(user, filters: CallFilter):
    """Conditions for the calls the user may see that match the filter."""
    conditions = []
    if not policy.sees_all_missions(user):
        conditions.append(HotlineCall.mission_id == user.mission_id)
    elif filters.mission_id:
        conditions.append(HotlineCall.mission_id == filters.mission_id)
    if filters.date_from:
        conditions.append(HotlineCall.call_day >= filters.date_from)
    if filters.date_to:
        conditions.append(HotlineCall.call_day <= filters.date_to)
    if filters.category:
        conditions.append(HotlineCall.category == filters.category)
    if filters.outcome:
        conditions.append(HotlineCall.outcome == filters.outcome)
    text = filters.text.strip()
    if text:
        # One ILIKE over the searched text (PostgreSQL finds it through a trigram index); "/" escapes the
        # wildcards a caller's words may hold.
        pattern = "%" + text.replace("/", "//").replace("%", "/%").replace("_", "/_") + "%"
        conditions.append(HotlineCall.searched_text().ilike(pattern, escape="/"))
    return conditions


def encode_cursor(call: HotlineCall) -> str:
    return paging.encode_cursor(call.called_at, call.id)


def decode_cursor(cursor: str | None) -> tuple[datetime, int] | None:
    return paging.decode_cursor(cursor, paging.MOMENT, paging.INT)


def calls_page(session, user, filters: CallFilter, *, after: str | None = None) -> tuple[list[HotlineCall], str | None]:
    """One page of matching calls, newest first, paged by keyset."""
    query = (sa.select(HotlineCall).where(*_visible(user, filters))
             .options(joinedload(HotlineCall.mission), joinedload(HotlineCall.logged_by),
                      joinedload(HotlineCall.case)))
    position = decode_cursor(after) if after else None
    if position:
        moment, call_id = position
        query = query.where(sa.or_(HotlineCall.called_at < moment,
                                   sa.and_(HotlineCall.called_at == moment, HotlineCall.id < call_id)))
    rows = session.scalars(query.order_by(HotlineCall.called_at.desc(), HotlineCall.id.desc())
                           .limit(PAGE_SIZE + 1)).all()
    next_cursor = encode_cursor(rows[PAGE_SIZE - 1]) if len(rows) > PAGE_SIZE else None
    return list(rows[:PAGE_SIZE]), next_cursor


def counts(session, user, filters: CallFilter) -> tuple[list[tuple[date, int]], list[tuple[Category, int]]]:
    """(day, calls) for every day with a matching call, newest day first, and (category, calls) for every
    category with one, most calls first: from one reading of the matching calls, grouped by both."""
    rows = session.execute(sa.select(HotlineCall.call_day, HotlineCall.category, sa.func.count(HotlineCall.id))
                           .where(*_visible(user, filters))
                           .group_by(HotlineCall.call_day, HotlineCall.category)).all()
    by_day: Counter[date] = Counter()
    by_category: Counter[Category] = Counter()
    for day, category, number in rows:
        by_day[day] += number
        by_category[category] += number
    return (sorted(by_day.items(), reverse=True),
            sorted(by_category.items(), key=lambda item: (-item[1], item[0].value)))


def find_call(session, reference: str) -> HotlineCall | None:
    return session.scalar(sa.select(HotlineCall).where(HotlineCall.reference == reference))


def call_for_case(session, case) -> HotlineCall | None:
    return session.scalar(sa.select(HotlineCall).where(HotlineCall.case_id == case.id))


def calls_for_statistics(session, *, after_id: int, limit: int) -> list[tuple]:
    """The calls logged after `after_id`, in the order they were logged, as the statistics count them:
    (id, when logged, mission, when the call came in, outcome). Nothing about the caller."""
    return [tuple(row) for row in session.execute(
        sa.select(HotlineCall.id, HotlineCall.created_at, HotlineCall.mission_id, HotlineCall.called_at,
                  HotlineCall.outcome)
        .where(HotlineCall.id > after_id).order_by(HotlineCall.id).limit(limit))]
