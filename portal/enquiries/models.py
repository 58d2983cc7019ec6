"""The enquiry detail row beside its case."""


import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.cases.models import Case
from portal.core.db import Base, str_enum
from portal.core.i18n import lazy_pgettext
from portal.core.titled import TitledEnum
from portal.missions.models import Country


class EnquiryTopic(TitledEnum):
    PASSPORTS = "passports", lazy_pgettext("topic", "Passports")
    DOCUMENTS = "documents", lazy_pgettext("topic", "Document authentication")
    VISAS = "visas", lazy_pgettext("topic", "Visas")
    TRAVEL = "travel", lazy_pgettext("topic", "Travel safety")
    OTHER = "other", lazy_pgettext("topic", "Something else")


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
