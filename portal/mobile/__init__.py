"""Mobile consular service days (行動領務): missions plan days at venues where nationals live and
travel; citizens see them, subscribe to their calendars and book a place per service, with a
waiting list; on the day staff check people in, hand out walk-in tickets and record each service
performed as a case."""

from portal.core.cases.registry import register_kind
from portal.mobile import notices  # noqa: F401  (registers the jobs that tell people of changes)
from portal.mobile import on_the_day
from portal.mobile.workflow import MOBILE_WORKFLOW

def _summarise(facts: dict) -> str:
    """“Passport renewal · 3 December 2026 · Sendai” in the reader's language."""
    from datetime import date

    from portal.core.i18n import format_day
    from portal.mobile.models import MobileService

    return " · ".join((str(MobileService(facts["service"]).title), format_day(date.fromisoformat(facts["day"])),
                       facts["city"]))


register_kind(MOBILE_WORKFLOW, detail_template="mobile/_detail.html", load_detail=on_the_day.served_by,
              summarise=_summarise)
