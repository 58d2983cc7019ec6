"""Mailbox messages (the detail row beside their case), their attachments, and hotline calls."""

from datetime import date, datetime, timedelta
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User
from portal.core.cases.models import Case
from portal.core.db import Base, UTCDateTime, str_enum, utcnow
from portal.core.i18n import lazy_pgettext
from portal.core.titled import TitledEnum
from portal.core.uploads import Upload
from portal.feedback.workflow import ANSWER_BACK_DAYS
from portal.missions.models import Mission


class Category(TitledEnum):
    """What a message or a call is about; shared by the mailbox and the hotline so they count alike."""

    PASSPORTS = "passports", lazy_pgettext("feedback category", "Passports")
    VISAS = "visas", lazy_pgettext("feedback category", "Visas")
    DOCUMENTS = "documents", lazy_pgettext("feedback category", "Document authentication")
    EMERGENCY = "emergency", lazy_pgettext("feedback category", "Emergency assistance")
    SERVICE = "service", lazy_pgettext("feedback category", "Service attitude")
    WEBSITE = "website", lazy_pgettext("feedback category", "Website")
    SUGGESTION = "suggestion", lazy_pgettext("feedback category", "Suggestion")
    OTHER = "other", lazy_pgettext("feedback category", "Other")


class HqUnit(TitledEnum):
    """Headquarters units a message can be assigned to; they work from the headquarters mission row."""

    CONSULAR = "consular", lazy_pgettext("unit", "Consular Affairs Division")
    PASSPORTS = "passports", lazy_pgettext("unit", "Passport Division")
    DOCUMENTS = "documents", lazy_pgettext("unit", "Document Authentication Division")
    WEB = "web", lazy_pgettext("unit", "IT and Website Team")


class Source(StrEnum):
    WEB = "web"
    HOTLINE = "hotline"


class MailboxMessage(Base):
    __tablename__ = "mailbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"), unique=True)
    source: Mapped[Source] = mapped_column(str_enum(Source, 8), default=Source.WEB)
    category: Mapped[Category] = mapped_column(str_enum(Category, 16))
    subject: Mapped[str] = mapped_column(sa.String(150))
    message: Mapped[str] = mapped_column(sa.Text)
    #: the writer, kept here because a writer need not have an account
    writer_name: Mapped[str] = mapped_column(sa.String(120))
    #: empty only for a message taken down from a phone call without an address
    writer_email: Mapped[str | None] = mapped_column(sa.String(254), index=True)
    writer_phone: Mapped[str | None] = mapped_column(sa.String(40))
    writer_locale: Mapped[str] = mapped_column(sa.String(16))
    related_reference: Mapped[str | None] = mapped_column(sa.String(20))
    #: sha256 of address, subject and text: the same message sent twice is found by it
    fingerprint: Mapped[str] = mapped_column(sa.String(64), index=True)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hq_unit: Mapped[HqUnit | None] = mapped_column(str_enum(HqUnit, 16))
    draft_reply: Mapped[str | None] = mapped_column(sa.Text)
    #: the last reply sent; every reply sent is also the note of its history event
    reply: Mapped[str | None] = mapped_column(sa.Text)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    case: Mapped[Case] = relationship()
    attachments: Mapped[list["MailboxAttachment"]] = relationship(
        back_populates="message", order_by="MailboxAttachment.position", cascade="all, delete-orphan")
    call: Mapped["HotlineCall | None"] = relationship(
        primaryjoin="MailboxMessage.case_id == foreign(HotlineCall.case_id)", viewonly=True, uselist=False)

    @property
    def answer_back_until(self) -> datetime | None:
        return self.answered_at + timedelta(days=ANSWER_BACK_DAYS) if self.answered_at else None


class MailboxAttachment(Base):
    __tablename__ = "mailbox_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(sa.ForeignKey("mailbox_messages.id", ondelete="CASCADE"), index=True)
    upload_id: Mapped[str] = mapped_column(sa.ForeignKey("uploads.id", ondelete="CASCADE"), unique=True)
    position: Mapped[int] = mapped_column(default=0)

    message: Mapped[MailboxMessage] = relationship(back_populates="attachments")
    upload: Mapped[Upload] = relationship()


class CallLanguage(TitledEnum):
    MANDARIN = "mandarin", lazy_pgettext("call language", "Mandarin")
    TAIWANESE = "taiwanese", lazy_pgettext("call language", "Taiwanese")
    HAKKA = "hakka", lazy_pgettext("call language", "Hakka")
    ENGLISH = "english", lazy_pgettext("call language", "English")
    OTHER = "other", lazy_pgettext("call language", "Another language")


class Outcome(TitledEnum):
    ANSWERED = "answered", lazy_pgettext("call outcome", "Answered on the phone")
    REFERRED = "referred", lazy_pgettext("call outcome", "Referred to a mission or unit")
    CASE = "case", lazy_pgettext("call outcome", "Turned into a mailbox case")
    FOLLOW_UP = "follow_up", lazy_pgettext("call outcome", "Needs follow-up")


class HotlineCall(Base):
    """One call to the complaint hotline, logged by the officer who took it."""

    __tablename__ = "hotline_calls"
    __table_args__ = (
        sa.Index("ix_hotline_calls_mission_day", "mission_id", "call_day"),
    )

    @classmethod
    def searched_text(cls):
        """What a text search looks in, as one expression (summary, caller's name and phone, reference), so
        that one trigram index over it serves every search on PostgreSQL. Its constants are written out,
        not bound, so the index expression matches the query's in prepared statements too."""
        space, nothing = sa.literal(" ", literal_execute=True), sa.literal("", literal_execute=True)
        column = cls.__table__.c
        return (sa.func.coalesce(column.summary, nothing) + space + sa.func.coalesce(column.caller_name, nothing)
                + space + sa.func.coalesce(column.caller_phone, nothing) + space + column.reference)

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(sa.String(20), unique=True)
    mission_id: Mapped[int] = mapped_column(sa.ForeignKey("missions.id"))
    logged_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    called_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    #: the day of the call in Taipei, kept beside the moment so counts per day are one GROUP BY
    call_day: Mapped[date] = mapped_column(sa.Date, index=True)
    duration_minutes: Mapped[int]
    language: Mapped[CallLanguage] = mapped_column(str_enum(CallLanguage, 16))
    caller_name: Mapped[str | None] = mapped_column(sa.String(120))
    caller_phone: Mapped[str | None] = mapped_column(sa.String(40))
    caller_email: Mapped[str | None] = mapped_column(sa.String(254))
    category: Mapped[Category] = mapped_column(str_enum(Category, 16), index=True)
    summary: Mapped[str] = mapped_column(sa.Text)
    outcome: Mapped[Outcome] = mapped_column(str_enum(Outcome, 16), index=True)
    referred_mission_id: Mapped[int | None] = mapped_column(sa.ForeignKey("missions.id"))
    referred_unit: Mapped[HqUnit | None] = mapped_column(str_enum(HqUnit, 16))
    case_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cases.id", ondelete="SET NULL"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: a token minted when the form was shown, so submitting it twice logs one call
    idempotency_key: Mapped[str | None] = mapped_column(sa.String(64), unique=True)

    mission: Mapped[Mission] = relationship(foreign_keys=[mission_id])
    referred_mission: Mapped[Mission | None] = relationship(foreign_keys=[referred_mission_id])
    logged_by: Mapped[User | None] = relationship()
    case: Mapped[Case | None] = relationship()


# Trigram index (pg_trgm) over the searched text: ILIKE '%…%' finds its rows without reading the table.
# PostgreSQL only; SQLite reads the table, which is quick at the sizes it serves.
sa.Index("ix_hotline_calls_search", HotlineCall.searched_text().label("search"), postgresql_using="gin",
         postgresql_ops={"search": "gin_trgm_ops"}).ddl_if(dialect="postgresql")
