"""The document authentication workflow, as data."""

from portal.core.cases.workflow import APPLICANT, Status, Transition, Workflow
from portal.core.i18n import _l, lazy_pgettext
from portal.core.roles import Role

DOCUMENT = "document"
#: express requests are due this many working days after submission instead of the standard
EXPRESS_WORKING_DAYS = 1
#: the move that creates one verification record per copy
ISSUE = "issue"
#: a supervisor withdrew issued authentications (not a move: the case keeps its status)
REVOKE = "revoke"
#: the citizen added scans while the mission waited on them
ADD_FILES = "add_files"

_OPEN_FOR_REVIEW = ("submitted", "resubmitted")

DOCUMENT_WORKFLOW = Workflow(
    kind=DOCUMENT,
    prefix="DOC",
    title=_l("Document authentication"),
    initial="submitted",
    sla_working_days=3,
    statuses=(
        Status("submitted", lazy_pgettext("status", "Received")),
        Status("info_requested", lazy_pgettext("status", "More information needed"), waits_on_citizen=True,
               staff_title=lazy_pgettext("staff status", "Waiting for more information")),
        Status("resubmitted", lazy_pgettext("status", "Information sent"),
               staff_title=lazy_pgettext("staff status", "Information received")),
        Status("verified", lazy_pgettext("status", "Documents checked")),
        Status("authenticated", lazy_pgettext("status", "Authenticated")),
        Status("issued", lazy_pgettext("status", "Issued"), is_decision=True),
        Status("closed", lazy_pgettext("status", "Closed"), is_closed=True),
        Status("rejected", lazy_pgettext("status", "Rejected"), is_closed=True),
    ),
    transitions=(
        Transition("request_info", (*_OPEN_FOR_REVIEW, "verified"), "info_requested",
                   _l("Ask the citizen for more information"), frozenset({Role.STAFF}), note_required=True,
                   notify_applicant=True),
        Transition("resubmit", ("info_requested",), "resubmitted", _l("Send your reply"), frozenset({APPLICANT}),
                   note_required=True),
        Transition("verify", _OPEN_FOR_REVIEW, "verified", _l("Mark the documents as checked"),
                   frozenset({Role.STAFF})),
        Transition("authenticate", ("verified",), "authenticated", _l("Authenticate"), frozenset({Role.STAFF})),
        # The kind writes its own mail on issue: where and how to collect them, or that they are posted.
        Transition(ISSUE, ("authenticated",), "issued", _l("Issue the stickers"), frozenset({Role.STAFF}),
                   invites_survey=True),
        Transition("close", ("issued",), "closed", _l("Close: collected or posted"), frozenset({Role.STAFF}),
                   irreversible=True),
        Transition("reject", (*_OPEN_FOR_REVIEW, "info_requested", "verified", "authenticated"), "rejected",
                   _l("Reject"), frozenset({Role.STAFF}), note_required=True, notify_applicant=True,
                   irreversible=True),
    ),
    event_titles={
        REVOKE: _l("Authentication revoked"),
        ADD_FILES: _l("Scans added"),
    },
)
