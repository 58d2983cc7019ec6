"""Statistics tables: counts only, never one row per person, page view or case.

Usage is counted per day; everything the dashboard reads is a monthly rollup that the worker keeps
current from the domains' own tables, so no KPI scans cases or their events.
"""

from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.db import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from portal.accounts.models import User

#: the mission of a figure that belongs to no mission (page views, public verification checks)
NO_MISSION = 0


class UsageDay(Base):
    """How often something was used on one day: a page of a public service viewed, a journey started
    or completed, a feed, calendar or API read. No address, no person, no path beyond the service."""

    __tablename__ = "stats_usage_days"

    event: Mapped[str] = mapped_column(sa.String(24), primary_key=True)
    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    #: what was used: a service (advisories, passport …) or a feed's or API's name
    dimension: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    count: Mapped[int] = mapped_column(sa.BigInteger, default=0)


class MonthlyCount(Base):
    """One figure for one month (Taipei), kind and mission: cases received, decided, decided in time,
    hotline calls by outcome, verification checks by result, usage by event."""

    __tablename__ = "stats_monthly_counts"
    __table_args__ = (sa.Index("ix_stats_monthly_counts_month", "month"),)

    measure: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    #: the case kind, or what the measure is split by (a call's outcome, a check's result)
    kind: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    mission_id: Mapped[int] = mapped_column(primary_key=True)
    #: YYYY-MM
    month: Mapped[str] = mapped_column(sa.String(7), primary_key=True)
    count: Mapped[int] = mapped_column(sa.BigInteger, default=0)


class MonthlyHistogram(Base):
    """How many cases took each whole number of working days (or minutes): enough for medians and
    90th percentiles over any set of months and missions without the cases themselves."""

    __tablename__ = "stats_monthly_histograms"
    __table_args__ = (sa.Index("ix_stats_monthly_histograms_month", "month"),)

    measure: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    mission_id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(sa.String(7), primary_key=True)
    value: Mapped[int] = mapped_column(primary_key=True)
    count: Mapped[int] = mapped_column(sa.BigInteger, default=0)


class RollupPosition(Base):
    """How far the rollups have read a source table (the last id folded in), or a batch of usage
    counts already folded (so a worker that dies between the database and Redis adds it once)."""

    __tablename__ = "stats_rollup_positions"

    source: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    last_id: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)



class WhitePaper(Base):
    """The citizen service white paper (為民服務白皮書) of one ROC year: the figures are counted, never
    typed; what supervisors write is the commentary of each section, kept as a draft until published.
    Publishing again replaces the public text; every save and publication is kept as a revision."""

    __tablename__ = "white_papers"

    id: Mapped[int] = mapped_column(primary_key=True)
    roc_year: Mapped[int] = mapped_column(unique=True)
    #: section key → {"zh": …, "en": …}: what is being written
    draft: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    #: the text the public reads; None until first published
    published: Mapped[dict | None] = mapped_column(sa.JSON)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_published(self) -> bool:
        return self.published is not None

    @property
    def has_unpublished_changes(self) -> bool:
        return self.published != self.draft


class WhitePaperRevision(Base):
    """One save or publication of a white paper's commentary, by whom and when."""

    __tablename__ = "white_paper_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    paper_id: Mapped[int] = mapped_column(sa.ForeignKey("white_papers.id", ondelete="CASCADE"), index=True)
    #: "saved" or "published"
    action: Mapped[str] = mapped_column(sa.String(16))
    sections: Mapped[dict] = mapped_column(sa.JSON)
    by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    by: Mapped["User | None"] = relationship("User")
