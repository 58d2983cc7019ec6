"""The enquiry workflow, as data."""

from portal.core.cases.workflow import APPLICANT, Status, Transition, Workflow
from portal.core.i18n import _l, lazy_pgettext
from portal.core.roles import Role

ENQUIRY = "enquiry"

ENQUIRY_WORKFLOW = Workflow(
    kind=ENQUIRY,
    prefix="ENQ",
    title=_l("General enquiry"),
    initial="submitted",
    sla_working_days=5,
    statuses=(
        Status("submitted", lazy_pgettext("status", "Received")),
        Status("in_progress", lazy_pgettext("status", "Being handled")),
        Status("awaiting_citizen", lazy_pgettext("status", "Waiting for your reply"), waits_on_citizen=True,
               staff_title=lazy_pgettext("staff status", "Waiting for the citizen")),
        Status("answered", lazy_pgettext("status", "Answered"), is_closed=True),
        Status("withdrawn", lazy_pgettext("status", "Withdrawn"), is_closed=True),
    ),
    transitions=(
        Transition("start", ("submitted",), "in_progress", _l("Start handling"), frozenset({Role.STAFF}),
                   notify_applicant=True),
        Transition("request_info", ("in_progress",), "awaiting_citizen", _l("Ask the citizen for more information"),
                   frozenset({Role.STAFF}), note_required=True, notify_applicant=True),
        Transition("reply", ("awaiting_citizen",), "in_progress", _l("Send your reply"),
                   frozenset({APPLICANT}), note_required=True),
        Transition("answer", ("in_progress",), "answered", _l("Send the answer and close"),
                   frozenset({Role.STAFF}), note_required=True, notify_applicant=True, invites_survey=True),
        Transition("withdraw", ("submitted", "in_progress", "awaiting_citizen"), "withdrawn",
                   _l("Withdraw this enquiry"), frozenset({APPLICANT}), irreversible=True),
    ),
)
