"""Countries and missions."""

from urllib.parse import urlencode

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


#: the usual counter hours, until a mission sets its own
DEFAULT_HOURS_ZH = "週一至週五 9:00–12:00、13:30–16:30（當地時間；當地假日休息）"
DEFAULT_HOURS_EN = "Monday to Friday, 9:00–12:00 and 13:30–16:30 local time (closed on local public holidays)"


def map_link(address: str) -> str:
    return "https://www.openstreetmap.org/search?" + urlencode({"query": address})


#: the Bureau of Consular Affairs in Taipei, kept as a mission so its staff and cases fit the same rules
HEADQUARTERS_CODE = "hq"


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
    #: when the counter is open, in the mission's local time, as people read it
    opening_hours_zh: Mapped[str] = mapped_column(sa.String(200), default=DEFAULT_HOURS_ZH,
                                                  server_default=DEFAULT_HOURS_ZH)
    opening_hours_en: Mapped[str] = mapped_column(sa.String(200), default=DEFAULT_HOURS_EN,
                                                  server_default=DEFAULT_HOURS_EN)

    country: Mapped[Country] = relationship(foreign_keys=[country_code])
    countries: Mapped[list[Country]] = relationship(secondary=mission_countries, back_populates="missions",
                                                    order_by=Country.code)

    def name(self, chinese: bool) -> str:
        return self.name_zh if chinese else self.name_en

    @property
    def is_headquarters(self) -> bool:
        return self.code == HEADQUARTERS_CODE

    def city(self, chinese: bool) -> str:
        return self.city_zh if chinese else self.city_en

    def opening_hours(self, chinese: bool) -> str:
        return self.opening_hours_zh if chinese else self.opening_hours_en

    @property
    def map_url(self) -> str:
        """A map of the address (OpenStreetMap's search: no key, no tracking)."""
        return map_link(self.address)

    def __repr__(self) -> str:
        return f"<Mission {self.code}>"
