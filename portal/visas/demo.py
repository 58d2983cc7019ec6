"""A demonstration set of visa requirements for every country, in both directions.

It is modelled on Taiwan's published policy of recent years but simplified and NOT AUTHORITATIVE:
it lets the look-up, the API and the advisory pages be tried. A ministry deploying the portal has
its staff enter the real rules (each change published by a second person).
"""

from datetime import date

import sqlalchemy as sa

from portal.core.db import utcnow
from portal.missions.models import Country
from portal.visas.models import OUTBOUND_PURPOSE, VISIT_PURPOSES, Direction, Purpose, RuleStatus, Treatment, VisaRule
from portal.visas.nationalities import is_nationality

#: the day the demonstration rules apply from
DEMO_SINCE = date(2025, 1, 1)

_EUROPE = ("AD AT BE BG CH CY CZ DE DK EE ES FI FR GR HR HU IE IS IT LI LT LU LV MC MT NL NO PL PT RO SE SI "
           "SK SM VA").split()

#: foreigners visiting Taiwan (tourism, business, family): treatment and days, by nationality
INBOUND_VISITS: dict[Treatment, dict[int, list[str]]] = {
    Treatment.EXEMPT: {
        90: [*_EUROPE, *"AU CA GB IL JP KR NZ US BZ CL DO EC GT HT MH PW PY KN LC VC SZ TV".split()],
        30: "SG MY".split(),
        14: "TH BN PH".split(),
    },
    Treatment.LANDING: {30: ["TR"]},
    Treatment.EVISA: {30: "AE BH KW OM QA SA MX PE CO IN ID VN MM KH LA HK MO".split()},
}

#: holders of a Taiwan passport abroad (short visits), by destination
OUTBOUND_VISITS: dict[Treatment, dict[int, list[str]]] = {
    Treatment.EXEMPT: {
        183: ["PE"],
        180: ["PA"],
        90: [*_EUROPE, *"JP KR IL BZ CR GT HT HN NI PY MH PW KN LC VC SZ TV EC DO CO AR BR".split()],
        60: ["TH"],
        30: "SG MY MO FJ".split(),
        14: "PH BN".split(),
    },
    Treatment.LANDING: {90: ["NP", "TZ"], 30: "ID KH LA MV JO EG BD AE BH".split()},
    Treatment.EVISA: {180: ["GB", "CA"], 90: "US AU NZ VN KE".split(), 30: "IN TR LK QA OM SA KW HK".split()},
}

_TEXTS = {
    (Direction.INBOUND, Treatment.EXEMPT): (
        "入境時護照效期須有六個月以上，並持有回程或次一目的地機票及已訂妥之住宿。停留期限自入境翌日起算，不得延期或改換其他停留期限。",
        "Your passport must be valid for at least six months on arrival, and you need a return or onward ticket and "
        "booked accommodation. The stay counts from the day after arrival and cannot be extended."),
    (Direction.INBOUND, Treatment.LANDING): (
        "抵達機場時於入境處申請落地簽證，須持效期六個月以上之護照、回程機票及照片一張，並繳納簽證費。",
        "Apply at the airport on arrival: bring a passport valid for at least six months, a return ticket and one "
        "photo, and pay the visa fee there."),
    (Direction.INBOUND, Treatment.EVISA): (
        "出發前於網路申請電子簽證並列印，通常三個工作天內核發；入境時出示電子簽證及效期六個月以上之護照。",
        "Apply online before you travel and print the eVisa; it is usually issued within three working days. Show "
        "it with a passport valid for at least six months on arrival."),
    (Direction.INBOUND, Treatment.VISA): (
        "出發前向駐外館處申請停留簽證，可於本網站線上申請。須備護照、照片、行程及財力證明。",
        "Apply to a mission for a visitor visa before you travel: you can apply on this portal. You need your "
        "passport, a photo, your itinerary and proof that you can pay for your stay."),
    (Direction.OUTBOUND, Treatment.EXEMPT): (
        "持效期六個月以上之中華民國護照即可入境，入境時可能須出示回程機票、住宿證明及足夠旅費。",
        "A Taiwan passport valid for at least six months is enough; border officers may ask for a return ticket, "
        "where you will stay and enough money for the visit."),
    (Direction.OUTBOUND, Treatment.LANDING): (
        "抵達時於機場或口岸申請落地簽證並繳費，建議攜帶照片、回程機票及現金。",
        "Get the visa on arrival at the airport or border and pay the fee there; bring a photo, a return ticket and "
        "cash."),
    (Direction.OUTBOUND, Treatment.EVISA): (
        "出發前須於該國官方網站申請電子簽證或電子旅行許可，請勿透過代辦網站多付費用。",
        "Before you travel, apply for the eVisa or electronic travel authorisation on that country's official site; "
        "look-alike agency sites charge more."),
    (Direction.OUTBOUND, Treatment.VISA): (
        "出發前須向該國駐臺機構或駐外使領館申請簽證，所需文件及時間請洽該國官方機構。",
        "Apply for a visa to that country's office in Taiwan or its embassy before you travel; ask it for the "
        "documents and time needed."),
}

_LONG_STAY = (
    "須向駐外館處申請居留簽證：就學者附入學許可，工作者附勞動部核發之工作許可。",
    "You need a resident visa from a mission: for study, with the admission letter; for work, with the work "
    "permit issued by the Ministry of Labor.")

_SPECIAL = {
    (Direction.INBOUND, "CN"): (
        "大陸地區人民來臺非屬簽證，應經由邀請單位向內政部移民署申請入出境許可證。",
        "Residents of mainland China do not get a visa: their host in Taiwan applies for an entry permit to the "
        "National Immigration Agency."),
    (Direction.INBOUND, "HK"): (
        "香港居民可於網路申請臨人入境許可（網簽），每次停留三十天。",
        "Residents of Hong Kong apply online for an entry permit for a stay of 30 days each time."),
    (Direction.INBOUND, "MO"): (
        "澳門居民可於網路申請臨人入境許可（網簽），每次停留三十天。",
        "Residents of Macao apply online for an entry permit for a stay of 30 days each time."),
    (Direction.OUTBOUND, "CN"): (
        "前往中國大陸須持臺灣居民來往大陸通行證，非簽證；請先閱讀旅遊安全資訊。",
        "Going to mainland China needs a Mainland Travel Permit for Taiwan Residents, not a visa; read the travel "
        "advice first."),
    (Direction.OUTBOUND, "HK"): (
        "出發前須於網路辦理預辦入境登記，每次停留三十天。",
        "Register online before you travel (pre-arrival registration) for a stay of 30 days each time."),
}


def _treatments(table: dict[Treatment, dict[int, list[str]]]) -> dict[str, tuple[Treatment, int | None]]:
    found: dict[str, tuple[Treatment, int | None]] = {}
    for treatment, by_days in table.items():
        for days, codes in by_days.items():
            for code in codes:
                found[code] = (treatment, days)
    return found


def demo_rows(country_codes: list[str]) -> list[dict]:
    """The demonstration rules for these countries, as rows ready to insert."""
    rows = []
    for direction, table in ((Direction.INBOUND, INBOUND_VISITS), (Direction.OUTBOUND, OUTBOUND_VISITS)):
        treatments = _treatments(table)
        purposes = (*VISIT_PURPOSES, Purpose.STUDY, Purpose.WORK) if direction is Direction.INBOUND \
            else (OUTBOUND_PURPOSE,)
        for code in country_codes:
            if not is_nationality(code):  # Taiwan itself, uninhabited places, CLDR's extra regions
                continue
            for purpose in purposes:
                if purpose in VISIT_PURPOSES:
                    treatment, days = treatments.get(code, (Treatment.VISA, None))
                    zh, en = _SPECIAL.get((direction, code)) or _TEXTS[(direction, treatment)]
                else:
                    treatment, days = Treatment.VISA, None
                    zh, en = _LONG_STAY
                rows.append({"direction": direction, "country_code": code, "purpose": purpose,
                             "treatment": treatment, "stay_days": days, "conditions_zh": zh, "conditions_en": en})
    return rows


def load_demo_rules(session, *, proposer, publisher) -> int:
    """Publish the demonstration rules where a country has none yet. Idempotent; returns how many were added."""
    have = set(session.execute(sa.select(VisaRule.direction, VisaRule.country_code).distinct()).all())
    codes = list(session.scalars(sa.select(Country.code).order_by(Country.code)))
    now = utcnow()
    rows = [dict(row, effective_from=DEMO_SINCE, status=RuleStatus.PUBLISHED, proposed_at=now,
                 proposed_by_id=proposer.id if proposer else None, published_at=now,
                 published_by_id=publisher.id if publisher else None,
                 change_note_zh="示範資料", change_note_en="Demonstration data")
            for row in demo_rows(codes) if (row["direction"], row["country_code"]) not in have]
    if rows:
        session.execute(sa.insert(VisaRule), rows)
    session.flush()
    return len(rows)
