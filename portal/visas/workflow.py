"""The visitor visa workflow, as data."""

from portal.core.cases.workflow import APPLICANT, Status, Transition, Workflow
from portal.core.i18n import _l, lazy_pgettext
from portal.core.roles import Role

VISA = "visa"
#: the move that issues the visa: its number, zone and verification code
APPROVE = "approve"
#: the applicant added scans while the mission waited on them
ADD_FILES = "add_files"

_OPEN_FOR_REVIEW = ("submitted", "resubmitted")

VISA_WORKFLOW = Workflow(
    kind=VISA,
    prefix="VIS",
    title=_l("Visitor visa application"),
    initial="submitted",
    sla_working_days=5,
    statuses=(
        Status("submitted", lazy_pgettext("status", "Received")),
        Status("info_requested", lazy_pgettext("status", "More information needed"), waits_on_citizen=True,
               staff_title=lazy_pgettext("staff status", "Waiting for more information")),
        Status("resubmitted", lazy_pgettext("status", "Information sent"),
               staff_title=lazy_pgettext("staff status", "Information received")),
        Status("approved", lazy_pgettext("status", "Approved: visa issued"), is_closed=True),
        Status("refused", lazy_pgettext("status", "Refused"), is_closed=True),
    ),
    transitions=(
        Transition("request_info", _OPEN_FOR_REVIEW, "info_requested", _l("Ask the applicant for more information"),
                   frozenset({Role.STAFF}), note_required=True, notify_applicant=True),
        Transition("resubmit", ("info_requested",), "resubmitted", _l("Send your reply"), frozenset({APPLICANT}),
                   note_required=True),
        # The kind writes its own mail on approval: the visa's number, validity and verification code.
        Transition(APPROVE, _OPEN_FOR_REVIEW, "approved", _l("Approve and issue the visa"), frozenset({Role.STAFF}),
                   invites_survey=True, irreversible=True),
        Transition("refuse", (*_OPEN_FOR_REVIEW, "info_requested"), "refused", _l("Refuse, with the reason"),
                   frozenset({Role.STAFF}), note_required=True, notify_applicant=True, irreversible=True),
    ),
    event_titles={ADD_FILES: _l("Scans added")},
)
