"""The kinds of case the portal knows. A domain registers its workflow when its package loads."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from portal.core.cases.workflow import Workflow

#: load_detail(session, case) → the kind's detail row, or None
DetailLoader = Callable[[Any, Any], Any]
#: after_transition(session, case, event, *, by) → None
FollowUp = Callable[..., None]
#: contact(session, case) → (email, locale or None) of a person without an account, or None
Contact = Callable[[Any, Any], "tuple[str, str | None] | None"]
#: summarise(facts) → the case's summary in the reader's language, from the facts kept when it opened
Summarise = Callable[[dict], str]
#: find(text) → a SELECT of the ids of the kind's cases the text names (a writer's name, a national ID), or None
Find = Callable[[str], Any]
#: remedies(session, case) → [(what to do, the page that does it)] while the case waits on the citizen
Remedies = Callable[[Any, Any], "list[tuple[str, str]]"]


@dataclass(frozen=True)
class CaseKind:
    workflow: Workflow
    #: template included on the staff and citizen case pages for the kind's own details
    detail_template: str
    #: loads the kind's detail row for a case
    load_detail: DetailLoader
    #: the kind's own follow-up to a move (for example issuing verification records), run inside
    #: transition() so it shares its unit of work
    after_transition: FollowUp | None = None
    #: where to write about a case made without an account (a mailbox writer, an emergency reporter)
    contact: Contact | None = None
    #: the summary in the reader's language (kinds whose summary is the citizen's own words need none)
    summarise: Summarise | None = None
    #: the kind's own part of the staff queue's search
    find: Find | None = None
    #: the pages where the citizen supplies what was asked for (a new photo, scans, an answer changed)
    remedies: Remedies | None = None


_KINDS: dict[str, CaseKind] = {}
#: listeners(session, case, event, move) run after every move of every kind, inside its unit of work
_LISTENERS: list[Callable[..., None]] = []


def register_kind(workflow: Workflow, *, detail_template: str, load_detail: DetailLoader,
                  after_transition: FollowUp | None = None, contact: Contact | None = None,
                  summarise: Summarise | None = None, find: Find | None = None,
                  remedies: Remedies | None = None) -> None:
    _KINDS[workflow.kind] = CaseKind(workflow, detail_template, load_detail, after_transition, contact, summarise,
                                     find, remedies)


def kind(name: str) -> CaseKind:
    return _KINDS[name]


def workflow_for(name: str) -> Workflow:
    return _KINDS[name].workflow


def summary_of(case) -> str:
    """What a case is about, for lists: rendered from its facts in the reader's language where the
    kind can, else as it was written."""
    summarise = _KINDS[case.kind].summarise if case.kind in _KINDS else None
    if summarise is not None and case.summary_facts:
        try:
            return summarise(case.summary_facts)[:200]
        except (KeyError, ValueError):
            pass  # facts kept by an older release (a name since changed): the written summary still says it
    return case.summary


def all_kinds() -> list[CaseKind]:
    return list(_KINDS.values())


def on_every_transition(listener: Callable[..., None]) -> Callable[..., None]:
    """Register listener(session, case, event, move), run after each move of any kind (for example,
    a survey invitation when a service is completed). Returns the listener, so it can decorate."""
    if listener not in _LISTENERS:
        _LISTENERS.append(listener)
    return listener


def transition_listeners() -> list[Callable[..., None]]:
    return list(_LISTENERS)
