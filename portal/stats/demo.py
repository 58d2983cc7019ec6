"""A plausible history of cases for demonstrations and benchmarks, written in bulk.

Cases of every kind at the overseas missions over the last months, each with the events its workflow
allows, from submission along the shortest path to a decision (most of them) or part of the way;
and, when asked, the mobile service days missions held and survey answers. Rows go in as multi-row INSERTs with ids chosen here,
so a million cases take minutes, not hours. The summaries say they are demonstration data.
"""

import random
from collections import deque
from datetime import datetime, timedelta

import sqlalchemy as sa

from portal.core.cases.models import Case, CaseEvent
from portal.core.cases.registry import all_kinds
from portal.core.cases.service import sla_days
from portal.core.cases.workflow import Workflow
from portal.core.db import DbSession, insert_rows, utcnow
from portal.core.refs import DistinctReferences
from portal.core.workdays import add_working_days

CHUNK = 5000
#: cases younger than this are the ones still open in good numbers, as a mission's backlog is
RECENT = timedelta(days=60)
#: how often each kind occurs, roughly as a ministry's year would have them
KIND_WEIGHTS = {"passport": 40, "document": 25, "enquiry": 10, "mailbox": 8, "mobile": 12, "assistance": 5}


def _path_to_decision(workflow: Workflow) -> list[tuple[str, str, str]]:
    """(action, from, to) moves along the shortest path from the first status to a decision, taking
    staff steps only (no citizen's reply, no system step)."""
    start = workflow.initial
    if workflow.status(start).hidden_from_queue:  # a mailbox message is confirmed first
        confirm = next(t for t in workflow.transitions if start in t.sources)
        start, first = confirm.target, [(confirm.action, workflow.initial, confirm.target)]
    else:
        first = []
    return first + _staff_path(workflow, start, lambda status: status.counts_as_decided)


def _staff_path(workflow: Workflow, start: str, reached) -> list[tuple[str, str, str]]:
    """The shortest run of staff moves from `start` to a status that `reached` accepts (none for a
    refusal or a withdrawal); empty when there is none."""
    queue: deque[tuple[str, list]] = deque([(start, [])])
    seen = {start}
    while queue:
        status, path = queue.popleft()
        if reached(workflow.status(status)) and path:
            return path
        for move in workflow.transitions:
            if status in move.sources and move.target not in seen and move.by_staff \
                    and move.target not in ("rejected", "withdrawn"):
                seen.add(move.target)
                queue.append((move.target, [*path, (move.action, status, move.target)]))
    return []


def _next_id(session: DbSession, model) -> int:
    return (session.scalar(sa.select(sa.func.max(model.id))) or 0) + 1


def _reset_sequences(session: DbSession) -> None:
    if session.get_bind().dialect.name == "postgresql":
        for table in ("cases", "case_events"):
            session.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                    f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"))


def generate(session: DbSession, *, cases: int, months: int = 15, mission_ids: list[int],
             now: datetime | None = None, seed: int = 115, context: bool = False) -> tuple[int, int]:
    """Write `cases` cases over the last `months` months with their events (and, with `context`, the
    mobile service days missions held and survey answers, about one for every five cases). Returns
    (cases, events). Flushes in chunks; the caller commits."""
    if context:
        from portal.missions.models import Mission
        from portal.mobile.demo import load_demo_held_days
        from portal.surveys.demo import load_demo_answers

        load_demo_held_days(session, session.scalars(sa.select(Mission).where(Mission.id.in_(mission_ids))).all(),
                            months=months, seed=seed)
        load_demo_answers(session, services=list(KIND_WEIGHTS), mission_ids=mission_ids, answers=cases // 5,
                          months=months, now=now, seed=seed)
    chance = random.Random(seed)
    now = now or utcnow()
    kinds = {k.workflow.kind: k.workflow for k in all_kinds() if k.workflow.kind in KIND_WEIGHTS}
    names, weights = list(kinds), [KIND_WEIGHTS[name] for name in kinds]
    paths = {name: _path_to_decision(workflow) for name, workflow in kinds.items()}
    # after the decision, on to the end (a passport collected, a document sent), as most cases go
    onward = {name: _staff_path(workflow, paths[name][-1][2], lambda status: status.is_closed) if paths[name] else []
              for name, workflow in kinds.items()}
    slas = {name: sla_days(workflow) for name, workflow in kinds.items()}
    # Bigger missions see more cases: a few carry much of the work, as in life.
    mission_weights = [1 + 20 * chance.random() ** 3 for _ in mission_ids]
    span = timedelta(days=30.4 * months) or timedelta(minutes=1)
    case_id, event_id = _next_id(session, Case), _next_id(session, CaseEvent)
    written_cases = written_events = 0
    new_reference = DistinctReferences()
    while written_cases < cases:
        case_rows, event_rows = [], []
        for _ in range(min(CHUNK, cases - written_cases)):
            kind = chance.choices(names, weights)[0]
            workflow, path = kinds[kind], paths[kind]
            submitted = now - span * chance.random()
            due = add_working_days(submitted, slas[kind])
            # Most are decided, and most of those finished; of the last weeks' cases, many are still open.
            recent = max(0.0, 1 - (now - submitted) / RECENT)
            steps = len(path) if chance.random() >= 0.45 * recent else chance.randrange(len(path) + 1)
            if steps == len(path) and chance.random() >= 0.5 * recent:
                path, steps = path + onward[kind], steps + len(onward[kind])
            working_days = max(0.05, chance.lognormvariate(1.0, 0.7)) * slas[kind] / 3
            at, status, closed = submitted, workflow.initial, None
            events = [dict(id=event_id, case_id=case_id, at=submitted, action="submit", from_status=None,
                           to_status=workflow.initial, is_internal=False)]
            event_id += 1
            for index, (action, source, target) in enumerate(path[:steps]):
                if kind == "assistance" and index == 0:
                    at = submitted + timedelta(minutes=chance.lognormvariate(3.4, 0.9))
                else:
                    at = at + timedelta(days=working_days * 1.4 / max(len(paths[kind]), 1))
                if at > now:
                    break
                if index == 0 and kind != "assistance":  # an officer takes the case first
                    events.append(dict(id=event_id, case_id=case_id, at=at - timedelta(minutes=5), action="claim",
                                       from_status=source, to_status=source, is_internal=True))
                    event_id += 1
                events.append(dict(id=event_id, case_id=case_id, at=at, action=action, from_status=source,
                                   to_status=target, is_internal=False))
                event_id += 1
                status = target
                closed = at if workflow.status(target).is_closed else None
            case_rows.append(dict(id=case_id, kind=kind, reference=new_reference(workflow.prefix), status=status,
                                  summary="Demonstration case", priority=100 if kind == "assistance" else 0,
                                  mission_id=chance.choices(mission_ids, mission_weights)[0], submitted_at=submitted,
                                  due_at=due, closed_at=closed, version=len(events)))
            event_rows.extend(events)
            case_id += 1
        insert_rows(session, Case, case_rows)
        for start in range(0, len(event_rows), CHUNK * 2):
            insert_rows(session, CaseEvent, event_rows[start:start + CHUNK * 2])
        written_cases += len(case_rows)
        written_events += len(event_rows)
    _reset_sequences(session)
    return written_cases, written_events
