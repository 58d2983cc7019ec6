"""The kinds of case the portal knows. A domain registers its workflow when its package loads."""

from dataclasses import dataclass

from portal.core.cases.workflow import Workflow


@dataclass(frozen=True)
class CaseKind:
    workflow: Workflow
    #: template included on the staff and citizen case pages for the kind's own details
    detail_template: str
    #: loads the kind's detail row for a case
    load_detail: object
    #: after_transition(session, case, event, by=user): the kind's own follow-up to a move (for
    #: example issuing verification records), run inside transition() so it shares its unit of work
    after_transition: object = None


_KINDS: dict[str, CaseKind] = {}


def register_kind(workflow: Workflow, *, detail_template: str, load_detail, after_transition=None) -> None:
    _KINDS[workflow.kind] = CaseKind(workflow, detail_template, load_detail, after_transition)


def kind(name: str) -> CaseKind:
    return _KINDS[name]


def workflow_for(name: str) -> Workflow:
    return _KINDS[name].workflow


def all_kinds() -> list[CaseKind]:
    return list(_KINDS.values())
