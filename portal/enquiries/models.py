"""The enquiry detail row beside its case."""

from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.cases.models import Case
from portal.core.db import Base, str_enum
from portal.core.i18n import lazy_pgettext
from portal.missions.models import Country


class EnquiryTopic(StrEnum):
    PASSPORTS = "passports"
    DOCUMENTS = "documents"
    VISAS = "visas"
    TRAVEL = "travel"
    OTHER = "other"

    @property
    def title(self):
        return TOPIC_TITLES[self]


TOPIC_TITLES = {
    EnquiryTopic.PASSPORTS: lazy_pgettext("topic", "Passports"),
    EnquiryTopic.DOCUMENTS: lazy_pgettext("topic", "Document authentication"),
    EnquiryTopic.VISAS: lazy_pgettext("topic", "Visas"),
    EnquiryTopic.TRAVEL: lazy_pgettext("topic", "Travel safety"),
    EnquiryTopic.OTHER: lazy_pgettext("topic", "Something else"),
}


class Enquiry(Base):
    __tablename__ = "enquiries"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"), unique=True)
    topic: Mapped[EnquiryTopic] = mapped_column(str_enum(EnquiryTopic, 16))
    country_code: Mapped[str] = mapped_column(sa.ForeignKey("countries.code"))
    subject: Mapped[str] = mapped_column(sa.String(150))
    message: Mapped[str] = mapped_column(sa.Text)
    phone: Mapped[str | None] = mapped_column(sa.String(40))

    case: Mapped[Case] = relationship()
    country: Mapped[Country] = relationship()
