"""Advisory editions per country, their regions and action log, the banner, subscriptions,
alerts with a delivery record per recipient, and overseas travel registrations."""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User
from portal.advisories.levels import Level
from portal.core.db import Base, UTCDateTime, str_enum, utcnow
from portal.core.i18n import _l, lazy_pgettext
from portal.core.outbox import OutboxMessage
from portal.core.titled import TitledEnum
from portal.missions.models import Country


class EditionStatus(TitledEnum):
    DRAFT = "draft", lazy_pgettext("edition", "Draft")
    SCHEDULED = "scheduled", lazy_pgettext("edition", "Scheduled")
    PUBLISHED = "published", lazy_pgettext("edition", "Published")
    ARCHIVED = "archived", lazy_pgettext("edition", "Archived")


class UpdateType(TitledEnum):
    #: needs a public change note; subscribers are told
    MAJOR = "major", _l("Major update")
    #: silent: keeps the previous public date and note
    MINOR = "minor", _l("Minor update")


#: what the staff history calls each logged action
ACTION_TITLES = {
    "drafted": lazy_pgettext("advice action", "Draft started"),
    "edited": lazy_pgettext("advice action", "Draft edited"),
    "scheduled": lazy_pgettext("advice action", "Scheduled"),
    "unscheduled": lazy_pgettext("advice action", "Schedule stopped"),
    "published": lazy_pgettext("advice action", "Published"),
    "reviewed": lazy_pgettext("advice action", "Reviewed, still correct"),
}


class Edition(Base):
    """One version of a country's advice. A published edition is never edited again."""

    __tablename__ = "advisory_editions"
    __table_args__ = (sa.UniqueConstraint("country_code", "version"),
                      sa.Index("ix_advisory_editions_current", "country_code", "status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    country_code: Mapped[str] = mapped_column(sa.ForeignKey("countries.code"))
    version: Mapped[int]
    status: Mapped[EditionStatus] = mapped_column(str_enum(EditionStatus, 12), default=EditionStatus.DRAFT)
    level: Mapped[Level] = mapped_column(str_enum(Level, 8))
    update_type: Mapped[UpdateType] = mapped_column(str_enum(UpdateType, 8), default=UpdateType.MAJOR)
    indicators: Mapped[list] = mapped_column(sa.JSON, default=list)
    #: {"zh": {"summary": …, "safety": …, …}, "en": {…}}
    content: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    change_note_zh: Mapped[str] = mapped_column(sa.Text, default="")
    change_note_en: Mapped[str] = mapped_column(sa.Text, default="")
    #: the date the public sees as "last updated" (carried over by minor updates)
    public_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    scheduled_for: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    based_on_id: Mapped[int | None] = mapped_column(sa.ForeignKey("advisory_editions.id"))

    country: Mapped[Country] = relationship()
    created_by: Mapped[User | None] = relationship()
    regions: Mapped[list["EditionRegion"]] = relationship(
        back_populates="edition", cascade="all, delete-orphan", order_by="EditionRegion.id")

    def text(self, chinese: bool, key: str) -> str:
        return (self.content or {}).get("zh" if chinese else "en", {}).get(key, "")

    def change_note(self, chinese: bool) -> str:
        return self.change_note_zh if chinese else self.change_note_en

    @property
    def highest_level(self) -> Level:
        return max([self.level, *(r.level for r in self.regions)], key=lambda lv: lv.number)

    def __repr__(self) -> str:
        return f"<Edition {self.country_code} v{self.version} {self.status}>"


class EditionRegion(Base):
    """A named region inside the country with a level of its own."""

    __tablename__ = "advisory_regions"

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(sa.ForeignKey("advisory_editions.id", ondelete="CASCADE"), index=True)
    name_zh: Mapped[str] = mapped_column(sa.String(100))
    name_en: Mapped[str] = mapped_column(sa.String(100))
    level: Mapped[Level] = mapped_column(str_enum(Level, 8))

    edition: Mapped[Edition] = relationship(back_populates="regions")

    def name(self, chinese: bool) -> str:
        return self.name_zh if chinese else self.name_en


class AdvisoryAction(Base):
    """Who did what to a country's advice, when, and why. Insert-only."""

    __tablename__ = "advisory_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    country_code: Mapped[str] = mapped_column(sa.ForeignKey("countries.code"), index=True)
    edition_id: Mapped[int | None] = mapped_column(sa.ForeignKey("advisory_editions.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(sa.String(20))
    comment: Mapped[str] = mapped_column(sa.Text, default="")

    actor: Mapped[User | None] = relationship()
    edition: Mapped[Edition | None] = relationship()

    @property
    def title(self):
        return ACTION_TITLES.get(self.action, self.action)


class Banner(Base):
    """A message shown above every advisory page between two times."""

    __tablename__ = "advisory_banners"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_zh: Mapped[str] = mapped_column(sa.String(400))
    message_en: Mapped[str] = mapped_column(sa.String(400))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    def message(self, chinese: bool) -> str:
        return self.message_zh if chinese else self.message_en


class Subscription(Base):
    """Email alerts for one country (or all, when country_code is empty), confirmed twice."""

    __tablename__ = "advisory_subscriptions"
    __table_args__ = (sa.UniqueConstraint("email", "country_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), index=True)
    country_code: Mapped[str | None] = mapped_column(sa.ForeignKey("countries.code"), index=True)
    locale: Mapped[str] = mapped_column(sa.String(16), default="zh_Hant_TW")
    token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    unsubscribed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    unsubscribe_reason: Mapped[str] = mapped_column(sa.String(500), default="")
    #: when the address was last written to about this subscription (a confirmation link or "you are
    #: already subscribed"): asking again writes at most once a day, whoever asks
    last_notice_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    country: Mapped[Country | None] = relationship()


class Alert(Base):
    """One announcement of a published change, sent to many people; its id is stable."""

    __tablename__ = "advisory_alerts"

    id: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    edition_id: Mapped[int] = mapped_column(sa.ForeignKey("advisory_editions.id"))
    #: subscribers or travellers
    audience: Mapped[str] = mapped_column(sa.String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: when its fan-out was split into parts (jobs that write the messages)
    fanned_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    edition: Mapped[Edition] = relationship()


class AlertDelivery(Base):
    """One recipient of an alert; its state is its outbox message's (queued, sent, failed, retried)."""

    __tablename__ = "advisory_alert_deliveries"
    __table_args__ = (sa.UniqueConstraint("alert_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[str] = mapped_column(sa.ForeignKey("advisory_alerts.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    outbox_message_id: Mapped[int] = mapped_column(sa.ForeignKey("outbox_messages.id", ondelete="CASCADE"))

    outbox_message: Mapped[OutboxMessage] = relationship()


class TravelRegistration(Base):
    """A trip registered abroad (出國登錄), erased a set number of days after it ends."""

    __tablename__ = "travel_registrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    locale: Mapped[str] = mapped_column(sa.String(16), default="zh_Hant_TW")
    country_code: Mapped[str] = mapped_column(sa.ForeignKey("countries.code"), index=True)
    #: names of the regions visited (empty: the whole country)
    regions: Mapped[list] = mapped_column(sa.JSON, default=list)
    starts_on: Mapped[date]
    ends_on: Mapped[date] = mapped_column(index=True)
    phone_abroad: Mapped[str] = mapped_column(sa.String(40))
    email_abroad: Mapped[str] = mapped_column(sa.String(254), default="")
    contact_name: Mapped[str] = mapped_column(sa.String(120))
    contact_phone: Mapped[str] = mapped_column(sa.String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the registration form's submission token: the same form sent twice registers one trip
    idempotency_key: Mapped[str | None] = mapped_column(sa.String(64), unique=True)

    country: Mapped[Country] = relationship()
