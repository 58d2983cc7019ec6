"""The emergency assistance workflow: reported → contacted → assisting → closed."""

from portal.core.cases.workflow import Status, Transition, Workflow
from portal.core.i18n import _l, lazy_pgettext
from portal.core.roles import Role

ASSISTANCE = "assistance"

ASSISTANCE_WORKFLOW = Workflow(
    kind=ASSISTANCE,
    prefix="EMG",
    title=_l("Emergency assistance"),
    initial="reported",
    sla_working_days=1,
    first_contact_action="contact",
    statuses=(
        Status("reported", lazy_pgettext("status", "Reported")),
        Status("contacted", lazy_pgettext("status", "We have contacted you"),
               staff_title=lazy_pgettext("staff status", "Contacted")),
        Status("assisting", lazy_pgettext("status", "Assisting")),
        Status("closed", lazy_pgettext("status", "Closed"), is_closed=True),
    ),
    transitions=(
        # Anyone on duty may make first contact at once, without claiming first.
        Transition("contact", ("reported",), "contacted", _l("Record first contact"), frozenset({Role.STAFF}),
                   note_required=True, notify_applicant=True, needs_claim=False),
        Transition("assist", ("contacted",), "assisting", _l("Start assisting"), frozenset({Role.STAFF}),
                   notify_applicant=True),
        Transition("close", ("contacted", "assisting"), "closed", _l("Close the case"), frozenset({Role.STAFF}),
                   note_required=True, notify_applicant=True, invites_survey=True, irreversible=True),
    ),
)
