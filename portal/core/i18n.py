"""The one import path for translation and for dates shown to people.

Chinese dates use the ROC (Minguo) calendar, which Babel does not provide:
ROC year = Gregorian year - 1911, and years before 1912 are 民國前N年.
"""

import unicodedata
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_request_context, request
from flask_babel import force_locale, get_locale, gettext, lazy_gettext, lazy_pgettext, ngettext, pgettext
from flask_babel import format_date as babel_format_date
from flask_babel import format_decimal
from flask_login import current_user

_ = gettext
_l = lazy_gettext

__all__ = ["_", "_l", "format_decimal", "ngettext", "pgettext", "lazy_pgettext", "force_locale", "get_locale",
           "roc_date", "format_day", "format_month", "format_moment", "day_attribute", "moment_attribute",
           "select_locale", "is_chinese", "html_lang", "text_lang", "collation_key"]

TAIPEI = ZoneInfo("Asia/Taipei")


def roc_date(day: date) -> str:
    """民國115年11月27日 for 2026-11-27; 民國前1年 for 1911."""
    year = day.year - 1911
    era = f"民國{year}年" if year > 0 else f"民國前{1 - year}年"
    return f"{era}{day.month}月{day.day}日"


def is_chinese() -> bool:
    return str(get_locale() or "").startswith("zh")


def collation_key(text: str) -> tuple[str, str]:
    """How names are ordered for people: letters without regard to case or accents (Åland with the
    As), and Chinese characters in the dictionaries' radical and stroke order, which is the order of
    Unicode's CJK block. A stable sort, so equal keys keep the order they came in."""
    plain = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    return plain.casefold(), text


def _local(moment: datetime | date) -> datetime | date:
    if isinstance(moment, datetime):
        return moment.astimezone(TAIPEI)
    return moment


def format_day(moment: datetime | date | None) -> str:
    """A plain date in the reader's language: ROC years in Chinese, '27 November 2026' in English."""
    if moment is None:
        return ""
    local = _local(moment)
    day = local.date() if isinstance(local, datetime) else local
    if is_chinese():
        return roc_date(day)
    return babel_format_date(day, "d MMMM y")


def day_attribute(moment: datetime | date | None) -> str:
    """The machine-readable form of format_day() for <time datetime>: the same Taipei day."""
    if moment is None:
        return ""
    local = _local(moment)
    return (local.date() if isinstance(local, datetime) else local).isoformat()


def moment_attribute(moment: datetime | None) -> str:
    """The machine-readable form of format_moment(): Taipei time with its offset, in whole seconds
    (HTML allows at most three decimals)."""
    if moment is None:
        return ""
    return moment.astimezone(TAIPEI).replace(microsecond=0).isoformat()


def format_month(month: str) -> str:
    """A YYYY-MM month in the reader's language: 民國115年12月, or December 2026."""
    year, number = (int(part) for part in month.split("-"))
    if is_chinese():
        return roc_date(date(year, number, 1)).split("月")[0] + "月"
    return babel_format_date(date(year, number, 1), "MMMM y")


def format_moment(moment: datetime | None) -> str:
    """A date with the time of day in Taipei time."""
    if moment is None:
        return ""
    local = moment.astimezone(TAIPEI)
    return f"{format_day(local)} {local:%H:%M}"


def select_locale() -> str:
    """Explicit choice (account, then cookie) → Accept-Language → Traditional Chinese."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    return negotiate_locale(request.cookies.get("lang"), request.accept_languages, languages,
                            current_app.config["BABEL_DEFAULT_LOCALE"])


def negotiate_locale(chosen: str | None, accept_languages, languages, default: str) -> str:
    """For someone not signed in: the remembered choice, else the browser's preference, else Chinese."""
    if chosen is not None and chosen in languages:
        return chosen
    best = accept_languages.best_match(["zh-TW", "zh-Hant", "zh", "en"])
    if best and best.startswith("en"):
        return "en"
    return default


def text_lang(text: str | None) -> str:
    """The language tag for a piece of text by its script, for a `lang` on text that may not be in the
    page's language (WCAG 3.1.2): Chinese when it holds Han characters, else English (mission addresses
    are written in Latin letters for international post)."""
    if text and any("\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" for ch in text):
        return "zh-Hant-TW"
    return "en"


def html_lang() -> str:
    return "zh-Hant-TW" if is_chinese() else "en"
