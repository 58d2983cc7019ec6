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


register_kind(ASSISTANCE_WORKFLOW, detail_template="assistance/_detail.html", load_detail=_load_detail,
              contact=_contact)
