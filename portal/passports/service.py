"""Passport applications: eligibility, drafts saved step by step, fees and the
daily cap, submission, and at printing the passport number and MRZ. Flushes; never commits."""

import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

from portal.core import crypto, policy
from portal.core.cases.models import Case
from portal.core.cases.service import CaseError, open_case
from portal.core.db import utcnow
from portal.core.i18n import TAIPEI, _
from portal.core.outbox import queue_email
from portal.core.refs import normalise_reference
from portal.missions.models import Mission
from portal.passports import mrz
from portal.passports.models import ApplicationType, DraftState, PassportApplication, Sex
from portal.passports.workflow import PASSPORT, PASSPORT_WORKFLOW, PRINT

ADULT_AGE = 18
#: under this age a passport is valid for the shorter "minor_under_14" term
YOUNG_CHILD_AGE = 14
NATIONALITY = "TWN"

#: domestic offices of the Bureau of Consular Affairs where a passport can be collected
DOMESTIC_OFFICES = {
    "taipei": ("外交部領事事務局（臺北）", "Bureau of Consular Affairs, Taipei"),
    "central": ("外交部中部辦事處（臺中）", "Central Taiwan Office, Taichung"),
    "southwestern": ("外交部雲嘉南辦事處（嘉義）", "Yunlin-Chiayi-Tainan Office, Chiayi"),
    "southern": ("外交部南部辦事處（高雄）", "Southern Taiwan Office, Kaohsiung"),
    "eastern": ("外交部東部辦事處（花蓮）", "Eastern Taiwan Office, Hualien"),
}

STEPS = ("type", "identity", "contact", "previous", "guardian", "pickup", "photo")


class PassportError(Exception):
    """A refused answer or action; the message is translated and names its field and step, if any."""

    def __init__(self, message: str, field: str | None = None, step: str | None = None):
        super().__init__(message)
        self.message, self.field, self.step = message, field, step


# --- fees, validity and the daily cap -----------------------------------------------------------

@dataclass(frozen=True)
class Fee:
    key: str
    amount: int
    currency: str
    years: int


def fee_table() -> list[Fee]:
    """Every row of the PASSPORT_FEES setting, in its order."""
    config = current_app.config
    return [Fee(key, int(row["fee"]), config["PASSPORT_FEE_CURRENCY"], int(row["years"]))
            for key, row in config["PASSPORT_FEES"].items()]


def fee_for(application_type: ApplicationType, birth_date: date | None, *, on: date | None = None) -> Fee:
    """The fee and validity for an application: children under 14 get the shorter passport."""
    key = application_type.value
    if application_type is ApplicationType.MINOR and birth_date and age_on(birth_date, on or today()) < YOUNG_CHILD_AGE:
        key = "minor_under_14"
    return next(fee for fee in fee_table() if fee.key == key)


def today(now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(TAIPEI).date()


def age_on(birth_date: date, day: date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def day_starts(now: datetime) -> tuple[datetime, datetime]:
    """Midnight in Taipei today and tomorrow, as aware datetimes."""
    start = datetime.combine(today(now), time(), tzinfo=TAIPEI)
    return start, start + timedelta(days=1)


def submissions_today(session, now: datetime | None = None) -> int:
    """Passport applications submitted since midnight Taipei time: one query."""
    start, _ = day_starts(now or utcnow())
    return session.scalar(sa.select(sa.func.count(Case.id)).where(Case.kind == PASSPORT,
                                                                   Case.submitted_at >= start))


def cap_reopens_at(session, now: datetime | None = None) -> datetime | None:
    """When today's cap is reached, the moment applications reopen (midnight Taipei); else None."""
    now = now or utcnow()
    if submissions_today(session, now) < int(current_app.config["PASSPORT_DAILY_CAP"]):
        return None
    return day_starts(now)[1]


# --- eligibility --------------------------------------------------------------------------------

def ineligibility_reasons(answers: dict) -> list[str]:
    """Why someone cannot apply online, in plain words with what to do instead (empty: they can)."""
    reasons = []
    if answers.get("has_national_id") == "no":
        reasons.append(_("Without a national identification number we cannot confirm your nationality online. "
                         "Apply in person at a mission or at the Bureau of Consular Affairs, with proof of your "
                         "nationality."))
    if answers.get("passport_damaged") == "yes":
        reasons.append(_("A damaged passport has to be examined. Bring it in person to a mission or a domestic "
                         "office when you apply."))
    if answers.get("chinese_name_changed") == "yes":
        reasons.append(_("A new Chinese name is checked against your household registration. Apply in person with "
                         "a household registration transcript issued in the last three months."))
    if answers.get("lawful_residence") == "no":
        reasons.append(_("If you do not have a valid visa or residence permit where you live, the mission needs to "
                         "see you. Contact the mission serving the country you are in."))
    return reasons


# --- drafts -------------------------------------------------------------------------------------

def steps_for(application_type: ApplicationType) -> tuple[str, ...]:
    """The form's steps for a kind of application: the type decides the questions asked."""
    skipped = set()
    if not application_type.asks_previous_passport:
        skipped.add("previous")
    if application_type is not ApplicationType.MINOR:
        skipped.add("guardian")
    return tuple(step for step in STEPS if step not in skipped)


def create_draft(session, *, applicant, application_type: str) -> PassportApplication:
    draft = PassportApplication(token=secrets.token_hex(16), applicant_id=applicant.id,
                                application_type=ApplicationType(application_type), email=applicant.email)
    session.add(draft)
    session.flush()
    return draft


def draft_by_token(session, token: str) -> PassportApplication | None:
    return session.scalar(sa.select(PassportApplication).where(PassportApplication.token == token))


def list_drafts(session, user) -> list[PassportApplication]:
    """The citizen's unsent applications, newest first (for My cases)."""
    return list(session.scalars(sa.select(PassportApplication).where(
        PassportApplication.applicant_id == user.id, PassportApplication.state == DraftState.DRAFT)
        .order_by(PassportApplication.updated_at.desc())))


def form_data(draft: PassportApplication) -> dict:
    """The draft's answers as the step forms show them (identifiers decrypted for their owner)."""
    def day(value):
        return value.isoformat() if value else None

    return {
        "application_type": draft.application_type.value, "national_id": draft.national_id,
        "name_zh": draft.name_zh, "name_latin": draft.name_latin, "name_changed": draft.name_changed,
        "birth_date": day(draft.birth_date), "birth_place": draft.birth_place,
        "sex": draft.sex.value if draft.sex else None,
        "height_cm": str(draft.height_cm) if draft.height_cm else None, "email": draft.email,
        "phone": draft.phone, "address": draft.address, "previous_number": draft.previous_number,
        "previous_expiry": day(draft.previous_expiry), "lost_on": day(draft.lost_on), "lost_where": draft.lost_where,
        "police_reported": None if draft.police_reported is None else ("yes" if draft.police_reported else "no"),
        "guardian_name": draft.guardian_name, "guardian_relationship": draft.guardian_relationship,
        "guardian_consent": draft.guardian_consent, "pickup": pickup_value(draft),
    }


def pickup_value(draft: PassportApplication) -> str | None:
    if draft.pickup_office:
        return f"office:{draft.pickup_office}"
    if draft.pickup_mission is not None:
        return f"mission:{draft.pickup_mission.code}"
    return None


def pickup_name(draft: PassportApplication, chinese: bool) -> str:
    if draft.pickup_office:
        return DOMESTIC_OFFICES[draft.pickup_office][0 if chinese else 1]
    return draft.pickup_mission.name(chinese) if draft.pickup_mission else ""


def _age_matches_type(draft: PassportApplication, birth_date: date, now: datetime | None) -> None:
    age = age_on(birth_date, today(now))
    if draft.application_type is ApplicationType.MINOR and age >= ADULT_AGE:
        raise PassportError(_("The applicant is 18 or over: change the kind of application to an adult one."),
                            field="birth_date")
    if draft.application_type is not ApplicationType.MINOR and age < ADULT_AGE:
        raise PassportError(_("Applicants under 18 need a minor's passport: change the kind of application."),
                            field="birth_date")


def _save_type(session, draft, data, now):
    draft.application_type = ApplicationType(data["application_type"])


def _save_identity(session, draft, data, now):
    _age_matches_type(draft, data["birth_date"], now)
    draft.national_id = data["national_id"]
    draft.name_zh, draft.name_latin = data["name_zh"], data["name_latin"]
    draft.name_changed = bool(data.get("name_changed")) and draft.application_type is ApplicationType.RENEWAL
    draft.birth_date, draft.birth_place = data["birth_date"], data["birth_place"]
    draft.sex, draft.height_cm = Sex(data["sex"]), int(data["height_cm"])


def _save_contact(session, draft, data, now):
    draft.email, draft.phone, draft.address = data["email"], data["phone"], data["address"]


def _save_previous(session, draft, data, now):
    draft.previous_number, draft.previous_expiry = data["previous_number"], data["previous_expiry"]
    if draft.application_type is ApplicationType.REPLACEMENT:
        draft.lost_on, draft.lost_where = data["lost_on"], data["lost_where"]
        draft.police_reported = data["police_reported"] == "yes"
    if renewal_name_differs(session, draft):
        raise PassportError(_("Your name in Latin letters does not match the passport with this number. Correct "
                              "the name, or declare that it has changed, on the step “About you”."),
                            field="previous_number")


def _save_guardian(session, draft, data, now):
    draft.guardian_name, draft.guardian_relationship = data["guardian_name"], data["guardian_relationship"]
    draft.guardian_consent = bool(data["guardian_consent"])


def _save_pickup(session, draft, data, now):
    kind, _colon, code = (data["pickup"] or "").partition(":")
    if kind == "office" and code in DOMESTIC_OFFICES:
        draft.pickup_office, draft.pickup_mission_id = code, None
        return
    mission = session.scalar(sa.select(Mission).where(Mission.code == code)) if kind == "mission" else None
    if mission is None:
        raise PassportError(_("Choose where you will collect your passport from the list."), field="pickup")
    draft.pickup_office, draft.pickup_mission = None, mission


_SAVERS = {"type": _save_type, "identity": _save_identity, "contact": _save_contact, "previous": _save_previous,
           "guardian": _save_guardian, "pickup": _save_pickup}


def save_step(session, draft: PassportApplication, step: str, data: dict, *, by, now: datetime | None = None) -> None:
    """Keep one step's checked answers on the draft (the form has checked each field).

    Raises:
        PassportError: the draft is not the user's to change, or an answer breaks a rule across steps.
    """
    if not policy.can_edit_passport_draft(by, draft):
        raise PassportError(_("This application has already been sent."))
    _SAVERS[step](session, draft, data, now)
    draft.updated_at = now or utcnow()
    session.flush()


# --- submission ---------------------------------------------------------------------------------

def missing_answers(draft: PassportApplication) -> list[tuple[str, str]]:
    """(step, message) for every step still to answer before the draft can be sent."""
    missing = []
    steps = steps_for(draft.application_type)
    if draft.national_id_cipher is None or draft.birth_date is None:
        missing.append(("identity", _("Answer the questions about you.")))
    if not draft.phone or not draft.address:
        missing.append(("contact", _("Give your contact details.")))
    if "previous" in steps and (draft.previous_number_cipher is None or draft.previous_expiry is None
                                or (draft.application_type is ApplicationType.REPLACEMENT and not draft.lost_where)):
        missing.append(("previous", _("Tell us about your previous passport.")))
    if "guardian" in steps and not draft.guardian_consent:
        missing.append(("guardian", _("Give the consent of a parent or legal guardian.")))
    if not draft.pickup_office and draft.pickup_mission_id is None:
        missing.append(("pickup", _("Choose where you will collect your passport.")))
    if draft.photo_id is None:
        missing.append(("photo", _("Upload your photo.")))
    return missing


def _clear_unasked(draft: PassportApplication) -> None:
    """Answers to questions the final kind of application does not ask are not kept."""
    steps = steps_for(draft.application_type)
    if "previous" not in steps:
        draft.previous_number, draft.previous_expiry = None, None
    if draft.application_type is not ApplicationType.REPLACEMENT:
        draft.lost_on = draft.lost_where = draft.police_reported = None
    if "guardian" not in steps:
        draft.guardian_name = draft.guardian_relationship = None
        draft.guardian_consent = False


def _handling_mission_id(session, draft: PassportApplication) -> int:
    """The mission that handles the case: the pickup mission, or headquarters for a domestic office."""
    if draft.pickup_mission_id is not None:
        return draft.pickup_mission_id
    from portal.feedback.service import headquarters

    return headquarters(session).id


def submit(session, draft: PassportApplication, *, by, now: datetime | None = None) -> tuple[Case, bool]:
    """Turn a complete draft into a case with its fee, and acknowledge it by email. Returns (case,
    created): sending the same draft again returns the case it already made.

    Raises:
        PassportError: not the user's draft, answers missing, a rule broken, or today's cap reached.
    """
    if draft.case_id is not None and draft.applicant_id == getattr(by, "id", None):
        return draft.case, False
    if not policy.can_edit_passport_draft(by, draft):
        raise PassportError(_("This application has already been sent."))
    missing = missing_answers(draft)
    if missing:
        raise PassportError(missing[0][1], step=missing[0][0])
    now = now or utcnow()
    _age_matches_type(draft, draft.birth_date, now)
    if renewal_name_differs(session, draft):
        raise PassportError(_("Your name in Latin letters does not match your previous passport."), step="identity")
    reopens = cap_reopens_at(session, now)
    if reopens is not None:
        raise PassportError(_("Today's online applications are full. Your application is saved: you can send it "
                              "from %(time)s (Taipei time).", time=_format_moment(reopens)))
    _clear_unasked(draft)
    fee = fee_for(draft.application_type, draft.birth_date, on=today(now))
    try:
        case, created = open_case(session, kind=PASSPORT, mission_id=_handling_mission_id(session, draft),
                                  applicant=by, summary=f"{draft.application_type.title}: {draft.name_zh}",
                                  idempotency_key=f"passport-{draft.token}", now=now, notify=False)
    except CaseError as error:
        raise PassportError(str(error)) from error
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


def renewal_name_differs(session, draft: PassportApplication) -> bool:
    """A renewal whose previous passport was issued here must keep its name, unless a change is declared."""
    if draft.application_type is not ApplicationType.RENEWAL or draft.name_changed \
            or draft.previous_number_hash is None or not draft.name_latin:
        return False
    previous = session.scalar(sa.select(PassportApplication).where(
        PassportApplication.passport_number_hash == draft.previous_number_hash))
    return previous is not None and previous.name_latin != draft.name_latin


def case_by_reference(session, reference: str) -> Case | None:
    return session.scalar(sa.select(Case).where(Case.reference == normalise_reference(reference),
                                                Case.kind == PASSPORT))


def after_transition(session, case, event, *, by) -> None:
    """Hooked into every move of a passport case: printing assigns the number and builds the MRZ."""
    if event.action == PRINT:
        assign_passport(session, detail_for(session, case), at=event.at)


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
    number = new_passport_number(session)
    issued = today(at)
    application.passport_number = number
    application.issued_on = issued
    application.expires_on = add_years(issued, application.validity_years)
    zone = mrz.td3(surname=application.surname_latin, given_names=application.given_names_latin, number=number,
                   nationality=NATIONALITY, birth_date=application.birth_date, sex=application.sex.value,
                   expiry_date=application.expires_on, personal_number=application.national_id)
    application.mrz_lines = zone.lines
    session.flush()
