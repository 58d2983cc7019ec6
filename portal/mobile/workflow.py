"""A service performed at a mobile service day, as a case: opened when the officer records it, so
the queue, the statistics and the satisfaction survey follow it like any other service."""

from portal.core.cases.workflow import Status, Transition, Workflow
from portal.core.i18n import _l, lazy_pgettext
from portal.core.roles import Role

MOBILE = "mobile"

MOBILE_WORKFLOW = Workflow(
    kind=MOBILE,
    prefix="MCS",
    title=_l("Mobile consular service"),
    initial="received",
    statuses=(
        # An application or documents taken at the venue, to be finished at the mission.
        Status("received", lazy_pgettext("status", "Received at a mobile service")),
        Status("completed", lazy_pgettext("status", "Completed"), is_closed=True),
    ),
    transitions=(
        Transition("complete", ("received",), "completed", _l("Record the service as completed"),
                   frozenset({Role.STAFF}), notify_applicant=True, invites_survey=True),
    ),
    # A passport renewed or documents authenticated at a mobile service are mailed within this time.
    sla_working_days=10,
    event_titles={"mobile_service": _l("Served at a mobile service")},
)
