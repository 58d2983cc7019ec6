"""Countries and missions."""

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.db import Base

mission_countries = sa.Table(
    "mission_countries",
    Base.metadata,
    sa.Column("mission_id", sa.ForeignKey("missions.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("country_code", sa.ForeignKey("countries.code", ondelete="CASCADE"), primary_key=True,
              unique=True),
)


class Country(Base):
    """A country or territory, named in both languages from CLDR."""

    __tablename__ = "countries"

    code: Mapped[str] = mapped_column(sa.String(2), primary_key=True)
    name_zh: Mapped[str] = mapped_column(sa.String(100))
    name_en: Mapped[str] = mapped_column(sa.String(100))

    missions: Mapped[list["Mission"]] = relationship(secondary=mission_countries, back_populates="countries")

    def name(self, chinese: bool) -> str:
        return self.name_zh if chinese else self.name_en

    def __repr__(self) -> str:
        return f"<Country {self.code}>"


class Mission(Base):
    """An overseas mission (embassy or representative office) with the countries it covers."""

    __tablename__ = "missions"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name_zh: Mapped[str] = mapped_column(sa.String(120))
    name_en: Mapped[str] = mapped_column(sa.String(200))
    city_zh: Mapped[str] = mapped_column(sa.String(60))
    city_en: Mapped[str] = mapped_column(sa.String(80))
    country_code: Mapped[str] = mapped_column(sa.ForeignKey("countries.code"))
    address: Mapped[str] = mapped_column(sa.String(300))
    phone: Mapped[str] = mapped_column(sa.String(40))
    emergency_phone: Mapped[str] = mapped_column(sa.String(40))
    timezone: Mapped[str] = mapped_column(sa.String(60))

    country: Mapped[Country] = relationship(foreign_keys=[country_code])
    countries: Mapped[list[Country]] = relationship(secondary=mission_countries, back_populates="missions",
                                                    order_by=Country.code)

    def name(self, chinese: bool) -> str:
        return self.name_zh if chinese else self.name_en

    def city(self, chinese: bool) -> str:
        return self.city_zh if chinese else self.city_en

    def __repr__(self) -> str:
        return f"<Mission {self.code}>"
