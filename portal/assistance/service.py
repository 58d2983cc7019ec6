"""Asking for emergency help. Flushes; never commits."""

import sqlalchemy as sa

from portal.assistance.models import AssistanceRequest, Situation
from portal.assistance.workflow import ASSISTANCE
from portal.core.cases import links
from portal.core.cases.models import EMERGENCY_PRIORITY, Case, CaseEvent
from portal.core.cases.service import open_case
from portal.core.i18n import _
from portal.core.outbox import queue_email
from portal.core.refusal import Refused
from portal.missions.service import country_by_code, covering_mission, fallback_mission

MAX_DETAILS = 3000


def request_assistance(session, *, applicant, situation: str, country_code: str, location: str, name: str,
                       phone: str, email: str, details: str, locale: str, submission_token: str | None):
    """Open an emergency case at the mission covering the country, above everything in the queue."""
    if situation not in {s.value for s in Situation}:
        raise Refused(_("Choose what has happened."), field="situation")
    country = country_by_code(session, country_code)
    if country is None or country.code == "TW":
        raise Refused(_("Choose the country you are in from the list."), field="country_code")
    mission = covering_mission(session, country.code) or fallback_mission(session)
    email = (email or "").strip().lower()
    case, created = open_case(session, kind=ASSISTANCE, mission_id=mission.id, applicant=applicant,
                              summary=f"{country.code} · {location}"[:200], idempotency_key=submission_token,
                              priority=EMERGENCY_PRIORITY,
                              summary_facts={"situation": situation, "country": country.code, "location": location})
    if created:
        session.add(AssistanceRequest(case_id=case.id, situation=Situation(situation), country_code=country.code,
                                      location=location, name=name, phone=phone, email=email,
                                      details=details))
        session.flush()
        if applicant is None and email:
            queue_email(session, to=email, locale=locale, template="assistance_received", case=case,
                        mission=mission, token=links.follow_token(ASSISTANCE, case.id, email))
    return case, created


def case_for_link(session, token: str) -> tuple[Case, AssistanceRequest] | None:
    """The request a follow link opens (a reporter without an account who gave an email address), or
    None when the link is forged, expired or not for it."""
    found = links.followed_case(session, ASSISTANCE, token)
    if found is None:
        return None
    case, email = found
    detail = detail_for(session, case)
    return (case, detail) if detail is not None and detail.email == email else None


def detail_for(session, case) -> AssistanceRequest | None:
    return session.scalar(sa.select(AssistanceRequest).where(AssistanceRequest.case_id == case.id))


def minutes_to_first_contact(session, case: Case) -> float | None:
    """From the report to the first recorded contact: a figure for the statistics."""
    contacted = session.scalar(sa.select(sa.func.min(CaseEvent.at)).where(CaseEvent.case_id == case.id,
                                                                           CaseEvent.action == "contact"))
    return (contacted - case.submitted_at).total_seconds() / 60 if contacted else None
