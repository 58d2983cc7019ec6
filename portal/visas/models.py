"""Visa requirements kept by staff with effective dates, visa applications and the visas issued."""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User
from portal.core.cases.models import Case
from portal.core.db import Base, UTCDateTime, str_enum, utcnow
from portal.core.i18n import lazy_pgettext
from portal.core.titled import TitledEnum
from portal.core.uploads import Upload
from portal.documents.codes import format_code
from portal.missions.models import Country, Mission


class Direction(TitledEnum):
    #: foreigners coming to Taiwan, by their nationality
    INBOUND = "inbound", lazy_pgettext("visa direction", "Foreigners visiting Taiwan")
    #: holders of a Taiwan passport going abroad, by the country they go to
    OUTBOUND = "outbound", lazy_pgettext("visa direction", "Taiwan passport holders abroad")


class Purpose(TitledEnum):
    TOURISM = "tourism", lazy_pgettext("visa purpose", "Tourism")
    BUSINESS = "business", lazy_pgettext("visa purpose", "Business, conferences or trade fairs")
    FAMILY = "family", lazy_pgettext("visa purpose", "Visiting family or friends")
    STUDY = "study", lazy_pgettext("visa purpose", "Study")
    WORK = "work", lazy_pgettext("visa purpose", "Work")


#: short visits: what visa exemption, landing visas, eVisas and the visitor visa cover
VISIT_PURPOSES = (Purpose.TOURISM, Purpose.BUSINESS, Purpose.FAMILY)
#: Taiwan passport holders' treatment abroad is kept for short visits only
OUTBOUND_PURPOSE = Purpose.TOURISM


class Treatment(TitledEnum):
    EXEMPT = "exempt", lazy_pgettext("visa treatment", "Visa-free")
    LANDING = "landing", lazy_pgettext("visa treatment", "Visa on arrival")
    EVISA = "evisa", lazy_pgettext("visa treatment", "eVisa or online travel authorisation")
    VISA = "visa", lazy_pgettext("visa treatment", "Visa required before travel")

    @property
    def has_stay(self) -> bool:
        """Whether a number of days comes with it (a visa's stay is set when it is issued)."""
        return self is not Treatment.VISA


class RuleStatus(TitledEnum):
    DRAFT = "draft", lazy_pgettext("visa rule", "Waiting for a second person")
    PUBLISHED = "published", lazy_pgettext("visa rule", "Published")
    CANCELLED = "cancelled", lazy_pgettext("visa rule", "Cancelled")


class VisaRule(Base):
    """One version of the treatment for a direction, country and purpose, from its effective date.

    A rule is proposed by one person and published by another; once published it is never edited:
    a change is a new rule with a later effective date, and the old one becomes history.
    """

    __tablename__ = "visa_rules"
    __table_args__ = (sa.Index("ix_visa_rules_lookup", "direction", "country_code", "purpose", "status",
                               "effective_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    direction: Mapped[Direction] = mapped_column(str_enum(Direction, 8))
    country_code: Mapped[str] = mapped_column(sa.ForeignKey("countries.code"))
    purpose: Mapped[Purpose] = mapped_column(str_enum(Purpose, 12))
    treatment: Mapped[Treatment] = mapped_column(str_enum(Treatment, 8))
    #: the longest stay allowed, for every treatment but a visa
    stay_days: Mapped[int | None]
    conditions_zh: Mapped[str] = mapped_column(sa.Text, default="")
    conditions_en: Mapped[str] = mapped_column(sa.Text, default="")
    #: the Taipei day from which the rule applies
    effective_from: Mapped[date] = mapped_column(sa.Date)
    status: Mapped[RuleStatus] = mapped_column(str_enum(RuleStatus, 12), default=RuleStatus.DRAFT)
    #: why it changed, for the history (staff write it; the public sees it)
    change_note_zh: Mapped[str] = mapped_column(sa.Text, default="")
    change_note_en: Mapped[str] = mapped_column(sa.Text, default="")
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    proposed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    country: Mapped[Country] = relationship()
    proposed_by: Mapped[User | None] = relationship(foreign_keys=[proposed_by_id])
    published_by: Mapped[User | None] = relationship(foreign_keys=[published_by_id])

    def conditions(self, chinese: bool) -> str:
        return self.conditions_zh if chinese else self.conditions_en

    def change_note(self, chinese: bool) -> str:
        return self.change_note_zh if chinese else self.change_note_en

    def __repr__(self) -> str:
        return f"<VisaRule {self.direction} {self.country_code} {self.purpose} {self.treatment} {self.effective_from}>"


class Entries(TitledEnum):
    SINGLE = "single", lazy_pgettext("visa entries", "Single entry")
    MULTIPLE = "multiple", lazy_pgettext("visa entries", "Multiple entries")


class Sex(TitledEnum):
    FEMALE = "F", lazy_pgettext("sex", "Female")
    MALE = "M", lazy_pgettext("sex", "Male")
    UNSPECIFIED = "X", lazy_pgettext("sex", "Unspecified (X)")


def visit_days(arrival: date, departure: date) -> int:
    return (departure - arrival).days + 1


class VisaApplication(Base):
    """The detail row of a "visa" case: the applicant as on the passport, its zone, the visit, the fee."""

    __tablename__ = "visa_applications"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"), unique=True)
    surname: Mapped[str] = mapped_column(sa.String(80))
    given_names: Mapped[str] = mapped_column(sa.String(120))
    sex: Mapped[Sex] = mapped_column(str_enum(Sex, 1))
    birth_date: Mapped[date] = mapped_column(sa.Date)
    place_of_birth: Mapped[str] = mapped_column(sa.String(120))
    nationality_code: Mapped[str] = mapped_column(sa.ForeignKey("countries.code"))
    passport_number: Mapped[str] = mapped_column(sa.String(9))
    passport_expiry: Mapped[date] = mapped_column(sa.Date)
    #: the passport's own two lines as the applicant typed them, check digits verified
    passport_mrz: Mapped[str] = mapped_column(sa.String(89))
    purpose: Mapped[Purpose] = mapped_column(str_enum(Purpose, 12))
    purpose_detail: Mapped[str] = mapped_column(sa.String(500))
    arrival_on: Mapped[date] = mapped_column(sa.Date)
    departure_on: Mapped[date] = mapped_column(sa.Date)
    address_in_taiwan: Mapped[str] = mapped_column(sa.String(300))
    entries: Mapped[Entries] = mapped_column(str_enum(Entries, 8))
    fee_total: Mapped[int]
    fee_currency: Mapped[str] = mapped_column(sa.String(3))

    case: Mapped[Case] = relationship()
    nationality: Mapped[Country] = relationship()
    files: Mapped[list["VisaFile"]] = relationship(back_populates="application", order_by="VisaFile.id",
                                                   cascade="all, delete-orphan")
    visa: Mapped["IssuedVisa | None"] = relationship(back_populates="application", uselist=False)

    @property
    def visit_days(self) -> int:
        """The days of the visit asked for, arrival and departure days included."""
        return visit_days(self.arrival_on, self.departure_on)

    def __repr__(self) -> str:
        return f"<VisaApplication {self.id} case={self.case_id}>"


class VisaFile(Base):
    """A scan attached to an application (passport page, photo, itinerary, funds); the bytes live in uploads."""

    __tablename__ = "visa_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("visa_applications.id", ondelete="CASCADE"),
                                                index=True)
    upload_id: Mapped[str] = mapped_column(sa.ForeignKey("uploads.id", ondelete="CASCADE"), unique=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    application: Mapped[VisaApplication] = relationship(back_populates="files")
    upload: Mapped[Upload] = relationship()


class IssuedVisa(Base):
    """The visa an approved application gets: its number, validity, zone and verification code."""

    __tablename__ = "issued_visas"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("visa_applications.id", ondelete="CASCADE"),
                                                unique=True)
    number: Mapped[str] = mapped_column(sa.String(9), unique=True)
    #: the code on the shared /verify check: compact, 16 random characters and the check character
    code: Mapped[str] = mapped_column(sa.String(17), unique=True)
    mission_id: Mapped[int] = mapped_column(sa.ForeignKey("missions.id"))
    entries: Mapped[Entries] = mapped_column(str_enum(Entries, 8))
    valid_from: Mapped[date] = mapped_column(sa.Date)
    valid_until: Mapped[date] = mapped_column(sa.Date)
    #: days each stay may last
    stay_days: Mapped[int]
    mrz_line1: Mapped[str] = mapped_column(sa.String(44))
    mrz_line2: Mapped[str] = mapped_column(sa.String(44))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    application: Mapped[VisaApplication] = relationship(back_populates="visa")
    mission: Mapped[Mission] = relationship()

    @property
    def display_code(self) -> str:
        return format_code(self.code)

    def __repr__(self) -> str:
        return f"<IssuedVisa {self.number}>"
