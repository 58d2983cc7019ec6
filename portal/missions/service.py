"""Countries, missions and which mission covers where."""

import sqlalchemy as sa
from babel import Locale

from portal.missions.demo_missions import DEMO_MISSIONS
from portal.missions.models import Country, Mission, mission_countries

# CLDR territory codes that are groupings or placeholders, not places.
NOT_PLACES = {"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"}


def cldr_countries() -> list[dict]:
    """Every country and territory CLDR names, in Traditional Chinese (Taiwan) and English."""
    chinese, english = Locale.parse("zh_Hant_TW").territories, Locale.parse("en").territories
    return [{"code": code, "name_zh": chinese.get(code, name), "name_en": name}
            for code, name in sorted(english.items())
            if len(code) == 2 and code.isalpha() and code not in NOT_PLACES]


def load_countries(session) -> int:
    """Insert or refresh the country list (idempotent). Returns how many there are."""
    existing = {c.code: c for c in session.scalars(sa.select(Country))}
    for row in cldr_countries():
        country = existing.get(row["code"])
        if country is None:
            session.add(Country(**row))
        else:
            country.name_zh, country.name_en = row["name_zh"], row["name_en"]
    session.flush()
    return session.scalar(sa.select(sa.func.count()).select_from(Country))


def load_missions(session, missions=DEMO_MISSIONS) -> int:
    """Insert or refresh missions and what they cover (idempotent)."""
    existing = {m.code: m for m in session.scalars(sa.select(Mission))}
    for row in missions:
        data = {k: v for k, v in row.items() if k not in ("covers", "country")}
        mission = existing.get(row["code"]) or Mission(code=row["code"])
        for key, value in data.items():
            setattr(mission, key, value)
        mission.country_code = row["country"]
        session.add(mission)
        session.flush()
        mission.countries = [session.get(Country, code) for code in row["covers"]]
    session.flush()
    return len(missions)


def list_countries(session, *, chinese: bool) -> list[Country]:
    order = Country.name_zh if chinese else Country.name_en
    return list(session.scalars(sa.select(Country).where(Country.code != "TW").order_by(order)))


def list_missions(session) -> list[Mission]:
    return list(session.scalars(sa.select(Mission).order_by(Mission.code)))


def covering_mission(session, country_code: str) -> Mission | None:
    """The mission that handles consular matters for a country, if any."""
    return session.scalar(
        sa.select(Mission).join(mission_countries, mission_countries.c.mission_id == Mission.id)
        .where(mission_countries.c.country_code == country_code))


def fallback_mission(session) -> Mission | None:
    """Where requests from a country no mission covers go: the first mission by code."""
    return session.scalar(sa.select(Mission).order_by(Mission.id).limit(1))
