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


register_kind(PASSPORT_WORKFLOW, detail_template="passports/_detail.html", load_detail=_load_detail,
              after_transition=_after_transition)
