"""Passport applications (護照申請): the citizen's online form with its photo, the staff workflow,
and at printing the passport number and the ICAO 9303 machine-readable zone."""

from portal.core.cases.registry import register_kind
from portal.passports.workflow import PASSPORT_WORKFLOW


def _load_detail(session, case):
    from portal.passports.service import detail_for

    return detail_for(session, case)


def _after_transition(session, case, event, *, by):
    from portal.passports.service import after_transition

    after_transition(session, case, event, by=by)


def _summarise(facts: dict) -> str:
    """“Renewal: LIN, Hsiao-hua (林小華)” for an English reader, “換發：林小華” for a Chinese one."""
    from portal.core.i18n import is_chinese
    from portal.passports.models import ApplicationType

    title, name, latin = ApplicationType(facts["type"]).title, facts["name"], facts.get("latin")
    if is_chinese():
        return f"{title}：{name}"
    return f"{title}: {latin} ({name})" if latin else f"{title}: {name}"


def _find(text: str):
    """Applications with this national ID, found by its keyed hash (nothing is decrypted to search)."""
    import sqlalchemy as sa

    from portal.core.crypto import keyed_hash
    from portal.passports import national_id
    from portal.passports.models import PassportApplication

    number = national_id.normalise(text)
    if national_id.problem(number) is not None:
        return None
    return sa.select(PassportApplication.case_id).where(
        PassportApplication.national_id_hash == keyed_hash(number, purpose="national_id"),
        PassportApplication.case_id.is_not(None))


def _remedies(session, case) -> list[tuple[str, str]]:
    """Asked for more information, the applicant can upload a new photo or change any answer but the
    kind of application, then send the reply from the case page."""
    from flask import url_for

    from portal.core.i18n import _
    from portal.passports import drafts
    from portal.passports.service import detail_for

    application = detail_for(session, case)
    if application is None:
        return []
    labels = {"identity": _("Change your answers: about you"), "contact": _("Change how we can reach you"),
              "previous": _("Change the details of your previous passport"),
              "guardian": _("Change the consent of a parent or guardian"),
              "pickup": _("Change where you will collect it"), "photo": _("Upload a new photo")}
    steps = [step for step in drafts.steps_for(application.application_type) if step in labels]
    return [(labels[step], url_for("passports.step", token=application.token, step=step))
            for step in sorted(steps, key=lambda step: step != "photo")]


register_kind(PASSPORT_WORKFLOW, detail_template="passports/_detail.html", load_detail=_load_detail,
              after_transition=_after_transition, summarise=_summarise, find=_find, remedies=_remedies)
