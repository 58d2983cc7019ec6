"""The citizen service white paper (為民服務白皮書) of each ROC year: the year's KPIs against their
targets, counted from the rollups as the dashboard counts them, with commentary that supervisors write
in both languages, save as a draft and publish; the public reads only what was published. Flushes;
never commits."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from portal.core.db import DbSession, utcnow
from portal.core.i18n import _, _l, force_locale
from portal.core.refusal import Refused
from portal.core.workdays import taipei_today
from portal.stats import kpis
from portal.stats.models import WhitePaper, WhitePaperRevision
from portal.stats.periods import Period, roc_year_of
from portal.stats.tables import Table

#: the first year the policy plan's KPIs were set (民國99年)
FIRST_YEAR = 99
MAX_TEXT = 6000
LANGUAGES = ("zh", "en")

#: the sections supervisors write, in the order of the paper: an introduction, then one per KPI section
SECTIONS = {
    "introduction": _l("Introduction"),
    "coverage": _l("Mobile consular service coverage"),
    "satisfaction": _l("Satisfaction (CSAT)"),
    "processing": _l("Volumes and processing times"),
    "mailbox": _l("Mailbox and hotline"),
    "emergency": _l("Emergency assistance"),
    "completion": _l("Digital completion"),
    "usage": _l("Use of the public services"),
}


def years_open() -> list[int]:
    """The ROC years a paper may be written for: from the plan's first year to this one, newest first."""
    return list(range(roc_year_of(taipei_today()), FIRST_YEAR - 1, -1))


def check_year(roc_year: int) -> None:
    if roc_year not in years_open():
        raise Refused(_("There is no white paper for that year."))


def paper_for(session: DbSession, roc_year: int) -> WhitePaper | None:
    return session.scalar(sa.select(WhitePaper).where(WhitePaper.roc_year == roc_year))


def published_papers(session: DbSession) -> list[WhitePaper]:
    return list(session.scalars(sa.select(WhitePaper).where(WhitePaper.published_at.is_not(None))
                                .order_by(WhitePaper.roc_year.desc())))


def history(session: DbSession, paper: WhitePaper) -> list[WhitePaperRevision]:
    return list(session.scalars(sa.select(WhitePaperRevision).options(selectinload(WhitePaperRevision.by))
                                .where(WhitePaperRevision.paper_id == paper.id)
                                .order_by(WhitePaperRevision.id.desc())))


def clean_sections(given: dict) -> dict:
    """The commentary as it will be kept: known sections only, both languages, trimmed."""
    sections = {}
    for key in SECTIONS:
        texts = {language: (given.get(key, {}).get(language) or "").strip() for language in LANGUAGES}
        for language, text in texts.items():
            if len(text) > MAX_TEXT:
                raise Refused(_("Keep each section under %(count)d characters.", count=MAX_TEXT),
                              field=f"{key}_{language}")
        if any(texts.values()):
            sections[key] = texts
    return sections


def _check_version(paper: WhitePaper, expected_version: int | None) -> None:
    if expected_version is not None and paper.version != expected_version:
        raise Refused(_("Someone else changed this white paper since you opened it. Check their changes, "
                        "then save yours again."))


def save_draft(session: DbSession, roc_year: int, given: dict, *, by, expected_version: int | None = None,
               now: datetime | None = None) -> WhitePaper:
    """Keep the commentary as the year's draft (making the paper the first time); a revision records it."""
    check_year(roc_year)
    sections = clean_sections(given)
    paper = paper_for(session, roc_year)
    if paper is None:
        try:
            with session.begin_nested():
                paper = WhitePaper(roc_year=roc_year, draft={}, updated_at=now or utcnow())
                session.add(paper)
                session.flush()
        except IntegrityError:  # another supervisor made it at the same moment: theirs is the paper
            raise Refused(_("Someone else changed this white paper since you opened it. Check their changes, "
                            "then save yours again.")) from None
    else:
        _check_version(paper, expected_version)
    paper.draft, paper.updated_at = sections, now or utcnow()
    session.add(WhitePaperRevision(paper_id=paper.id, action="saved", sections=sections, by_id=by.id,
                                   at=now or utcnow()))
    session.flush()
    return paper


def publish(session: DbSession, paper: WhitePaper, *, by, expected_version: int | None = None,
            now: datetime | None = None) -> None:
    """Make the draft the public text. The introduction must be written in both languages."""
    _check_version(paper, expected_version)
    introduction = paper.draft.get("introduction", {})
    if not all(introduction.get(language) for language in LANGUAGES):
        raise Refused(_("Write the introduction in both languages before publishing."),
                      field="introduction_zh" if not introduction.get("zh") else "introduction_en")
    paper.published, paper.published_at = dict(paper.draft), now or utcnow()
    paper.updated_at = paper.published_at
    session.add(WhitePaperRevision(paper_id=paper.id, action="published", sections=dict(paper.draft), by_id=by.id,
                                   at=paper.published_at))
    session.flush()


def commentary(sections: dict | None, key: str, *, chinese: bool) -> list[str]:
    """A section's text in the reader's language, as paragraphs (blank lines apart)."""
    text = ((sections or {}).get(key) or {}).get("zh" if chinese else "en", "")
    return [part.strip() for part in text.replace("\r\n", "\n").split("\n\n") if part.strip()]


def figures(session: DbSession, roc_year: int) -> list[kpis.Section]:
    """The year's KPIs for every mission, as the dashboard shows them (suppressed alike)."""
    return kpis.dashboard(session, kpis.Filters(Period(roc_year)))


# --- the figures as data, for the API ------------------------------------------------------------

def _cell(cell) -> dict:
    return {"text": cell.text, "value": cell.number, "suppressed": cell.hidden}


def _both(zh, en) -> dict:
    return {"zh": str(zh), "en": str(en)}


def _table(zh: Table, en: Table) -> dict:
    """One table in both languages: its rows come in the same order in each (missions in a fixed order)."""
    rows = [{"heading": _both(row_zh[0].text, row_en[0].text), "cells": [_cell(cell) for cell in row_en[1:]]}
            for row_zh, row_en in zip(zh.rows, en.rows, strict=True)]
    total = None
    if zh.total and en.total and en.rows:
        total = {"heading": _both(zh.total[0].text, en.total[0].text), "cells": [_cell(cell) for cell in en.total[1:]]}
    return {"key": en.key, "title": _both(zh.title, en.title),
            "columns": [_both(a, b) for a, b in zip(zh.head, en.head, strict=True)], "rows": rows, "total": total}


def as_data(session: DbSession, paper: WhitePaper) -> dict:
    """A published paper's figures and commentary in both languages."""
    with force_locale("zh_Hant_TW"):
        chinese = figures(session, paper.roc_year)
    with force_locale("en"):
        english = figures(session, paper.roc_year)
    sections = []
    for zh, en in zip(chinese, english, strict=True):
        sections.append({
            "key": en.key, "title": _both(zh.title, en.title),
            "commentary": (paper.published or {}).get(en.key, {"zh": "", "en": ""}),
            "headlines": [{"title": _both(a.title, b.title), "value": b.value.number, "text": b.value.text,
                           "suppressed": b.value.hidden, "previous": b.previous.number, "target": b.aim,
                           "met": b.met} for a, b in zip(zh.headlines, en.headlines, strict=True)],
            "tables": [_table(a, b) for a, b in zip(zh.tables, en.tables, strict=True)]})
    introduction = (paper.published or {}).get("introduction", {"zh": "", "en": ""})
    return {"roc_year": paper.roc_year, "year": paper.roc_year + 1911,
            "published_at": paper.published_at.isoformat() if paper.published_at else None,
            "introduction": introduction, "sections": sections}
