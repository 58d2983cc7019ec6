"""The director-general's mailbox workflow, as data.

received → assigned (to a mission or a headquarters unit) → reply drafted → reply approved by a
supervisor → answered → closed. A writer without an account starts one step earlier, at
"unconfirmed", until they open the link we email them. Within 14 days of the answer the writer
may answer back, which puts the message back to "assigned".
"""

from portal.core.cases.workflow import APPLICANT, SYSTEM, Status, Transition, Workflow
from portal.core.i18n import _l, lazy_pgettext
from portal.core.roles import Role

MAILBOX = "mailbox"
#: calendar days after the answer in which the writer may answer back
ANSWER_BACK_DAYS = 14

MAILBOX_WORKFLOW = Workflow(
    kind=MAILBOX,
    prefix="DGM",
    title=_l("Director-General's mailbox"),
    initial="unconfirmed",
    sla_working_days=6,
    sla_setting="MAILBOX_SLA_DAYS",
    statuses=(
        Status("unconfirmed", lazy_pgettext("status", "Waiting for email confirmation"), waits_on_citizen=True,
               hidden_from_queue=True),
        Status("received", lazy_pgettext("status", "Received")),
        Status("assigned", lazy_pgettext("status", "Assigned")),
        Status("drafted", lazy_pgettext("status", "Reply drafted")),
        Status("approved", lazy_pgettext("status", "Reply approved")),
        # The answer is out: the service-level clock stops while the writer may still answer back.
        Status("answered", lazy_pgettext("status", "Answered"), waits_on_citizen=True, is_decision=True),
        Status("closed", lazy_pgettext("status", "Closed"), is_closed=True),
    ),
    transitions=(
        Transition("confirm", ("unconfirmed",), "received", _l("Confirm the email address"),
                   frozenset({APPLICANT}), own_form=True),
        Transition("assign", ("received", "assigned"), "assigned", _l("Assign to a mission or unit"),
                   frozenset({Role.STAFF}), own_form=True, internal=True),
        Transition("draft", ("assigned",), "drafted", _l("Draft the reply"),
                   frozenset({Role.STAFF}), own_form=True, internal=True),
        # Four eyes: a supervisor who drafted the reply themselves has it approved by another.
        Transition("approve", ("drafted",), "approved", _l("Approve the reply"),
                   frozenset({Role.SUPERVISOR}), needs_claim=False, internal=True, not_by_whoever_took="draft"),
        Transition("send_back", ("drafted",), "assigned", _l("Send the draft back for changes"),
                   frozenset({Role.SUPERVISOR}), needs_claim=False, internal=True, note_required=True),
        Transition("send_reply", ("approved",), "answered", _l("Send the approved reply"),
                   frozenset({Role.STAFF}), needs_claim=False, own_form=True),
        Transition("answer_back", ("answered",), "assigned", _l("Answer back"),
                   frozenset({APPLICANT}), note_required=True, window_days=ANSWER_BACK_DAYS),
        Transition("close", ("received", "assigned", "answered"), "closed", _l("Close this message"),
                   frozenset({Role.STAFF}), irreversible=True),
        Transition("expire", ("answered",), "closed", _l("Close after the time to answer back"),
                   frozenset({SYSTEM}), needs_claim=False, invites_survey=True),
    ),
    notes_shown_apart=frozenset({"send_reply"}),
)
