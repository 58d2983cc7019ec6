"""A country's current advice as an OASIS Common Alerting Protocol 1.2 document, built with lxml."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, url_for
from lxml import etree

from portal.advisories.levels import SECTION_TITLES
from portal.advisories.models import Edition
from portal.advisories.service import review_due_at
from portal.core.db import utcnow
from portal.core.i18n import _, force_locale

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
TAIPEI = ZoneInfo("Asia/Taipei")
#: the ISO 3166 geocode as alert aggregators read it
COUNTRY_GEOCODE = "ISO3166-1"
#: advice stays in force until it is replaced, but a consumer drops an alert without <expires>, and one
#: whose time has passed: so the next review date, and never less than this ahead while a review is late
LEAST_TIME_TO_EXPIRY = timedelta(days=1)


def expires_at(edition: Edition, now: datetime | None = None) -> datetime:
    return max(review_due_at(edition), (now or utcnow()) + LEAST_TIME_TO_EXPIRY)


def _cap_time(moment) -> str:
    # CAP wants an explicit offset, never "Z".
    return moment.astimezone(TAIPEI).replace(microsecond=0).isoformat()


def _element(parent, name: str, text=None):
    node = etree.SubElement(parent, f"{{{CAP_NS}}}{name}")
    if text is not None:
        node.text = str(text)
    return node


def cap_document(edition: Edition) -> bytes:
    config = current_app.config
    alert = etree.Element(f"{{{CAP_NS}}}alert", nsmap={None: CAP_NS})
    _element(alert, "identifier", f"{config['CAP_SENDER']}.advisory.{edition.country_code}.v{edition.version}")
    _element(alert, "sender", config["CAP_SENDER"])
    _element(alert, "sent", _cap_time(edition.published_at))
    _element(alert, "status", config["CAP_STATUS"])
    _element(alert, "msgType", "Alert" if edition.version == 1 else "Update")
    _element(alert, "scope", "Public")
    page = config["BASE_URL"] + url_for("advisories.country", code=edition.country_code)
    expires = _cap_time(expires_at(edition))
    for locale, language, chinese in (("zh_Hant_TW", "zh-TW", True), ("en", "en", False)):
        with force_locale(locale):
            info = _element(alert, "info")
            _element(info, "language", language)
            _element(info, "category", "Safety")
            _element(info, "event", _("Travel advice"))
            _element(info, "urgency", "Expected" if edition.level.number >= 3 else "Future")
            _element(info, "severity", edition.highest_level.cap_severity)
            _element(info, "certainty", "Likely")
            _element(info, "expires", expires)
            _element(info, "senderName", _("Bureau of Consular Affairs, Ministry of Foreign Affairs, "
                                           "Republic of China (Taiwan)"))
            _element(info, "headline", _("%(country)s: %(level)s – %(advice)s",
                                         country=edition.country.name(chinese), level=edition.level.title,
                                         advice=edition.level.advice))
            parts = [edition.text(chinese, "summary")]
            parts += [f"{r.name(chinese)}: {r.level.title} – {r.level.advice}" for r in edition.regions]
            parts += [f"{SECTION_TITLES['safety']}: {edition.text(chinese, 'safety')}"] \
                if edition.text(chinese, "safety") else []
            _element(info, "description", "\n\n".join(p for p in parts if p))
            _element(info, "instruction", str(edition.level.advice))
            _element(info, "web", page)
            parameter = _element(info, "parameter")
            _element(parameter, "valueName", "MOFA_TRAVEL_LEVEL")
            _element(parameter, "value", edition.highest_level.number)
            area = _element(info, "area")
            _element(area, "areaDesc", edition.country.name(chinese))
            geocode = _element(area, "geocode")
            _element(geocode, "valueName", COUNTRY_GEOCODE)
            _element(geocode, "value", edition.country_code)
    return etree.tostring(alert, xml_declaration=True, encoding="UTF-8", pretty_print=True)
