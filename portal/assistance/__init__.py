"""Emergency assistance for nationals abroad (急難救助): a case kind that jumps the queue."""

from portal.assistance.workflow import ASSISTANCE_WORKFLOW
from portal.core.cases.registry import register_kind


def _load_detail(session, case):
    from portal.assistance.service import detail_for

    return detail_for(session, case)


def _contact(session, case):
    """A reporter without an account who gave an email address."""
    detail = _load_detail(session, case)
    return (detail.email, None) if detail is not None and detail.email else None


def _summarise(facts: dict) -> str:
    """“Lost or stolen passport · Thailand · Bangkok, Sukhumvit soi 11” in the reader's language."""
    from portal.assistance.models import Situation
    from portal.core.i18n import is_chinese
    from portal.missions.service import country_name

    return " · ".join((str(Situation(facts["situation"]).title), country_name(facts["country"], is_chinese()),
                       facts["location"]))


def _find(text: str):
    """Requests by the name or address the person in trouble gave (most have no account)."""
    import sqlalchemy as sa

    from portal.assistance.models import AssistanceRequest

    if len(text) < 2:
        return None
    return sa.select(AssistanceRequest.case_id).where(sa.or_(
        AssistanceRequest.name.icontains(text, autoescape=True),
        AssistanceRequest.email.icontains(text, autoescape=True)))


register_kind(ASSISTANCE_WORKFLOW, detail_template="assistance/_detail.html", load_detail=_load_detail,
              contact=_contact, summarise=_summarise, find=_find)
