"""Opening cases and moving them through their workflow. Flushes; never commits."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import cast

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import flag_modified

from portal.core import policy
from portal.core.cases import changes, registry  # noqa: F401  # changes: its listeners mark every commit that changes cases
from portal.core.cases.models import Case, CaseEvent
from portal.core.cases.registry import workflow_for
from portal.core.cases.workflow import Transition, Workflow
from portal.core.db import DbSession, utcnow
from portal.core.i18n import _, format_day
from portal.core.outbox import queue_email
from portal.core.policy import Actor, Person
from portal.core.refs import new_reference, normalise_reference
from portal.core.refusal import Refused
from portal.core.workdays import add_working_days, working_days_between


class Rule(StrEnum):
    """Which rule refused a move on a case."""

    #: someone else changed the case since the page was shown
    STALE = "stale"
    #: the action does not start from the case's current status
    WRONG_STATUS = "wrong_status"
    #: this person may not take the action on this case (their part in it, or its own page does it)
    NOT_ALLOWED = "not_allowed"
    #: staff act only on a case they hold
    NOT_HELD = "not_held"
    #: the action was open only for a while after the case reached its status
    WINDOW_PASSED = "window_passed"
    #: a second person must take this step (four eyes)
    SECOND_PERSON = "second_person"
    #: the action needs a note
    NOTE_MISSING = "note_missing"
    #: another officer holds the case
    CLAIMED = "claimed"


class CaseRefused(Refused):
    """A refused move on a case, saying which rule refused it."""

    def __init__(self, message: str, rule: Rule):
        super().__init__(message)
        self.rule = rule


def sla_days(workflow: Workflow) -> int:
    """Working days the kind has to answer: its setting when it names one, else the workflow's own value."""
    if workflow.sla_setting and workflow.sla_setting in current_app.config:
        return int(current_app.config[workflow.sla_setting])
    return workflow.sla_working_days


def submitted_before(session: DbSession, kind: str, idempotency_key: str | None,
                     applicant: Person | None) -> Case | None:
    """The case of this kind an earlier submission of the same form made, if any. Someone else's
    token (a form copied between accounts) is refused rather than answered with their case."""
    if not idempotency_key:
        return None
    existing = session.scalar(sa.select(Case).where(Case.kind == kind, Case.idempotency_key == idempotency_key))
    if existing is not None and existing.applicant_id != (applicant.id if applicant else None):
        raise Refused(_("This form has expired. Submit it again."))
    return existing


def open_case(session: DbSession, *, kind: str, mission_id: int, applicant: Person | None, summary: str,
              idempotency_key: str | None = None, priority: int = 0, now: datetime | None = None,
              status: str | None = None, notify: bool = True, summary_facts: dict | None = None
              ) -> tuple[Case, bool]:
    """Create a case in its workflow's first status (or another of its statuses). Returns (case, created);
    a repeated idempotency key returns the case already made instead of a new one. notify=False leaves
    the acknowledgement email to the kind, when it has more to say than the generic one. summary_facts,
    when the kind registers summarise(), let every reader see the summary in their own language."""
    existing = submitted_before(session, kind, idempotency_key, applicant)
    if existing is not None:
        return existing, False
    workflow = workflow_for(kind)
    now = now or utcnow()
    opening = workflow.status(status or workflow.initial)
    case = Case(kind=kind, reference=new_reference(workflow.prefix), status=opening.name,
                summary=summary[:200], summary_facts=summary_facts, priority=priority, mission_id=mission_id,
                applicant_id=applicant.id if applicant else None, submitted_at=now,
                due_at=add_working_days(now, sla_days(workflow)), idempotency_key=idempotency_key,
                waiting_since=now if opening.waits_on_citizen else None)
    try:
        with session.begin_nested():
            session.add(case)
            session.flush()
    except IntegrityError:
        # Another request with the same key won the race: answer with its case.
        existing = submitted_before(session, kind, idempotency_key, applicant)
        if existing is None:
            raise
        return existing, False
    session.add(CaseEvent(case=case, at=now, actor_id=applicant.id if applicant else None,
                          action="submit", from_status=None, to_status=case.status))
    session.flush()
    if applicant is not None and notify:
        queue_email(session, to=applicant.email, locale=applicant.locale, template="case_received",
                    case=case, workflow=workflow)
    return case, True


def case_by_reference(session: DbSession, reference: str, *, kind: str | None = None) -> Case | None:
    """A case by its reference as a person typed or a link carried it; of one kind when `kind` is given.
    Whether the person may see it is the policy's question, not this one's."""
    query = sa.select(Case).where(Case.reference == normalise_reference(reference or ""))
    return session.scalar(query.where(Case.kind == kind) if kind else query)


def record_event(session: DbSession, case: Case, action: str, *, by: Actor, note: str | None = None,
                 internal: bool = False, now: datetime | None = None) -> CaseEvent:
    """A history event that is not a move (a claim, files added, a revocation): the status stays."""
    event = CaseEvent(case=case, at=now or utcnow(), actor_id=by.id, action=action, from_status=case.status,
                      to_status=case.status, note=note, is_internal=internal)
    session.add(event)
    session.flush()
    return event


@dataclass(frozen=True)
class InformationRequest:
    """What the mission asked the citizen for, and where they can supply it."""

    note: str | None
    remedies: list[tuple[str, str]]


def information_request(session: DbSession, case: Case) -> InformationRequest | None:
    """While a case waits on the citizen: the officer's note that asked (the move into this status)
    and the kind's pages for supplying it. One mechanism for every kind; None otherwise."""
    if not case.is_open or not workflow_for(case.kind).status(case.status).waits_on_citizen:
        return None
    asked = next((e for e in reversed(case.events) if e.to_status == case.status and e.from_status != case.status
                  and not e.is_internal), None)
    remedies = registry.kind(case.kind).remedies
    return InformationRequest(asked.note if asked else None, remedies(session, case) if remedies else [])


#: the history action of a note staff keep for each other
INTERNAL_NOTE = "internal_note"


def add_internal_note(session: DbSession, case: Case, *, by: Actor, note: str,
                      now: datetime | None = None) -> CaseEvent:
    """A note for staff only, kept in the case's history and never shown to the citizen or mailed."""
    if not policy.staff_can_see_case(by, case):
        raise Refused(_("You cannot take this action on this case."))
    note = (note or "").strip()
    if not note:
        raise Refused(_("Write the note."), field="note")
    return record_event(session, case, INTERNAL_NOTE, by=by, note=note, internal=True, now=now)


def entered_status_at(case: Case) -> datetime:
    """When the case reached its current status (claims and releases leave the status as it was)."""
    for event in reversed(case.events):
        if event.to_status == case.status and event.from_status != event.to_status:
            return event.at
    return case.submitted_at


def window_closes(case: Case, move: Transition) -> datetime | None:
    """The end of the time an action with window_days stays open, or None when it has no such limit."""
    if not move.window_days:
        return None
    return entered_status_at(case) + timedelta(days=move.window_days)


def _window_passed(case: Case, move: Transition, now: datetime) -> bool:
    closes = window_closes(case, move)
    return closes is not None and now >= closes


def allowed_actions(case: Case, user: Actor, now: datetime | None = None) -> list[Transition]:
    """Actions the user may take now, including those a kind's own pages carry out (own_form)."""
    workflow = workflow_for(case.kind)
    now = now or utcnow()
    return [t for t in workflow.available(case.status)
            if policy.can_take(user, t, case) and not _window_passed(case, t, now)]


def _check_version(case: Case, expected_version: int | None) -> None:
    if expected_version is not None and case.version != expected_version:
        raise CaseRefused(_("Someone else changed this case while you were looking at it. "
                            "Check its latest state below and try again."), Rule.STALE)


def _check_move(case: Case, move: Transition | None, by: Actor, *, own_form: bool) -> Transition:
    """The move, if this person may make it on this case now; else a refusal saying why."""
    party = policy.party_of(by, case)
    if move is None:
        raise CaseRefused(_("That action is not available for this case now: it is “%(status)s”.",
                            status=workflow_for(case.kind).status(case.status).title), Rule.WRONG_STATUS)
    if party is None or not move.allows(party) or (move.own_form and not own_form):
        raise CaseRefused(_("You cannot take this action on this case."), Rule.NOT_ALLOWED)
    if move.not_by_whoever_took and policy.took_last(by, case, move.not_by_whoever_took):
        earlier = workflow_for(case.kind).transition_named(move.not_by_whoever_took)
        raise CaseRefused(_("Someone else must do this: you did “%(step)s” yourself.",
                            step=earlier.title if earlier else move.not_by_whoever_took), Rule.SECOND_PERSON)
    if not policy.can_take(by, move, case):
        raise CaseRefused(_("Claim this case before you act on it."), Rule.NOT_HELD)
    return move


def transition(session: DbSession, case: Case, action: str, *, by: Actor, note: str | None = None,
               expected_version: int | None = None, now: datetime | None = None,
               own_form: bool = False) -> CaseEvent:
    """Apply a workflow action: new status, history event and notification, all or nothing.
    Actions marked own_form are refused unless their kind's own code says it is carrying them out."""
    workflow = workflow_for(case.kind)
    _check_version(case, expected_version)
    move = _check_move(case, workflow.transition(case.status, action), by, own_form=own_form)
    now = now or utcnow()
    if _window_passed(case, move, now):
        raise CaseRefused(_("“%(action)s” was possible until %(date)s. That time has passed.",
                            action=move.title, date=format_day(window_closes(case, move))), Rule.WINDOW_PASSED)
    note = (note or "").strip() or None
    if move.note_required and not note:
        raise CaseRefused(_("Enter a note: this action needs one."), Rule.NOTE_MISSING)
    source, target = case.status, workflow.status(move.target)
    if case.waiting_since is not None and not target.waits_on_citizen:
        paused = working_days_between(case.waiting_since, now)
        case.due_at = add_working_days(case.due_at, paused) if paused else case.due_at
        case.waiting_since = None
    elif target.waits_on_citizen and case.waiting_since is None:
        case.waiting_since = now
    case.status = target.name
    # A move is a change of the case even when it keeps the status (a reassignment): the row is
    # written, so its version goes up and a page shown before the move is out of date.
    flag_modified(case, "status")
    case.closed_at = now if target.is_closed else None
    event = CaseEvent(case=case, at=now, actor_id=by.id, action=action, from_status=source,
                      to_status=target.name, note=note, is_internal=move.internal)
    session.add(event)
    session.flush()
    follow_up = registry.kind(case.kind).after_transition
    if follow_up is not None:
        follow_up(session, case, event, by=by)
    for listener in registry.transition_listeners():
        listener(session, case, event, move)
    if move.notify_applicant and case.applicant is not None and case.applicant.is_active:
        queue_email(session, to=case.applicant.email, locale=case.applicant.locale,
                    template="case_updated", case=case, workflow=workflow, note=note)
    return event


def claim(session: DbSession, case: Case, *, by: Actor, now: datetime | None = None) -> None:
    """Take a case. Two officers claiming at once: the database lets exactly one win."""
    if not policy.can_claim(by, case):
        raise CaseRefused(_("This case cannot be claimed: someone already holds it, or it is closed."),
                          Rule.NOT_ALLOWED)
    now = now or utcnow()
    won = cast(CursorResult, session.execute(
        sa.update(Case)
        .where(Case.id == case.id, Case.assignee_id.is_(None), Case.closed_at.is_(None))
        .values(assignee_id=by.id, version=Case.version + 1)
        .execution_options(synchronize_session=False)
    )).rowcount
    session.refresh(case)
    if won != 1:
        raise CaseRefused(_("Another officer claimed this case a moment ago."), Rule.CLAIMED)
    record_event(session, case, "claim", by=by, internal=True, now=now)


def release(session: DbSession, case: Case, *, by: Actor, expected_version: int | None = None,
            now: datetime | None = None) -> None:
    """Give a held case back to the queue (its holder, or a supervisor)."""
    _check_version(case, expected_version)
    if not policy.can_release(by, case):
        raise CaseRefused(_("You cannot release this case."), Rule.NOT_ALLOWED)
    case.assignee_id = None
    record_event(session, case, "release", by=by, internal=True, now=now)


def history(case: Case, *, for_staff: bool) -> list[CaseEvent]:
    return [e for e in case.events if for_staff or not e.is_internal]
