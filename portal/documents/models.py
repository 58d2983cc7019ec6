"""Document authentication requests, the documents in them, their scans, the verification record
of every issued copy, and the public checks made against those records."""

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.cases.models import Case
from portal.core.db import Base, UTCDateTime, str_enum, utcnow
from portal.core.i18n import lazy_pgettext
from portal.core.titled import TitledEnum
from portal.core.uploads import Upload
from portal.documents.codes import format_code
from portal.missions.models import Country, Mission


class DocumentType(TitledEnum):
    DIPLOMA = "diploma", lazy_pgettext("document type", "Diploma")
    TRANSCRIPT = "transcript", lazy_pgettext("document type", "Academic transcript")
    BIRTH = "birth_certificate", lazy_pgettext("document type", "Birth certificate")
    MARRIAGE = "marriage_certificate", lazy_pgettext("document type", "Marriage certificate")
    DEATH = "death_certificate", lazy_pgettext("document type", "Death certificate")
    POWER_OF_ATTORNEY = "power_of_attorney", lazy_pgettext("document type", "Power of attorney")
    COMPANY = "company_document", lazy_pgettext("document type", "Company document")
    OTHER = "other", lazy_pgettext("document type", "Other document")


class Delivery(TitledEnum):
    PICKUP = "pickup", lazy_pgettext("delivery", "Collect from the mission")
    POST = "post", lazy_pgettext("delivery", "Return by post")


class CheckResult(StrEnum):
    VALID = "valid"
    REVOKED = "revoked"
    NOT_FOUND = "not_found"
    #: the check character caught a mistyped character; nothing was looked up
    TYPO = "typo"
    MALFORMED = "malformed"


class DocumentRequest(Base):
    """The detail row of a "document" case."""

    __tablename__ = "document_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"), unique=True)
    purpose: Mapped[str] = mapped_column(sa.String(300))
    is_express: Mapped[bool] = mapped_column(default=False)
    delivery: Mapped[Delivery] = mapped_column(str_enum(Delivery, 8))
    postal_address: Mapped[str | None] = mapped_column(sa.Text)
    #: the fee worked out from the settings at submission, kept as it was shown to the citizen
    fee_total: Mapped[int]
    fee_currency: Mapped[str] = mapped_column(sa.String(3))

    case: Mapped[Case] = relationship()
    items: Mapped[list["DocumentItem"]] = relationship(
        back_populates="request", order_by="DocumentItem.position", cascade="all, delete-orphan")
    files: Mapped[list["DocumentFile"]] = relationship(
        back_populates="request", order_by="DocumentFile.id", cascade="all, delete-orphan")

    #: not stored: how often each record has been checked, filled in for the staff case page
    check_counts = None

    @property
    def total_copies(self) -> int:
        return sum(item.copies for item in self.items)

    @property
    def records(self) -> list["VerificationRecord"]:
        return [record for item in self.items for record in item.records]

    def __repr__(self) -> str:
        return f"<DocumentRequest {self.id} case={self.case_id}>"


class DocumentItem(Base):
    """One document to authenticate, in one or more copies."""

    __tablename__ = "document_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("document_requests.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    document_type: Mapped[DocumentType] = mapped_column(str_enum(DocumentType, 24))
    #: what the document is, when the type is "other"
    type_detail: Mapped[str | None] = mapped_column(sa.String(120))
    #: the person the document is about, as written on it
    holder_name: Mapped[str] = mapped_column(sa.String(120))
    issuing_country_code: Mapped[str] = mapped_column(sa.ForeignKey("countries.code"))
    issuing_authority: Mapped[str] = mapped_column(sa.String(200))
    issued_on: Mapped[date] = mapped_column(sa.Date)
    #: a CLDR language code, or "other"
    language: Mapped[str] = mapped_column(sa.String(8))
    copies: Mapped[int]
    has_translation: Mapped[bool] = mapped_column(default=False)

    request: Mapped[DocumentRequest] = relationship(back_populates="items")
    issuing_country: Mapped[Country] = relationship()
    records: Mapped[list["VerificationRecord"]] = relationship(
        back_populates="item", order_by="VerificationRecord.copy_number", cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<DocumentItem {self.id} {self.document_type}>"


class DocumentFile(Base):
    """A scan attached to a request; the bytes live in uploads."""

    __tablename__ = "document_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("document_requests.id", ondelete="CASCADE"), index=True)
    upload_id: Mapped[str] = mapped_column(sa.ForeignKey("uploads.id", ondelete="CASCADE"), unique=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    request: Mapped[DocumentRequest] = relationship(back_populates="files")
    upload: Mapped[Upload] = relationship()


class VerificationRecord(Base):
    """One issued copy: its own code, the facts its sticker shows and signs, and any revocation."""

    __tablename__ = "verification_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: compact: 16 random characters and the check character
    code: Mapped[str] = mapped_column(sa.String(17), unique=True)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("document_items.id", ondelete="CASCADE"), index=True)
    copy_number: Mapped[int]
    mission_id: Mapped[int] = mapped_column(sa.ForeignKey("missions.id"))
    document_type: Mapped[DocumentType] = mapped_column(str_enum(DocumentType, 24))
    #: the date on the sticker, in the mission's own time zone
    authenticated_on: Mapped[date] = mapped_column(sa.Date)
    #: Ed25519 over code, mission, date and type (see portal/documents/signing.py)
    signature: Mapped[str] = mapped_column(sa.String(100))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    revoke_reason: Mapped[str | None] = mapped_column(sa.Text)

    item: Mapped[DocumentItem] = relationship(back_populates="records")
    mission: Mapped[Mission] = relationship()

    @property
    def display_code(self) -> str:
        return format_code(self.code)

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def __repr__(self) -> str:
        return f"<VerificationRecord {self.id} copy {self.copy_number}>"


class VerificationCheck(Base):
    """One public check, counted for the statistics. No address or code is kept."""

    __tablename__ = "verification_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    code_found: Mapped[bool]
    result: Mapped[CheckResult] = mapped_column(str_enum(CheckResult, 16))
    record_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("verification_records.id", ondelete="SET NULL"), index=True)
