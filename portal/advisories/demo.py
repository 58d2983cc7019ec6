"""Demo travel advice for every country: mostly grey, some yellow, orange and red, a few with
regional levels. Development only; the text is illustrative."""

from datetime import timedelta

import sqlalchemy as sa

from portal.advisories.levels import Level
from portal.advisories.models import AdvisoryAction, Edition, EditionRegion, EditionStatus, Subscription, UpdateType
from portal.core.db import insert_rows, utcnow
from portal.missions.models import Country

LEVELS = {
    Level.RED: "AF SY YE LY SO SS SD UA ML BF NE CF KP",
    Level.ORANGE: "IQ IR IL PS LB HT MM VE NI RU BY CD ER",
    Level.YELLOW: "EG PK NG CO MX BD KE ET TR PG SL GN CM MZ HN GT SV EC PE BO ZA TD DZ TN JO MG",
}
REGIONAL = {
    "TH": [("泰國南部四府（北大年、也拉、陶公、宋卡）",
            "Southern border provinces (Pattani, Yala, Narathiwat, Songkhla)", Level.ORANGE)],
    "PH": [("民答那峨島西部及蘇祿群島", "Western Mindanao and the Sulu Archipelago", Level.ORANGE)],
    "NG": [("東北部各州", "North-eastern states", Level.RED)],
    "EG": [("西奈半島北部", "North Sinai", Level.RED)],
    "IN": [("查謨和喀什米爾", "Jammu and Kashmir", Level.ORANGE)],
    "CO": [("與委內瑞拉邊境地區", "Border areas with Venezuela", Level.ORANGE)],
    "MX": [("塔毛利帕斯州等北部邊境州", "Tamaulipas and other northern border states", Level.ORANGE)],
}
INDICATORS = {
    "AF": ["terrorism", "kidnapping", "civil_unrest"], "SY": ["terrorism", "civil_unrest", "kidnapping"],
    "YE": ["terrorism", "civil_unrest", "health"], "UA": ["civil_unrest"], "IL": ["terrorism", "civil_unrest"],
    "HT": ["crime", "kidnapping", "civil_unrest"], "MM": ["civil_unrest", "wrongful_detention"],
    "RU": ["wrongful_detention", "civil_unrest"], "KP": ["wrongful_detention"], "IR": ["wrongful_detention"],
    "NG": ["crime", "kidnapping", "terrorism"], "MX": ["crime", "kidnapping"], "ZA": ["crime"], "CO": ["crime"],
    "PH": ["terrorism", "natural_disaster"], "TH": ["terrorism", "prc_treaty"], "JP": ["natural_disaster"],
    "ID": ["natural_disaster"], "EG": ["terrorism"], "FR": ["prc_treaty", "time_limited_event"],
    "ES": ["prc_treaty"], "IT": ["prc_treaty"], "PT": ["prc_treaty"], "KH": ["prc_treaty", "crime"],
    "KE": ["crime", "prc_treaty"], "CD": ["health", "civil_unrest"], "PG": ["crime", "natural_disaster"],
}

SUMMARY = {
    Level.GREY: ("整體治安尚稱良好，惟仍請注意個人財物及人身安全，並留意當地最新情勢。",
                 "The overall situation is stable. Take normal care of your belongings and safety, and follow "
                 "local news."),
    Level.YELLOW: ("部分地區治安不佳或情勢不穩，請特別注意旅遊安全並檢討是否前往。",
                   "Crime or instability affects parts of the country. Pay special attention to your safety "
                   "and reconsider whether to go."),
    Level.ORANGE: ("當地安全情勢惡化，請避免非必要旅行；已在當地者請提高警覺並與駐外館處保持聯繫。",
                   "The security situation has deteriorated. Avoid non-essential travel; if you are there, stay "
                   "alert and keep in touch with our mission."),
    Level.RED: ("當地發生武裝衝突或嚴重動亂，不宜前往；已在當地者請儘速離境。",
                "Armed conflict or serious unrest. Do not travel there; if you are there, leave as soon as "
                "you safely can."),
}
SECTIONS = {
    "safety": ("請避免前往人潮聚集及示威活動地點，夜間勿單獨外出，貴重物品請妥善保管。",
               "Avoid crowds and demonstrations, do not go out alone at night, and keep valuables out of sight."),
    "laws": ("請尊重當地宗教與風俗，攜帶毒品或違禁品將受嚴厲處罰。",
             "Respect local religion and customs. Drug offences carry severe penalties."),
    "health": ("出發前請確認所需疫苗，並投保涵蓋醫療後送之旅遊平安保險。",
               "Check which vaccinations you need before you go, and take out travel insurance that covers "
               "medical evacuation."),
    "entry": ("請確認護照效期在六個月以上，並事先查詢簽證規定。",
              "Make sure your passport is valid for at least six months and check visa rules before you go."),
    "disasters": ("雨季期間可能發生洪水及土石流，請留意當地氣象預報。",
                  "Floods and landslides can occur in the rainy season; follow local weather warnings."),
}


def _level_for(code: str) -> Level:
    for level, codes in LEVELS.items():
        if code in codes.split():
            return level
    return Level.GREY


def load_demo_advisories(session, *, editor=None, publisher=None) -> int:
    """Publish one edition for every country that has none yet. Idempotent."""
    have = set(session.scalars(sa.select(Edition.country_code).distinct()))
    now, added = utcnow(), 0
    for index, country in enumerate(session.scalars(sa.select(Country).order_by(Country.code))):
        if country.code in have or country.code == "TW":
            continue
        level = _level_for(country.code)
        published = now - timedelta(days=5 + (index * 37) % 300)
        content = {lang: {"summary": SUMMARY[level][i], **{k: v[i] for k, v in SECTIONS.items()}}
                   for i, lang in enumerate(("zh", "en"))}
        edition = Edition(country_code=country.code, version=1, status=EditionStatus.PUBLISHED, level=level,
                          update_type=UpdateType.MAJOR, indicators=INDICATORS.get(country.code, []),
                          content=content, change_note_zh="更新旅遊安全資訊。", change_note_en="Travel advice updated.",
                          public_updated_at=published, published_at=published, reviewed_at=published,
                          created_at=published, created_by_id=editor.id if editor else None)
        edition.regions = [EditionRegion(name_zh=zh, name_en=en, level=lv)
                           for zh, en, lv in REGIONAL.get(country.code, [])]
        session.add(edition)
        session.flush()
        session.add(AdvisoryAction(country_code=country.code, edition_id=edition.id, at=published,
                                   actor_id=publisher.id if publisher else None, action="published",
                                   comment="示範資料 · Demo data"))
        added += 1
    session.flush()
    return added


def load_demo_subscribers(session, *, subscribers: int, country_code: str = "JP", chunk: int = 10000) -> int:
    """`subscribers` confirmed alert subscriptions, four in five to one country and the rest to every
    country, a third in Chinese: the many who follow the most visited destination. The caller commits."""
    now = utcnow()
    first = (session.scalar(sa.select(sa.func.max(Subscription.id))) or 0) + 1
    for start in range(first, first + subscribers, chunk):
        rows = [{"email": f"subscriber{n}@example.tw", "country_code": country_code if n % 5 else None,
                 "token": f"demo-subscription-{n}", "locale": "en" if n % 3 else "zh_Hant_TW", "confirmed_at": now,
                 "created_at": now, "unsubscribe_reason": ""}
                for n in range(start, min(start + chunk, first + subscribers))]
        insert_rows(session, Subscription, rows)
    return subscribers
