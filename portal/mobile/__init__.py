"""Mobile consular service days (行動領務): missions plan days at venues where nationals live and
travel; citizens see them, subscribe to their calendars and book a place per service, with a
waiting list; on the day staff check people in, hand out walk-in tickets and record each service
performed as a case."""

from portal.core.cases.registry import register_kind
from portal.mobile import service
from portal.mobile.workflow import MOBILE_WORKFLOW

register_kind(MOBILE_WORKFLOW, detail_template="mobile/_detail.html", load_detail=service.served_by)
