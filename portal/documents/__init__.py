"""Document authentication (文件證明): requests with scans, a verification record per issued copy
with its own code and signed QR sticker, revocation, and the public check at /verify."""

from portal.core.cases.registry import register_kind
from portal.documents.workflow import DOCUMENT_WORKFLOW


def _load_detail(session, case):
    from portal.documents.service import checks_per_record, detail_for

    detail = detail_for(session, case)
    if detail is not None:
        detail.check_counts = checks_per_record(session, [record.id for record in detail.records])
    return detail


def _after_transition(session, case, event, *, by):
    from portal.documents.service import after_transition

    after_transition(session, case, event, by=by)


def _summarise(facts: dict) -> str:
    """“Diploma ×2, Birth certificate ×1”, or “畢業證書 ×2、出生證明 ×1”."""
    from portal.core.i18n import is_chinese
    from portal.documents.models import DocumentType

    separator = "、" if is_chinese() else ", "
    return separator.join(f"{DocumentType(kind).title} ×{copies}" for kind, copies in facts["documents"])


def _remedies(session, case) -> list[tuple[str, str]]:
    """Asked for more information, the applicant adds scans (a clearer copy, a missing page)."""
    from flask import url_for
    from flask_login import current_user

    from portal.core.i18n import _
    from portal.documents.service import can_add_scans

    if not can_add_scans(current_user, case):
        return []
    return [(_("Add scans of your documents"), url_for("documents.add_scans", reference=case.reference))]


register_kind(DOCUMENT_WORKFLOW, detail_template="documents/_detail.html", load_detail=_load_detail,
              after_transition=_after_transition, summarise=_summarise, remedies=_remedies)
