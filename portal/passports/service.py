"""Passport applications once complete: submission (one case per draft, within the daily cap), and
at printing the passport number and the machine-readable zone. Flushes; never commits."""

import secrets
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

from portal.core import crypto, policy
from portal.core.cases.models import Case
from portal.core.cases.service import entered_status_at, open_case
from portal.core.db import utcnow
from portal.core.i18n import _, is_chinese
from portal.core.outbox import queue_email
from portal.core.refusal import Refused
from portal.core.workdays import TAIPEI, taipei_today
from portal.missions.service import Collection, headquarters
from portal.passports import mrz
from portal.passports.drafts import (
    age_matches_type,
    clear_unasked,
    missing_answers,
    pickup_name,
    pickup_place,
    renewal_name_differs,
)
from portal.passports.models import ApplicationType, DraftState, PassportApplication
from portal.passports.rules import cap_reopens_at, fee_for
from portal.passports.workflow import PASSPORT, PASSPORT_WORKFLOW, PRINT, READY

NATIONALITY = "TWN"


# --- submission ---------------------------------------------------------------------------------

def _handling_mission_id(session, draft: PassportApplication) -> int:
    """The mission that handles the case: the pickup mission, or headquarters for a domestic office."""
    if draft.pickup_mission_id is not None:
        return draft.pickup_mission_id
    return headquarters(session).id


def submit(session, draft: PassportApplication, *, by, now: datetime | None = None) -> tuple[Case, bool]:
    """Turn a complete draft into a case with its fee, and acknowledge it by email. Returns (case,
    created): sending the same draft again returns the case it already made.

    Raises:
        Refused: not the user's draft, answers missing, a rule broken, or today's cap reached.
    """
    if draft.case is not None and draft.applicant_id == getattr(by, "id", None):
        return draft.case, False
    if not policy.can_edit_passport_draft(by, draft):
        raise Refused(_("This application has already been sent."))
    missing = missing_answers(draft)
    if missing:
        raise Refused(missing[0][1])
    now = now or utcnow()
    assert draft.birth_date is not None  # missing_answers() asks for it
    age_matches_type(draft, draft.birth_date, now)
    if renewal_name_differs(session, draft):
        raise Refused(_("Your name in Latin letters does not match your previous passport."))
    reopens = cap_reopens_at(session, now)
    if reopens is not None:
        raise Refused(_("Today's online applications are full. Your application is saved: you can send it "
                        "from %(time)s (Taipei time).", time=_format_moment(reopens)))
    clear_unasked(draft)
    fee = fee_for(draft.application_type, draft.birth_date, on=taipei_today(now))
    try:
        case, created = open_case(session, kind=PASSPORT, mission_id=_handling_mission_id(session, draft),
                                  applicant=by, summary=f"{draft.application_type.title}: {draft.name_zh}",
                                  summary_facts={"type": draft.application_type.value, "name": draft.name_zh,
                                                 "latin": draft.name_latin or ""},
                                  idempotency_key=draft.token, now=now, notify=False)
    except Refused as error:
        raise Refused(str(error)) from error
    draft.case_id, draft.state, draft.declared_at, draft.updated_at = case.id, DraftState.SUBMITTED, now, now
    draft.fee, draft.fee_currency, draft.validity_years = fee.amount, fee.currency, fee.years
    session.flush()
    queue_email(session, to=by.email, locale=by.locale, template="passport_received", case=case,
                workflow=PASSPORT_WORKFLOW, detail=draft, pickup=pickup_name(draft, by.locale.startswith("zh")))
    return case, created


def _format_moment(moment: datetime) -> str:
    from portal.core.i18n import format_moment

    return format_moment(moment)


# --- after submission ---------------------------------------------------------------------------

def detail_for(session, case) -> PassportApplication | None:
    detail = session.scalar(sa.select(PassportApplication).where(PassportApplication.case_id == case.id)
                            .options(selectinload(PassportApplication.photo),
                                     selectinload(PassportApplication.pickup_mission)))
    if detail is not None:
        detail.previous_application = previous_application(session, detail)
    return detail


def previous_application(session, application: PassportApplication) -> PassportApplication | None:
    """The same person's latest earlier application that was sent, found by the keyed hash of the ID."""
    if application.national_id_hash is None:
        return None
    return session.scalar(sa.select(PassportApplication).where(
        PassportApplication.national_id_hash == application.national_id_hash,
        PassportApplication.case_id.is_not(None), PassportApplication.id != application.id,
        PassportApplication.id < application.id)
        .order_by(PassportApplication.id.desc()).limit(1))


def after_transition(session, case, event, *, by) -> None:
    """Hooked into every move of a passport case: printing assigns the number and builds the MRZ;
    "ready" tells the applicant where and how to collect the passport."""
    if event.action == PRINT:
        application = detail_for(session, case)
        if application is None:
            raise LookupError(f"passport case {case.reference} has no application")
        assign_passport(session, application, at=event.at)
    elif event.action == READY and case.applicant is not None and case.applicant.is_active:
        queue_email(session, to=case.applicant.email, locale=case.applicant.locale, template="passport_ready",
                    case=case, detail=detail_for(session, case))


def collection_for(case: Case, application: PassportApplication) -> Collection | None:
    """For a passport ready at the counter, in the reader's language: where (address, hours, map), what
    to bring, the fee paid there, and until when it is kept. None before it is ready."""
    if case.status != "ready":
        return None
    chinese = is_chinese()
    bring = [_("Your national ID card, or another identity document with your photo.")]
    if application.application_type is ApplicationType.RENEWAL:
        bring.append(_("Your current passport: it is cancelled and handed back to you."))
    if application.application_type is ApplicationType.MINOR:
        bring.append(_("The consent form (法定代理人同意書) signed by a parent or legal guardian, and their identity "
                       "document; a child under 14 comes with them."))
    days = int(current_app.config["PASSPORT_COLLECTION_DAYS"])
    keep_until = (entered_status_at(case) + timedelta(days=days)).astimezone(TAIPEI).date()
    return Collection(pickup_place(application, chinese), bring, application.fee, application.fee_currency,
                      keep_until)


def new_passport_number(session) -> str:
    """Nine digits, the first 3 as on current Taiwan passports, unused so far (checked by keyed hash)."""
    while True:
        number = "3" + "".join(secrets.choice("0123456789") for _ in range(8))
        taken = session.scalar(sa.select(PassportApplication.id).where(
            PassportApplication.passport_number_hash == crypto.keyed_hash(number, purpose="passport_number")))
        if taken is None:
            return number


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year + years, day=28)


def assign_passport(session, application: PassportApplication, *, at: datetime) -> None:
    """The passport number, issue and expiry dates, and both MRZ lines, from the application's data."""
    # A sent application has all of these: submit() refused it otherwise.
    assert application.validity_years and application.birth_date and application.sex
    number = new_passport_number(session)
    issued = taipei_today(at)
    application.passport_number = number
    application.issued_on = issued
    application.expires_on = add_years(issued, application.validity_years)
    zone = mrz.td3(surname=application.surname_latin, given_names=application.given_names_latin, number=number,
                   nationality=NATIONALITY, birth_date=application.birth_date, sex=application.sex.value,
                   expiry_date=application.expires_on, personal_number=application.national_id)
    application.mrz_lines = zone.lines
    session.flush()
