"""Visitor visa applications: checking the answers against the passport's own zone and the rules,
opening the case with its scans, and on approval issuing the visa with its number, MRV-A zone and
verification code. Flushes; never commits."""

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

from portal.core import policy
from portal.core.cases.models import Case
from portal.core.cases.service import open_case, record_event
from portal.core.cases.workflow import APPLICANT
from portal.core.i18n import _
from portal.core.outbox import queue_email
from portal.core.refusal import Refused
from portal.core.text import is_digits
from portal.core.uploads import store
from portal.core.workdays import TAIPEI, taipei_today
from portal.documents.codes import new_code
from portal.missions.models import Mission
from portal.passports import mrz
from portal.visas import requirements
from portal.visas.models import (
    VISIT_PURPOSES,
    Direction,
    Entries,
    IssuedVisa,
    Purpose,
    Sex,
    VisaApplication,
    VisaFile,
    visit_days,
)
from portal.visas.nationalities import icao_code, is_nationality
from portal.visas.workflow import ADD_FILES, APPROVE, VISA, VISA_WORKFLOW

#: the longest visit a visitor visa is asked for, and the stays it is issued for
MAX_VISIT_DAYS = 90
STAY_STEPS = (14, 30, 60, 90)
#: how long the passport must still be valid on arrival
PASSPORT_VALID_MONTHS = 6
#: how long a visa can be used to enter, from its first day
VALIDITY_DAYS = {Entries.SINGLE: 90, Entries.MULTIPLE: 365}

_MRZ_PROBLEMS = {
    "length": lambda: _("The machine-readable zone has two lines of 44 characters each: copy both lines from the "
                        "bottom of your passport's photo page."),
    "characters": lambda: _("The machine-readable zone has only capital letters A to Z, digits and the sign <."),
    "type": lambda: _("This is not a passport's machine-readable zone: the first line starts with P."),
    "number": lambda: _("The check digit after the passport number does not match: check the first characters "
                        "of the second line."),
    "birth": lambda: _("The check digit after the date of birth does not match: check the second line."),
    "expiry": lambda: _("The check digit after the expiry date does not match: check the second line."),
    "personal": lambda: _("The check digit after the personal number does not match: check the end of the second "
                          "line."),
    "composite": lambda: _("The last check digit of the second line does not match: one character of the second "
                           "line is mistyped."),
}


@dataclass(frozen=True)
class Fee:
    entries: Entries
    total: int
    currency: str


def fee_for(entries: Entries) -> Fee:
    config = current_app.config
    return Fee(entries, int(config["VISA_FEES"][entries.value]), config["VISA_FEE_CURRENCY"])


def _months_after(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)


def read_passport_zone(data: dict) -> mrz.Td3Reading:
    """The typed zone, its check digits verified and its facts compared with the answers.

    Raises:
        Refused: on the "passport_mrz" field, saying what does not match.
    """
    try:
        reading = mrz.read_td3(data["passport_mrz"] or "")
    except mrz.MrzProblem as problem:
        raise Refused(_MRZ_PROBLEMS[problem.part](), field="passport_mrz") from problem
    differences = []
    if reading.number != "".join(data["passport_number"].upper().split()):
        differences.append(_("the passport number"))
    if reading.birth != mrz.yymmdd(data["birth_date"]):
        differences.append(_("the date of birth"))
    if reading.expiry != mrz.yymmdd(data["passport_expiry"]):
        differences.append(_("the expiry date"))
    if reading.nationality != icao_code(data["nationality_code"]):
        differences.append(_("the nationality"))
    if reading.sex != (data["sex"] if data["sex"] in ("M", "F") else mrz.FILLER):
        differences.append(_("the sex"))
    surname, given = mrz.name_words(data["surname"]), mrz.name_words(data["given_names"])
    # a long name is cut in the zone: what the zone holds must begin the typed name
    if reading.surname_words != surname[:len(reading.surname_words)] or not reading.surname_words \
            or tuple(given[:len(reading.given_name_words)]) != reading.given_name_words:
        differences.append(_("the name"))
    if differences:
        raise Refused(_("The machine-readable zone does not match what you entered for %(fields)s. Check both "
                        "against your passport.", fields=", ".join(str(d) for d in differences)),
                      field="passport_mrz")
    return reading


def check_answers(session, data: dict, *, today: date | None = None) -> tuple[Mission, mrz.Td3Reading]:
    """Every rule an application must meet before it is sent; returns the mission chosen and the
    passport's zone as read.

    Raises:
        Refused: on the field concerned, with what to do.
    """
    today = today or taipei_today()
    if not is_nationality(data["nationality_code"] or ""):
        raise Refused(_("Choose your nationality from the list."), field="nationality_code")
    if data["sex"] not in {s.value for s in Sex}:
        raise Refused(_("Choose the sex shown on your passport."), field="sex")
    if data["purpose"] not in {p.value for p in VISIT_PURPOSES}:
        raise Refused(_("A visitor visa is for tourism, business or visiting family and friends: choose one."),
                      field="purpose")
    if data["entries"] not in {e.value for e in Entries}:
        raise Refused(_("Choose single or multiple entries."), field="entries")
    arrival, departure = data["arrival_on"], data["departure_on"]
    days = visit_days(arrival, departure)
    if arrival <= today:
        raise Refused(_("The day you arrive must be after today."), field="arrival_on")
    if departure < arrival:
        raise Refused(_("The day you leave must be on or after the day you arrive."), field="departure_on")
    if days > MAX_VISIT_DAYS:
        raise Refused(_("A visitor visa is for a stay of up to %(days)d days: for longer, apply at a mission for a "
                        "resident visa.", days=MAX_VISIT_DAYS), field="departure_on")
    if data["passport_expiry"] < _months_after(arrival, PASSPORT_VALID_MONTHS):
        raise Refused(_("Your passport must be valid for at least 6 months after the day you arrive: renew it "
                        "first."), field="passport_expiry")
    rule = requirements.requirements_for(session, Direction.INBOUND, data["nationality_code"], on=arrival)[
        Purpose(data["purpose"])].current
    if rule is not None and rule.treatment.has_stay and days <= (rule.stay_days or 0):
        raise Refused(_("You do not need this visa: %(treatment)s covers a visit this long (up to %(days)d days).",
                        treatment=rule.treatment.title, days=rule.stay_days),
                      field="nationality_code")
    mission_id = str(data["mission_id"] or "")
    mission = session.get(Mission, int(mission_id)) if is_digits(mission_id) else None
    if mission is None or mission.is_headquarters:
        raise Refused(_("Choose the mission from the list."), field="mission_id")
    return mission, read_passport_zone(data)


def submit_application(session, *, applicant, data: dict, scans: list, submission_token: str | None = None):
    """Open a visa case with its scans and acknowledge it by email with the fee. Returns (case, created):
    a repeated submission token finds the case already made.

    Raises:
        Refused: an answer that breaks a rule (check_answers), or a form sent by someone else.
    """
    mission, zone = check_answers(session, data)
    name = f"{data['surname'].upper()}, {data['given_names']}"
    try:
        case, created = open_case(session, kind=VISA, mission_id=mission.id, applicant=applicant,
                                  summary=f"{Purpose(data['purpose']).title}: {name}"[:200],
                                  idempotency_key=submission_token, notify=False,
                                  summary_facts={"purpose": data["purpose"], "name": name})
    except Refused as error:
        raise Refused(str(error)) from error
    if not created:
        return case, False
    fee = fee_for(Entries(data["entries"]))
    detail = VisaApplication(
        case_id=case.id, surname=data["surname"], given_names=data["given_names"], sex=Sex(data["sex"]),
        birth_date=data["birth_date"], place_of_birth=data["place_of_birth"],
        nationality_code=data["nationality_code"], passport_number="".join(data["passport_number"].upper().split()),
        passport_expiry=data["passport_expiry"], passport_mrz="\n".join(zone.lines),
        purpose=Purpose(data["purpose"]), purpose_detail=data["purpose_detail"], arrival_on=data["arrival_on"],
        departure_on=data["departure_on"], address_in_taiwan=data["address_in_taiwan"],
        entries=Entries(data["entries"]), fee_total=fee.total, fee_currency=fee.currency)
    session.add(detail)
    session.flush()
    _attach(session, detail, scans)
    queue_email(session, to=applicant.email, locale=applicant.locale, template="visa_received", case=case,
                workflow=VISA_WORKFLOW, detail=detail, fee=fee)
    return case, True


def _attach(session, detail: VisaApplication, scans: list) -> None:
    for scan in scans:
        session.add(VisaFile(application_id=detail.id, upload_id=store(session, scan).id))
    session.flush()


def detail_for(session, case) -> VisaApplication | None:
    return session.scalar(sa.select(VisaApplication).where(VisaApplication.case_id == case.id).options(
        selectinload(VisaApplication.files).selectinload(VisaFile.upload),
        selectinload(VisaApplication.nationality), selectinload(VisaApplication.visa)))


def application_of(session, case) -> VisaApplication:
    detail = detail_for(session, case)
    if detail is None:
        raise LookupError(f"visa case {case.reference} has no application")
    return detail


def can_add_scans(user, case) -> bool:
    return case.kind == VISA and case.status == "info_requested" and policy.party_of(user, case) == APPLICANT


def add_scans(session, case, *, by, scans: list, now: datetime | None = None) -> None:
    """The applicant adds scans while the mission waits on them; the history records it.

    Raises:
        Refused: not the time for it, or more files than allowed in all.
    """
    if not can_add_scans(by, case):
        raise Refused(_("You can add scans only while the mission is waiting for more information."))
    detail = application_of(session, case)
    limit = current_app.config["DOCUMENT_MAX_FILES"]
    if len(detail.files) + len(scans) > limit:
        raise Refused(_("A request can have at most %(count)d files in all.", count=limit), field="scans")
    _attach(session, detail, scans)
    record_event(session, case, ADD_FILES, by=by, note=", ".join(scan.name for scan in scans)[:1000], now=now)


def file_and_case(session, upload_id: str) -> tuple[VisaFile, Case] | None:
    row = session.execute(
        sa.select(VisaFile, Case).join(VisaApplication, VisaFile.application_id == VisaApplication.id)
        .join(Case, VisaApplication.case_id == Case.id).where(VisaFile.upload_id == upload_id)).first()
    return (row[0], row[1]) if row else None


# --- issuing ------------------------------------------------------------------------------------

def stay_for(application: VisaApplication) -> int:
    """The shortest of the usual stays that covers the visit asked for."""
    return next(days for days in STAY_STEPS if days >= min(application.visit_days, STAY_STEPS[-1]))


def _new_number() -> str:
    """Nine digits, the first not zero: random, so one visa's number tells nothing of another's."""
    return str(secrets.randbelow(9 * 10 ** 8) + 10 ** 8)


def issue_visa(session, case, *, at: datetime, by) -> IssuedVisa:
    """The visa of an approved application: from its arrival day (or today), for as long as its
    entries allow but never past the passport, with the MRV-A zone and a verification code."""
    application = application_of(session, case)
    today = at.astimezone(TAIPEI).date()
    valid_from = max(application.arrival_on, today)
    valid_until = min(valid_from + timedelta(days=VALIDITY_DAYS[application.entries] - 1),
                      application.passport_expiry - timedelta(days=1))
    number = _new_number()
    while session.scalar(sa.select(IssuedVisa.id).where(IssuedVisa.number == number)) is not None:
        number = _new_number()  # one in 900 million: draw again (the unique index is the last word)
    zone = mrz.mrva(surname=application.surname, given_names=application.given_names, number=number,
                    nationality=icao_code(application.nationality_code), birth_date=application.birth_date,
                    sex=application.sex.value, valid_until=valid_until,
                    optional_data=application.entries.value[0].upper())
    visa = IssuedVisa(application_id=application.id, number=number, code=new_code(), mission_id=case.mission_id,
                      entries=application.entries, valid_from=valid_from, valid_until=valid_until,
                      stay_days=stay_for(application), mrz_line1=zone.line1, mrz_line2=zone.line2, issued_at=at,
                      issued_by_id=by.id)
    session.add(visa)
    session.flush()
    return visa


def after_transition(session, case, event, *, by) -> None:
    """Hooked into every move of a visa case: approval issues the visa and mails it to the applicant."""
    if event.action != APPROVE:
        return
    visa = issue_visa(session, case, at=event.at, by=by)
    if case.applicant is not None and case.applicant.is_active:
        queue_email(session, to=case.applicant.email, locale=case.applicant.locale, template="visa_approved",
                    case=case, detail=application_of(session, case), visa=visa)


def visa_by_code(session, compact: str) -> IssuedVisa | None:
    return session.scalar(sa.select(IssuedVisa).where(IssuedVisa.code == compact).options(
        selectinload(IssuedVisa.application).selectinload(VisaApplication.nationality),
        selectinload(IssuedVisa.mission)))


def visa_state(visa: IssuedVisa, *, today: date | None = None) -> str:
    """"valid", "not_yet" (before its first day) or "expired"."""
    today = today or taipei_today()
    if today < visa.valid_from:
        return "not_yet"
    return "expired" if today > visa.valid_until else "valid"
