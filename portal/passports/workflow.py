"""The passport application workflow, as data."""

from portal.core.cases.workflow import APPLICANT, Status, Transition, Workflow
from portal.core.i18n import _l, lazy_pgettext
from portal.core.roles import Role

PASSPORT = "passport"
#: the move that assigns the passport number and builds the machine-readable zone
READY = "ready"
PRINT = "print"

_OPEN_FOR_REVIEW = ("submitted", "resubmitted")

PASSPORT_WORKFLOW = Workflow(
    kind=PASSPORT,
    prefix="PPT",
    title=_l("Passport application"),
    initial="submitted",
    sla_working_days=10,
    statuses=(
        Status("submitted", lazy_pgettext("status", "Received")),
        Status("info_requested", lazy_pgettext("status", "More information needed"), waits_on_citizen=True,
               staff_title=lazy_pgettext("staff status", "Waiting for more information")),
        Status("resubmitted", lazy_pgettext("status", "Information sent"),
               staff_title=lazy_pgettext("staff status", "Information received")),
        Status("approved", lazy_pgettext("status", "Approved"), is_decision=True),
        Status("printed", lazy_pgettext("status", "Printed")),
        Status("ready", lazy_pgettext("status", "Ready for pickup")),
        Status("collected", lazy_pgettext("status", "Collected"), is_closed=True),
        Status("rejected", lazy_pgettext("status", "Rejected"), is_closed=True),
    ),
    transitions=(
        Transition("request_info", _OPEN_FOR_REVIEW, "info_requested", _l("Ask the citizen for more information"),
                   frozenset({Role.STAFF}), note_required=True, notify_applicant=True),
        Transition("resubmit", ("info_requested",), "resubmitted", _l("Send your reply"), frozenset({APPLICANT}),
                   note_required=True),
        Transition("approve", _OPEN_FOR_REVIEW, "approved", _l("Approve the application"), frozenset({Role.STAFF}),
                   notify_applicant=True),
        Transition(PRINT, ("approved",), "printed", _l("Record the passport as printed"), frozenset({Role.STAFF})),
        # The kind writes its own "ready" mail: where, when, what to bring, the fee, until when it is kept.
        Transition(READY, ("printed",), "ready", _l("Mark as ready for pickup"), frozenset({Role.STAFF})),
        Transition("collect", ("ready",), "collected", _l("Record the collection"), frozenset({Role.STAFF}),
                   invites_survey=True),
        Transition("reject", (*_OPEN_FOR_REVIEW, "info_requested", "approved"), "rejected", _l("Reject"),
                   frozenset({Role.STAFF}), note_required=True, notify_applicant=True, irreversible=True),
    ),
)
