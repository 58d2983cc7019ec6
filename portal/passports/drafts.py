"""Passport drafts: made after the eligibility check, answered step by step (each step saved), and
checked for what is still missing. Flushes; never commits."""

import secrets
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from portal.core import policy
from portal.core.db import utcnow
from portal.core.i18n import _
from portal.core.refusal import Refused
from portal.core.workdays import taipei_today
from portal.missions.models import Mission, map_link
from portal.missions.service import Place, place_of
from portal.passports.models import ApplicationType, DraftState, PassportApplication, Sex
from portal.passports.rules import ADULT_AGE, age_on

#: domestic offices of the Bureau of Consular Affairs where a passport can be collected
#: the ministry's passport counters in Taiwan: names and addresses in both languages
DOMESTIC_OFFICES = {
    "taipei": ("外交部領事事務局（臺北）", "Bureau of Consular Affairs, Taipei",
               "臺北市中正區濟南路一段2之2號3樓", "3F, No. 2-2, Sec. 1, Jinan Rd., Zhongzheng Dist., Taipei City"),
    "central": ("外交部中部辦事處（臺中）", "Central Taiwan Office, Taichung",
                "臺中市南屯區黎明路二段503號1樓", "1F, No. 503, Sec. 2, Liming Rd., Nantun Dist., Taichung City"),
    "southwestern": ("外交部雲嘉南辦事處（嘉義）", "Yunlin-Chiayi-Tainan Office, Chiayi",
                     "嘉義市東區吳鳳北路184號2樓之1", "2F-1, No. 184, Wufeng N. Rd., East Dist., Chiayi City"),
    "southern": ("外交部南部辦事處（高雄）", "Southern Taiwan Office, Kaohsiung",
                 "高雄市前鎮區成功二路6號3樓", "3F, No. 6, Chenggong 2nd Rd., Qianzhen Dist., Kaohsiung City"),
    "eastern": ("外交部東部辦事處（花蓮）", "Eastern Taiwan Office, Hualien",
                "花蓮縣花蓮市中山路371號6樓", "6F, No. 371, Zhongshan Rd., Hualien City, Hualien County"),
}
OFFICE_HOURS_ZH = "週一至週五 8:30–17:00（國定假日休息）"
OFFICE_HOURS_EN = "Monday to Friday, 8:30–17:00 (closed on public holidays)"

STEPS = ("type", "identity", "contact", "previous", "guardian", "pickup", "photo")


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


def pickup_place(draft: PassportApplication, chinese: bool) -> Place | None:
    """Where the passport is collected: name, address, opening hours and a map."""
    if draft.pickup_office:
        name_zh, name_en, address_zh, address_en = DOMESTIC_OFFICES[draft.pickup_office]
        address = address_zh if chinese else address_en
        return Place(name_zh if chinese else name_en, address, OFFICE_HOURS_ZH if chinese else OFFICE_HOURS_EN,
                     map_link(address_zh))
    return place_of(draft.pickup_mission, chinese) if draft.pickup_mission else None


def age_matches_type(draft: PassportApplication, birth_date: date, now: datetime | None) -> None:
    age = age_on(birth_date, taipei_today(now))
    if draft.application_type is ApplicationType.MINOR and age >= ADULT_AGE:
        raise Refused(_("The applicant is 18 or over: change the kind of application to an adult one."),
                      field="birth_date")
    if draft.application_type is not ApplicationType.MINOR and age < ADULT_AGE:
        raise Refused(_("Applicants under 18 need a minor's passport: change the kind of application."),
                      field="birth_date")


def _save_type(session, draft, data, now):
    draft.application_type = ApplicationType(data["application_type"])


def _save_identity(session, draft, data, now):
    age_matches_type(draft, data["birth_date"], now)
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
        raise Refused(_("Your name in Latin letters does not match the passport with this number. Correct "
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
        raise Refused(_("Choose where you will collect your passport from the list."), field="pickup")
    draft.pickup_office, draft.pickup_mission = None, mission


_SAVERS = {"type": _save_type, "identity": _save_identity, "contact": _save_contact, "previous": _save_previous,
           "guardian": _save_guardian, "pickup": _save_pickup}


def save_step(session, draft: PassportApplication, step: str, data: dict, *, by, now: datetime | None = None) -> None:
    """Keep one step's checked answers on the draft (the form has checked each field).

    Raises:
        Refused: the draft is not the user's to change, or an answer breaks a rule across steps.
    """
    if not policy.can_edit_passport_draft(by, draft):
        raise Refused(_("This application has already been sent."))
    _SAVERS[step](session, draft, data, now)
    draft.updated_at = now or utcnow()
    session.flush()


def renewal_name_differs(session, draft: PassportApplication) -> bool:
    """A renewal whose previous passport was issued here must keep its name, unless a change is declared."""
    if draft.application_type is not ApplicationType.RENEWAL or draft.name_changed \
            or draft.previous_number_hash is None or not draft.name_latin:
        return False
    previous = session.scalar(sa.select(PassportApplication).where(
        PassportApplication.passport_number_hash == draft.previous_number_hash))
    return previous is not None and previous.name_latin != draft.name_latin


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


def clear_unasked(draft: PassportApplication) -> None:
    """Answers to questions the final kind of application does not ask are not kept."""
    steps = steps_for(draft.application_type)
    if "previous" not in steps:
        draft.previous_number, draft.previous_expiry = None, None
    if draft.application_type is not ApplicationType.REPLACEMENT:
        draft.lost_on = draft.lost_where = draft.police_reported = None
    if "guardian" not in steps:
        draft.guardian_name = draft.guardian_relationship = None
        draft.guardian_consent = False


def erase_stale_drafts(session, *, now: datetime | None = None) -> int:
    """Drafts never sent and untouched for PASSPORT_DRAFT_RETENTION_DAYS are erased, with their photos:
    they hold a national ID and a face for no purpose. Returns how many."""
    from flask import current_app

    from portal.core.uploads import Upload

    cutoff = (now or utcnow()) - timedelta(days=current_app.config["PASSPORT_DRAFT_RETENTION_DAYS"])
    stale = session.scalars(sa.select(PassportApplication).where(PassportApplication.case_id.is_(None),
                                                                 PassportApplication.updated_at < cutoff)).all()
    for draft in stale:
        photo_id = draft.photo_id
        session.delete(draft)
        session.flush()
        if photo_id:
            session.execute(sa.delete(Upload).where(Upload.id == photo_id))
    return len(stale)
