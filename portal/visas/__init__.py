"""Visas (簽證): the requirements look-up kept by staff with effective dates and a second person's
publication, the visa treatment of Taiwan passport holders abroad, and online visitor visa
applications with the visa's machine-readable zone and a code on the shared /verify check."""

from portal.advisories.public_cache import add_state_source
from portal.core.cases.registry import register_kind
from portal.documents.service import add_verifiable
from portal.visas.workflow import VISA_WORKFLOW


def _public_state(db_session):
    from portal.visas.requirements import public_state

    return public_state(db_session)


# A country's travel advice shows its visa treatment: the cached advice pages change with the rules.
add_state_source(_public_state)


def _load_detail(session, case):
    from portal.visas.service import detail_for

    return detail_for(session, case)


def _after_transition(session, case, event, *, by):
    from portal.visas.service import after_transition

    after_transition(session, case, event, by=by)


def _summarise(facts: dict) -> str:
    """“Tourism: SMITH, Anna” in the reader's language."""
    from portal.core.i18n import is_chinese
    from portal.visas.models import Purpose

    separator = "：" if is_chinese() else ": "
    return f"{Purpose(facts['purpose']).title}{separator}{facts['name']}"


def _find(text: str):
    """Applications by passport number, as staff read it off the passport."""
    import sqlalchemy as sa

    from portal.visas.models import VisaApplication

    number = "".join(text.upper().split())
    if not 5 <= len(number) <= 9 or not number.isalnum():
        return None
    return sa.select(VisaApplication.case_id).where(VisaApplication.passport_number == number)


def _remedies(session, case) -> list[tuple[str, str]]:
    """Asked for more information, the applicant adds scans, then replies from the case page."""
    from flask import url_for
    from flask_login import current_user

    from portal.core.i18n import _
    from portal.visas.service import can_add_scans

    if not can_add_scans(current_user, case):
        return []
    return [(_("Add scans"), url_for("visas.add_scans", reference=case.reference))]


def _visa_by_code(session, compact):
    from portal.visas.service import visa_by_code

    return visa_by_code(session, compact)


# A visa's code is checked on the same public page as a document authentication's.
add_verifiable(_visa_by_code, "visas/_verified.html")

register_kind(VISA_WORKFLOW, detail_template="visas/_detail.html", load_detail=_load_detail,
              after_transition=_after_transition, summarise=_summarise, find=_find, remedies=_remedies)
