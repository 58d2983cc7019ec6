"""Atom feeds of published changes, built with feedgen."""

from datetime import datetime

from feedgen.feed import FeedGenerator
from flask import current_app, url_for

from portal.advisories.models import Edition
from portal.core.i18n import _


def _absolute(endpoint: str, **values) -> str:
    return current_app.config["BASE_URL"] + url_for(endpoint, **values)


def atom_feed(editions: list[Edition], *, chinese: bool, country=None) -> bytes:
    feed = FeedGenerator()
    if country is None:
        feed.id(_absolute("advisories.feed"))
        feed.title(_("Travel advice: all changes"))
        feed.link(href=_absolute("advisories.feed"), rel="self")
        feed.link(href=_absolute("advisories.index"), rel="alternate")
    else:
        feed.id(_absolute("advisories.country_feed", code=country.code))
        feed.title(_("Travel advice for %(country)s", country=country.name(chinese)))
        feed.link(href=_absolute("advisories.country_feed", code=country.code), rel="self")
        feed.link(href=_absolute("advisories.country", code=country.code), rel="alternate")
    feed.author({"name": _("Bureau of Consular Affairs, Ministry of Foreign Affairs, Republic of China (Taiwan)")})
    feed.language("zh-TW" if chinese else "en")
    feed.subtitle(_("Travel-safety levels and advice for every country, as they change."))
    latest: datetime | None = None
    for edition in reversed(editions):  # feedgen prepends: oldest first gives newest on top
        entry = feed.add_entry()
        entry.id(_absolute("advisories.country", code=edition.country_code) + f"#v{edition.version}")
        entry.title(_("%(country)s: %(level)s – %(advice)s", country=edition.country.name(chinese),
                      level=edition.level.title, advice=edition.level.advice))
        entry.link(href=_absolute("advisories.country", code=edition.country_code))
        entry.updated(edition.published_at)
        entry.published(edition.published_at)
        entry.summary(edition.change_note(chinese) or edition.text(chinese, "summary"))
        if edition.published_at is not None:
            latest = max(latest, edition.published_at) if latest else edition.published_at
    if latest:
        feed.updated(latest)
    return feed.atom_str(pretty=True)
