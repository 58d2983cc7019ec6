"""The rules of travel advice: drafting, four-eyes publishing and scheduling, reviews, banners.
Flushes; never commits."""

import difflib
from datetime import datetime, timedelta

import sqlalchemy as sa

from portal.advisories import alerts
from portal.advisories.levels import SECTION_TITLES, SECTIONS, Indicator, Level
from portal.advisories.models import AdvisoryAction, Banner, Edition, EditionRegion, EditionStatus, UpdateType
from portal.advisories.public_cache import mark_changed
from portal.advisories.queries import current_edition
from portal.core import policy
from portal.core.db import utcnow
from portal.core.i18n import _
from portal.core.refusal import Refused
from portal.missions.service import country_by_code

TEXT_KEYS = ("summary", *SECTIONS)
MAX_TEXT = 20_000


def log(session, country_code: str, action: str, *, by, edition: Edition | None = None, comment: str = "",
        now: datetime | None = None) -> None:
    session.add(AdvisoryAction(country_code=country_code, edition_id=edition.id if edition else None,
                               actor_id=by.id if by else None, action=action, comment=comment or "",
                               at=now or utcnow()))


def start_draft(session, country_code: str, *, by) -> Edition:
    """A new draft, copied from the country's published edition (or blank), or the draft already open."""
    if country_by_code(session, country_code) is None:
        raise Refused(_("There is no country with that code."))
    open_draft = session.scalar(sa.select(Edition).where(Edition.country_code == country_code,
                                                         Edition.status == EditionStatus.DRAFT))
    if open_draft is not None:
        return open_draft
    current = current_edition(session, country_code)
    version = (session.scalar(sa.select(sa.func.max(Edition.version))
                              .where(Edition.country_code == country_code)) or 0) + 1
    draft = Edition(country_code=country_code, version=version, status=EditionStatus.DRAFT,
                    level=current.level if current else Level.GREY,
                    indicators=list(current.indicators) if current else [],
                    content={lang: dict(texts) for lang, texts in (current.content if current else {}).items()},
                    created_by_id=by.id, based_on_id=current.id if current else None,
                    update_type=UpdateType.MAJOR)
    if current:
        draft.regions = [EditionRegion(name_zh=r.name_zh, name_en=r.name_en, level=r.level) for r in current.regions]
    session.add(draft)
    session.flush()
    log(session, country_code, "drafted", by=by, edition=draft)
    return draft


def update_draft(session, edition: Edition, *, by, level: str, update_type: str, indicators: list[str],
                 texts: dict[str, dict[str, str]], change_note_zh: str, change_note_en: str,
                 regions: list[tuple[str, str, str]], comment: str = "") -> Edition:
    """Save the editor's changes to a draft. Published and scheduled editions are never edited."""
    if edition.status is not EditionStatus.DRAFT:
        raise Refused(_("Only a draft can be changed. Start a new draft from the published advice."))
    if level not in {lv.value for lv in Level}:
        raise Refused(_("Choose a level."), field="level")
    if update_type not in {u.value for u in UpdateType}:
        raise Refused(_("Choose whether this is a major or a minor update."), field="update_type")
    unknown = set(indicators) - {i.value for i in Indicator}
    if unknown:
        raise Refused(_("Choose indicators from the list."), field="indicators")
    for lang in ("zh", "en"):
        for key in TEXT_KEYS:
            if len(texts.get(lang, {}).get(key, "")) > MAX_TEXT:
                raise Refused(_("Each text must be %(count)d characters or fewer.", count=MAX_TEXT))
    for name_zh, name_en, region_level in regions:
        if not name_zh or not name_en or region_level not in {lv.value for lv in Level}:
            raise Refused(_("Give every region a name in both languages and a level."), field="regions")
    edition.level, edition.update_type = Level(level), UpdateType(update_type)
    edition.indicators = [i.value for i in Indicator if i.value in indicators]
    edition.content = {lang: {key: texts.get(lang, {}).get(key, "").strip() for key in TEXT_KEYS}
                       for lang in ("zh", "en")}
    edition.change_note_zh, edition.change_note_en = change_note_zh.strip(), change_note_en.strip()
    edition.regions = [EditionRegion(name_zh=zh.strip(), name_en=en.strip(), level=Level(lv))
                       for zh, en, lv in regions]
    session.flush()
    log(session, edition.country_code, "edited", by=by, edition=edition, comment=comment)
    return edition


def _check_publishable(edition: Edition, by) -> None:
    if not policy.can_publish_advice(by, edition):
        raise Refused(_("A supervisor other than the author of the draft must publish it."))
    if edition.status not in (EditionStatus.DRAFT, EditionStatus.SCHEDULED):
        raise Refused(_("This edition has already been published."))
    if not edition.text(True, "summary") or not edition.text(False, "summary"):
        raise Refused(_("Write the summary in both languages before publishing."), field="summary_zh")
    if edition.update_type is UpdateType.MAJOR and not (edition.change_note_zh and edition.change_note_en):
        raise Refused(_("A major update needs a public change note in both languages."),
                      field="change_note_zh")


def publish(session, edition: Edition, *, by, comment: str = "", now: datetime | None = None) -> Edition:
    """Make an edition the country's current advice; tell subscribers and travellers as needed."""
    _check_publishable(edition, by)
    now = now or utcnow()
    previous = current_edition(session, edition.country_code)
    if previous is not None:
        previous.status, previous.archived_at = EditionStatus.ARCHIVED, now
        session.flush()
    edition.status, edition.published_at, edition.reviewed_at = EditionStatus.PUBLISHED, now, now
    edition.scheduled_for = None
    if edition.update_type is UpdateType.MINOR and previous is not None:
        edition.public_updated_at = previous.public_updated_at
        edition.change_note_zh, edition.change_note_en = previous.change_note_zh, previous.change_note_en
    else:
        edition.update_type, edition.public_updated_at = UpdateType.MAJOR, now
    session.flush()
    log(session, edition.country_code, "published", by=by, edition=edition, comment=comment, now=now)
    mark_changed(session)
    if edition.update_type is UpdateType.MAJOR:
        alerts.announce(session, edition, audience="subscribers")
    if rose_to_orange_or_red(previous, edition):
        alerts.announce(session, edition, audience="travellers")
    return edition


def rose_to_orange_or_red(previous: Edition | None, edition: Edition) -> bool:
    """Did the country, or any region in it, rise to orange or red?"""
    def levels(e: Edition | None) -> dict[str, int]:
        if e is None:
            return {"": 0}
        return {"": e.level.number, **{r.name_en: r.level.number for r in e.regions}}

    before, after = levels(previous), levels(edition)
    country_before = before[""]
    return any(level >= 3 and level > before.get(area, country_before) for area, level in after.items())


def schedule(session, edition: Edition, *, by, when: datetime, comment: str = "",
             now: datetime | None = None) -> Edition:
    _check_publishable(edition, by)
    if when <= (now or utcnow()):
        raise Refused(_("Choose a time in the future."), field="when")
    edition.status, edition.scheduled_for = EditionStatus.SCHEDULED, when
    session.flush()
    log(session, edition.country_code, "scheduled", by=by, edition=edition, comment=comment)
    return edition


def unschedule(session, edition: Edition, *, by) -> Edition:
    if edition.status is not EditionStatus.SCHEDULED or not policy.can_publish_advice(by, edition):
        raise Refused(_("This edition is not waiting to be published."))
    edition.status, edition.scheduled_for = EditionStatus.DRAFT, None
    session.flush()
    log(session, edition.country_code, "unscheduled", by=by, edition=edition)
    return edition


def publish_due(session, now: datetime | None = None) -> int:
    """Publish scheduled editions whose time has come, in the name of who scheduled them."""
    now = now or utcnow()
    due = session.scalars(sa.select(Edition).where(Edition.status == EditionStatus.SCHEDULED,
                                                   Edition.scheduled_for <= now)).all()
    for edition in due:
        scheduler = session.scalar(sa.select(AdvisoryAction).where(
            AdvisoryAction.edition_id == edition.id, AdvisoryAction.action == "scheduled")
            .order_by(AdvisoryAction.id.desc()).limit(1))
        publish(session, edition, by=scheduler.actor, comment=_("Published at the scheduled time."), now=now)
    return len(due)


def mark_reviewed(session, country_code: str, *, by, comment: str = "", now: datetime | None = None) -> Edition:
    """'Reviewed, still correct': the review date moves; the advice and its public date do not."""
    edition = current_edition(session, country_code)
    if edition is None:
        raise Refused(_("There is no published advice to review."))
    edition.reviewed_at = now or utcnow()
    session.flush()
    log(session, country_code, "reviewed", by=by, edition=edition, comment=comment)
    mark_changed(session)
    return edition


def review_due_at(edition: Edition) -> datetime:
    """When a published edition is next due for review (it is reviewed at publication, then again)."""
    reviewed = edition.reviewed_at or edition.published_at or utcnow()
    return reviewed + timedelta(days=30 * edition.highest_level.review_months)


def overdue_reviews(editions: dict[str, Edition], now: datetime | None = None) -> list[Edition]:
    now = now or utcnow()
    return sorted((e for e in editions.values() if review_due_at(e) < now), key=review_due_at)


def diff(old: Edition | None, new: Edition) -> list[tuple[str, list[str]]]:
    """What changed between two editions, field by field, as unified-diff lines."""
    languages = {"zh": _("Chinese"), "en": _("English")}
    titles = {"summary": _("Summary"), **{key: str(title) for key, title in SECTION_TITLES.items()}}

    def fields(e: Edition | None) -> dict[str, str]:
        if e is None:
            return {}
        values = {_("Level"): e.level.value, _("Risk indicators"): ", ".join(e.indicators),
                  _("Regions with their own level"): "\n".join(f"{r.name_en} / {r.name_zh}: {r.level.value}"
                                                               for r in e.regions)}
        for lang in ("zh", "en"):
            for key in TEXT_KEYS:
                values[f"{titles[key]} ({languages[lang]})"] = e.text(lang == "zh", key)
        return values

    before, after = fields(old), fields(new)
    changes = []
    for name in after:
        if before.get(name, "") != after[name]:
            lines = list(difflib.unified_diff(before.get(name, "").splitlines(), after[name].splitlines(),
                                              lineterm="", n=1))[2:]
            changes.append((name, lines))
    return changes


def create_banner(session, *, by, message_zh: str, message_en: str, starts_at: datetime, ends_at: datetime) -> Banner:
    if ends_at <= starts_at:
        raise Refused(_("The banner must end after it starts."), field="ends_at")
    if not message_zh.strip() or not message_en.strip():
        raise Refused(_("Write the banner in both languages."), field="message_zh")
    banner = Banner(message_zh=message_zh.strip(), message_en=message_en.strip(), starts_at=starts_at,
                    ends_at=ends_at, created_by_id=by.id)
    session.add(banner)
    session.flush()
    mark_changed(session)
    return banner
