"""Workflows as data: each kind lists its statuses and its (status, action) → status moves."""

from dataclasses import dataclass, field

from portal.core.roles import Role

#: the citizen who made the case, as a party to a transition
APPLICANT = "applicant"
#: the portal itself, for scheduled moves no person makes (e.g. closing after a waiting period)
SYSTEM = "system"


@dataclass(frozen=True)
class Status:
    name: str
    #: what the citizen reads (a lazy translated string)
    title: object
    is_closed: bool = False
    #: the case waits on the citizen: the service-level clock stops
    waits_on_citizen: bool = False
    #: open, but not work for staff yet (e.g. an email address still to be confirmed): the queue leaves it out
    hidden_from_queue: bool = False
    #: what staff read, where the citizen's words would mislead them ("Waiting for your reply"); else the title
    staff_title: object = None
    #: the mission's answer is out, though the case stays open (a mailbox reply the writer may answer
    #: back): the statistics count the case as decided here. A closed status always is.
    is_decision: bool = False

    @property
    def counts_as_decided(self) -> bool:
        return self.is_closed or self.is_decision

    def __post_init__(self):
        if self.staff_title is None:
            object.__setattr__(self, "staff_title", self.title)


@dataclass(frozen=True)
class Transition:
    action: str
    sources: tuple[str, ...]
    target: str
    title: object
    #: Role members (staff roles include higher ones) and/or APPLICANT
    parties: frozenset
    note_required: bool = False
    notify_applicant: bool = False
    #: staff must hold the case (have claimed it) before acting
    needs_claim: bool = True
    #: a staff-only step: its history event is hidden from the citizen
    internal: bool = False
    #: the kind's own page does this action (it needs more than a note); the generic action forms leave it out
    own_form: bool = False
    #: the action is open only this many calendar days after the case reached its current status
    window_days: int | None = None
    #: the move completes the service the citizen asked for: they are invited to say how it went
    invites_survey: bool = False
    #: four eyes: whoever took the latest move of this action (e.g. "draft") may not take this one
    not_by_whoever_took: str | None = None
    #: cannot be undone (reject, close, withdraw): marked as such, and confirmed on a page of its own
    irreversible: bool = False

    def allows(self, party) -> bool:
        if party in (APPLICANT, SYSTEM):
            return party in self.parties
        return any(isinstance(p, Role) and party.at_least(p) for p in self.parties)

    @property
    def by_staff(self) -> bool:
        return any(isinstance(p, Role) for p in self.parties)


@dataclass(frozen=True)
class Workflow:
    kind: str
    prefix: str
    title: object
    initial: str
    statuses: tuple[Status, ...]
    transitions: tuple[Transition, ...]
    sla_working_days: int
    #: a setting that, when present, overrides sla_working_days (e.g. "MAILBOX_SLA_DAYS")
    sla_setting: str | None = None
    #: titles of the kind's own history events that are not moves (action → lazy string)
    event_titles: dict = field(default_factory=dict, compare=False)
    #: moves whose latest note the kind's page shows on its own (the mailbox's reply): the history
    #: points to it instead of printing it a second time
    notes_shown_apart: frozenset = frozenset()
    #: the action that records the first contact with the person (emergencies): the statistics time it
    first_contact_action: str | None = None
    _by_name: dict = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        names = {s.name for s in self.statuses}
        for t in self.transitions:
            unknown = {*t.sources, t.target} - names
            if unknown:
                raise ValueError(f"{self.kind}: transition {t.action} names unknown statuses {unknown}")
        object.__setattr__(self, "_by_name", {s.name: s for s in self.statuses})

    def status(self, name: str) -> Status:
        return self._by_name[name]

    def transition(self, status: str, action: str) -> Transition | None:
        for t in self.transitions:
            if t.action == action and status in t.sources:
                return t
        return None

    def transition_named(self, action: str) -> Transition | None:
        """The first move of that name, whatever it starts from (for its title)."""
        return next((t for t in self.transitions if t.action == action), None)

    def available(self, status: str) -> list[Transition]:
        return [t for t in self.transitions if status in t.sources]

    @property
    def hidden_statuses(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.statuses if s.hidden_from_queue)
