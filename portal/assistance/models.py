"""The details of a request for emergency help."""

from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.cases.models import Case
from portal.core.db import Base, str_enum
from portal.core.i18n import _l
from portal.missions.models import Country


class Situation(StrEnum):
    LOST_PASSPORT = "lost_passport"
    ACCIDENT_ILLNESS = "accident_illness"
    ARREST = "arrest"
    CRIME_VICTIM = "crime_victim"
    DISASTER_UNREST = "disaster_unrest"
    MISSING_PERSON = "missing_person"
    DEATH = "death"
    OTHER = "other"

    @property
    def title(self):
        return SITUATIONS[self][0]

    @property
    def can_do(self):
        return SITUATIONS[self][1]

    @property
    def cannot_do(self):
        return SITUATIONS[self][2]


SITUATIONS = {
    Situation.LOST_PASSPORT: (
        _l("Lost or stolen passport"),
        _l("Issue an entry permit or a new passport so you can travel home, and tell you how to report the loss."),
        _l("Pay for your travel or replace lost money and belongings.")),
    Situation.ACCIDENT_ILLNESS: (
        _l("Accident or illness"),
        _l("Help you find a hospital or doctor, talk to them if needed, and contact your family."),
        _l("Pay medical bills or give medical advice.")),
    Situation.ARREST: (
        _l("Arrest or detention"),
        _l("Visit you where local law allows, give you a list of local lawyers, and ask for fair treatment."),
        _l("Get you out of detention, pay bail or fines, or interfere in local courts.")),
    Situation.CRIME_VICTIM: (
        _l("Victim of a crime"),
        _l("Help you report it to the police, find medical care and interpreters, and contact your family."),
        _l("Investigate the crime or act as your lawyer.")),
    Situation.DISASTER_UNREST: (
        _l("Natural disaster or unrest"),
        _l("Tell you where it is safe, help you leave, and keep your family informed."),
        _l("Guarantee transport or pay for it.")),
    Situation.MISSING_PERSON: (
        _l("Missing person"),
        _l("Work with local police and authorities to look for the person and keep the family informed."),
        _l("Search for the person ourselves.")),
    Situation.DEATH: (
        _l("Death abroad"),
        _l("Help the family with local procedures, documents and bringing the person home."),
        _l("Pay for funerals or repatriation.")),
    Situation.OTHER: (
        _l("Something else"),
        _l("Listen, advise and point you to the right local help."),
        _l("Act as a travel agency, bank or lawyer.")),
}


class AssistanceRequest(Base):
    __tablename__ = "assistance_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"), unique=True)
    situation: Mapped[Situation] = mapped_column(str_enum(Situation, 20))
    country_code: Mapped[str] = mapped_column(sa.ForeignKey("countries.code"))
    location: Mapped[str] = mapped_column(sa.String(300))
    name: Mapped[str] = mapped_column(sa.String(120))
    phone: Mapped[str] = mapped_column(sa.String(40))
    email: Mapped[str] = mapped_column(sa.String(254), default="")
    details: Mapped[str] = mapped_column(sa.Text)

    case: Mapped[Case] = relationship()
    country: Mapped[Country] = relationship()
