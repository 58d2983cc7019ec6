"""Passport applications: a draft saved step by step, which becomes the detail row of a
"passport" case when it is submitted, and later holds the issued passport's number and MRZ."""

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User
from portal.core.cases.models import Case
from portal.core.crypto import EncryptedValue, decrypt, encrypt
from portal.core.db import Base, UTCDateTime, str_enum, utcnow
from portal.core.i18n import lazy_pgettext
from portal.core.titled import TitledEnum
from portal.core.uploads import Upload
from portal.missions.models import Mission

TABLE = "passport_applications"


class ApplicationType(TitledEnum):
    FIRST = "first", lazy_pgettext("passport type", "First adult passport")
    RENEWAL = "renewal", lazy_pgettext("passport type", "Renewal")
    REPLACEMENT = "replacement", lazy_pgettext("passport type", "Replacement of a lost or stolen passport")
    MINOR = "minor", lazy_pgettext("passport type", "Passport for a minor (under 18)")

    @property
    def asks_previous_passport(self) -> bool:
        return self in (ApplicationType.RENEWAL, ApplicationType.REPLACEMENT)


class DraftState(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"


class Sex(TitledEnum):
    """Sex as the household registration records it, which is what a Taiwan passport prints: the
    registration knows only female and male, so the application offers those two. The MRZ itself
    would take X (unspecified, written `<`) should the law ever allow it; see mrz.td3()."""

    FEMALE = "F", lazy_pgettext("sex", "Female")
    MALE = "M", lazy_pgettext("sex", "Male")


class PassportApplication(Base):
    """One application. While `state` is draft it has no case; submission opens the case."""

    __tablename__ = TABLE

    id: Mapped[int] = mapped_column(primary_key=True)
    #: random, for addresses: one draft's address tells nothing about another's
    token: Mapped[str] = mapped_column(sa.String(32), unique=True)
    applicant_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"), unique=True)
    state: Mapped[DraftState] = mapped_column(str_enum(DraftState, 12), default=DraftState.DRAFT)
    application_type: Mapped[ApplicationType] = mapped_column(str_enum(ApplicationType, 16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    national_id_cipher: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    national_id_hash: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    name_zh: Mapped[str | None] = mapped_column(sa.String(40))
    #: as it will print: SURNAME, GIVEN-NAMES (capitals, space, hyphen, one comma)
    name_latin: Mapped[str | None] = mapped_column(sa.String(80))
    #: a renewal whose name in Latin letters differs from the previous passport on purpose
    name_changed: Mapped[bool] = mapped_column(default=False)
    birth_date: Mapped[date | None] = mapped_column(sa.Date)
    birth_place: Mapped[str | None] = mapped_column(sa.String(60))
    sex: Mapped[Sex | None] = mapped_column(str_enum(Sex, 1))
    height_cm: Mapped[int | None]
    email: Mapped[str | None] = mapped_column(sa.String(254))
    phone: Mapped[str | None] = mapped_column(sa.String(40))
    address: Mapped[str | None] = mapped_column(sa.Text)

    previous_number_cipher: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    previous_number_hash: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    previous_expiry: Mapped[date | None] = mapped_column(sa.Date)
    lost_on: Mapped[date | None] = mapped_column(sa.Date)
    lost_where: Mapped[str | None] = mapped_column(sa.String(200))
    police_reported: Mapped[bool | None]

    guardian_name: Mapped[str | None] = mapped_column(sa.String(40))
    guardian_relationship: Mapped[str | None] = mapped_column(sa.String(40))
    guardian_consent: Mapped[bool] = mapped_column(default=False)

    #: collected at an overseas mission, or at one of the domestic offices (DOMESTIC_OFFICES)
    pickup_mission_id: Mapped[int | None] = mapped_column(sa.ForeignKey("missions.id"))
    pickup_office: Mapped[str | None] = mapped_column(sa.String(20))
    photo_id: Mapped[str | None] = mapped_column(sa.ForeignKey("uploads.id", ondelete="SET NULL"))

    #: worked out from the settings at submission, as shown to the citizen
    fee: Mapped[int | None]
    fee_currency: Mapped[str | None] = mapped_column(sa.String(3))
    validity_years: Mapped[int | None]
    declared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    #: the printed passport
    passport_number_cipher: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    passport_number_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    issued_on: Mapped[date | None] = mapped_column(sa.Date)
    expires_on: Mapped[date | None] = mapped_column(sa.Date)
    #: both MRZ lines, encrypted like the identifiers they carry (line 2 holds both numbers)
    mrz_cipher: Mapped[bytes | None] = mapped_column(sa.LargeBinary)

    national_id = EncryptedValue(TABLE, purpose="national_id")
    previous_number = EncryptedValue(TABLE, purpose="passport_number")
    passport_number = EncryptedValue(TABLE, purpose="passport_number")

    applicant: Mapped[User] = relationship()
    case: Mapped[Case | None] = relationship()
    pickup_mission: Mapped[Mission | None] = relationship()
    photo: Mapped[Upload | None] = relationship()

    @property
    def mrz_lines(self) -> tuple[str, str] | None:
        if self.mrz_cipher is None:
            return None
        line1, line2 = decrypt(self.mrz_cipher, table=TABLE, column="mrz").split("\n")
        return line1, line2

    @mrz_lines.setter
    def mrz_lines(self, lines: tuple[str, str]) -> None:
        self.mrz_cipher = encrypt("\n".join(lines), table=TABLE, column="mrz")

    @property
    def is_draft(self) -> bool:
        return self.state is DraftState.DRAFT

    @property
    def surname_latin(self) -> str:
        return (self.name_latin or "").split(",", 1)[0].strip()

    @property
    def given_names_latin(self) -> str:
        parts = (self.name_latin or "").split(",", 1)
        return parts[1].strip() if len(parts) > 1 else ""

    def __repr__(self) -> str:
        return f"<PassportApplication {self.id} {self.state} case={self.case_id}>"
