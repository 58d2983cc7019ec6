"""The cases table and its append-only event history.

The core names the accounts and missions tables only by name, so it imports no domain's models.
"""

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.db import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from portal.accounts.models import User
    from portal.missions.models import Mission

#: the priority of a case where someone may be in danger: above everything in the queue, and marked
EMERGENCY_PRIORITY = 100


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (
        # The same form token twice is the same submission of that kind, and only of that kind.
        sa.UniqueConstraint("kind", "idempotency_key", name="uq_cases_kind_idempotency_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(32), index=True)
    reference: Mapped[str] = mapped_column(sa.String(20), unique=True)
    status: Mapped[str] = mapped_column(sa.String(32), index=True)
    #: the summary as written when the case was opened, in the language of whoever opened it
    summary: Mapped[str] = mapped_column(sa.String(200), default="")
    #: the facts of the summary, rendered in each reader's language by the kind's summarise()
    summary_facts: Mapped[dict | None] = mapped_column(sa.JSON)
    #: higher sorts first in the staff queue (emergencies above everything else)
    priority: Mapped[int] = mapped_column(default=0)
    mission_id: Mapped[int] = mapped_column(sa.ForeignKey("missions.id"), index=True)
    applicant_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    assignee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: set while the case waits on the citizen; the service-level clock is paused meanwhile
    waiting_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: a token minted when the form was shown, so submitting it twice makes one case (unique per kind)
    idempotency_key: Mapped[str | None] = mapped_column(sa.String(64))
    version: Mapped[int] = mapped_column(default=1)

    mission: Mapped["Mission"] = relationship("Mission")
    applicant: Mapped["User | None"] = relationship("User", foreign_keys=[applicant_id])
    assignee: Mapped["User | None"] = relationship("User", foreign_keys=[assignee_id])
    events: Mapped[list["CaseEvent"]] = relationship(
        back_populates="case", order_by="CaseEvent.id", cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    @property
    def is_emergency(self) -> bool:
        return self.priority >= EMERGENCY_PRIORITY

    def hours_open(self, now: datetime | None = None) -> int:
        """Whole hours since the case was submitted."""
        return int(((now or utcnow()) - self.submitted_at).total_seconds() // 3600)

    def is_overdue(self, now: datetime | None = None) -> bool:
        return self.is_open and self.waiting_since is None and self.due_at < (now or utcnow())

    def __repr__(self) -> str:
        return f"<Case {self.reference} {self.kind} {self.status}>"


#: the order of the staff queue: highest priority first, then soonest due, then oldest
QUEUE_ORDER = (-Case.__table__.c.priority, Case.__table__.c.due_at, Case.__table__.c.id)
#: what each view of the queue narrows by, in front of the order: one partial index per view, over
#: open cases only (a few thousand of a million), so a page of any view is an index seek
QUEUE_VIEWS = {"ix_cases_open_queue": (), "ix_cases_open_mission": ("mission_id",), "ix_cases_open_kind": ("kind",),
               "ix_cases_open_kind_status": ("kind", "status"), "ix_cases_open_mission_kind": ("mission_id", "kind"),
               "ix_cases_open_mission_kind_status": ("mission_id", "kind", "status")}
for _name, _leading in QUEUE_VIEWS.items():
    sa.Index(_name, *(Case.__table__.c[column] for column in _leading), *QUEUE_ORDER,
             postgresql_where=Case.__table__.c.closed_at.is_(None), sqlite_where=Case.__table__.c.closed_at.is_(None))


class CaseEvent(Base):
    """One thing that happened to a case. Rows are only ever inserted."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(sa.String(32))
    from_status: Mapped[str | None] = mapped_column(sa.String(32))
    to_status: Mapped[str] = mapped_column(sa.String(32))
    note: Mapped[str | None] = mapped_column(sa.Text)
    #: staff-only events (claims, internal notes) are hidden from the citizen
    is_internal: Mapped[bool] = mapped_column(default=False)

    case: Mapped[Case] = relationship(back_populates="events")
    actor: Mapped["User | None"] = relationship("User")
