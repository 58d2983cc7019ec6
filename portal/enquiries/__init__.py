"""General enquiries: the simplest case kind, a question to a mission answered in writing."""

from portal.core.cases.registry import register_kind
from portal.enquiries.workflow import ENQUIRY_WORKFLOW


def _load_detail(session, case):
    from portal.enquiries.service import detail_for

    return detail_for(session, case)


register_kind(ENQUIRY_WORKFLOW, detail_template="enquiries/_detail.html", load_detail=_load_detail)
