"""Countries, missions and which mission covers where."""

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import sqlalchemy as sa
from babel import Locale
from sqlalchemy.orm import selectinload
from wtforms import SelectChoice

from portal.core.i18n import collation_key
from portal.missions.demo_missions import DEMO_MISSIONS
from portal.missions.models import HEADQUARTERS_CODE, Country, Mission, mission_countries

# CLDR territory codes that are groupings or placeholders, not places.
NOT_PLACES = {"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"}

#: the ministry's own names where they differ from the locale data (CLDR's 中國香港特別行政區,
#: 中國澳門特別行政區 and 中國; "Hong Kong SAR China", "Macao SAR China" and "China"); reviewed, both languages
MINISTRY_NAMES = {
    "HK": ("香港", "Hong Kong"),
    "MO": ("澳門", "Macao"),
    "CN": ("中國大陸", "Mainland China"),
}


@dataclass(frozen=True)
class Place:
    """Where someone goes to collect what was made for them, as they need to be told it."""

    name: str
    address: str
    hours: str
    map_url: str


@dataclass(frozen=True)
class Collection:
    """What someone needs to know to collect something that is ready: where, what to bring, the fee
    paid there, and until when it is kept."""

    place: Place | None
    bring: list[str]
    fee: int | None
    currency: str | None
    keep_until: date


def place_of(mission: Mission, chinese: bool) -> Place:
    return Place(mission.name(chinese), mission.address, mission.opening_hours(chinese), mission.map_url)


def cldr_countries() -> list[dict]:
    """Every country and territory CLDR names, in Traditional Chinese (Taiwan) and English, with the
    ministry's own names where they differ."""
    chinese, english = Locale.parse("zh_Hant_TW").territories, Locale.parse("en").territories
    rows = [{"code": code, "name_zh": chinese.get(code, name), "name_en": name}
            for code, name in sorted(english.items())
            if len(code) == 2 and code.isalpha() and code not in NOT_PLACES]
    for row in rows:
        if row["code"] in MINISTRY_NAMES:
            row["name_zh"], row["name_en"] = MINISTRY_NAMES[row["code"]]
    return rows


@lru_cache(maxsize=1)
def _country_names() -> dict[str, tuple[str, str]]:
    return {row["code"]: (row["name_zh"], row["name_en"]) for row in cldr_countries()}


def country_name(code: str, chinese: bool) -> str:
    """A country's name from its code without asking the database (the names the country table is
    loaded from): for lists that name a country on every row. The code itself if it is unknown."""
    names = _country_names().get(code)
    return (names[0] if chinese else names[1]) if names else code


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


def country_by_code(session, code: str | None) -> Country | None:
    """A country by its ISO 3166 code as a form, a link or an API call gives it: two letters, any case."""
    code = (code or "").strip().upper()
    return session.get(Country, code) if len(code) == 2 and code.isascii() and code.isalpha() else None


def mission_by_code(session, code: str | None) -> Mission | None:
    """A mission by the code in its addresses (e.g. /missions/tokyo/...), in any case."""
    code = (code or "").strip().lower()
    return session.scalar(sa.select(Mission).where(Mission.code == code)) if 0 < len(code) <= 40 else None


def list_countries(session, *, chinese: bool) -> list[Country]:
    """Every country but Taiwan, in the reader's order of their names."""
    countries = session.scalars(sa.select(Country).where(Country.code != "TW")).all()
    return sorted(countries, key=lambda country: collation_key(country.name(chinese)))


def list_missions(session) -> list[Mission]:
    return list(session.scalars(sa.select(Mission).order_by(Mission.code)))


def mission_choices(session, *, chinese: bool, overseas_only: bool = True, blank: str | None = None,
                    value=lambda mission: str(mission.id)) -> list[SelectChoice]:
    """Missions for a select, in the reader's language and order, grouped by the country they are in
    (an <optgroup> each). Headquarters is offered only where it is meant (overseas_only=False): first,
    on its own. `value` makes each option's value (the id by default)."""
    missions = session.scalars(sa.select(Mission).options(selectinload(Mission.country))).all()
    head = [m for m in missions if m.code == HEADQUARTERS_CODE and not overseas_only]
    abroad = sorted((m for m in missions if m.code != HEADQUARTERS_CODE),
                    key=lambda m: (collation_key(m.country.name(chinese)), collation_key(m.name(chinese))))
    return ([SelectChoice("", blank)] if blank is not None else []) \
        + [SelectChoice(value(m), m.name(chinese)) for m in head] \
        + [SelectChoice(value(m), m.name(chinese), optgroup=m.country.name(chinese)) for m in abroad]


def covering_mission(session, country_code: str) -> Mission | None:
    """The mission that handles consular matters for a country, if any."""
    return session.scalar(
        sa.select(Mission).join(mission_countries, mission_countries.c.mission_id == Mission.id)
        .where(mission_countries.c.country_code == country_code))


def fallback_mission(session) -> Mission:
    """Where requests from a country no mission covers go: the first mission by code."""
    mission = session.scalar(sa.select(Mission).order_by(Mission.id).limit(1))
    if mission is None:
        raise RuntimeError("There are no missions: run `flask --app wsgi seed`.")
    return mission


# --- headquarters ---------------------------------------------------------------------------------
# The Bureau of Consular Affairs in Taipei is a mission record too: cases handled at home (mailbox
# messages for a headquarters unit, passports collected at a domestic office, calls logged by staff
# without a mission) belong to it.
HEADQUARTERS = {
    "code": HEADQUARTERS_CODE,
    "name_zh": "外交部領事事務局",
    "name_en": "Bureau of Consular Affairs, Ministry of Foreign Affairs",
    "city_zh": "臺北",
    "city_en": "Taipei",
    "country": "TW",
    "address": "3-5F, No. 2-2, Sec. 1, Jinan Road, Zhongzheng District, Taipei 100, Taiwan",
    "phone": "+886-2-2343-2888",
    "emergency_phone": "+886-800-085-095",
    "covers": (),
    "timezone": "Asia/Taipei",
}


def load_headquarters(session) -> int:
    """Add or refresh the headquarters row (idempotent)."""
    return load_missions(session, missions=(HEADQUARTERS,))


def headquarters(session) -> Mission:
    mission = session.scalar(sa.select(Mission).where(Mission.code == HEADQUARTERS_CODE))
    if mission is None:
        raise RuntimeError("The headquarters mission is missing: run `flask --app wsgi seed`.")
    return mission


def overseas_missions(session) -> list[Mission]:
    """Every mission abroad: all but headquarters."""
    return [m for m in list_missions(session) if m.code != HEADQUARTERS_CODE]
