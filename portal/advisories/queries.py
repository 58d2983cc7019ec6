"""Read-only queries for advisories; a bounded number of queries whatever the list length."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from portal.advisories.models import AdvisoryAction, Banner, Edition, EditionStatus, TravelRegistration
from portal.core.db import utcnow
from portal.missions.models import Country


def current_editions(session) -> dict[str, Edition]:
    """Every country's published edition, by country code."""
    rows = session.scalars(sa.select(Edition).where(Edition.status == EditionStatus.PUBLISHED)
                           .options(selectinload(Edition.regions))).all()
    return {edition.country_code: edition for edition in rows}


def current_edition(session, country_code: str) -> Edition | None:
    return session.scalar(sa.select(Edition).where(Edition.country_code == country_code,
                                                   Edition.status == EditionStatus.PUBLISHED)
                          .options(selectinload(Edition.regions)))


def published_history(session, country_code: str | None = None, *, limit: int = 200) -> list[Edition]:
    """Editions the public has seen, newest first: the change history."""
    query = (sa.select(Edition).where(Edition.status.in_([EditionStatus.PUBLISHED, EditionStatus.ARCHIVED]),
                                      Edition.published_at.is_not(None))
             .options(selectinload(Edition.regions), selectinload(Edition.country))
             .order_by(Edition.published_at.desc(), Edition.id.desc()).limit(limit))
    if country_code:
        query = query.where(Edition.country_code == country_code)
    return list(session.scalars(query))


def editions_of(session, country_code: str) -> list[Edition]:
    return list(session.scalars(sa.select(Edition).where(Edition.country_code == country_code)
                                .options(selectinload(Edition.regions), selectinload(Edition.created_by))
                                .order_by(Edition.version.desc())))


def actions_of(session, country_code: str) -> list[AdvisoryAction]:
    return list(session.scalars(sa.select(AdvisoryAction).where(AdvisoryAction.country_code == country_code)
                                .options(selectinload(AdvisoryAction.actor), selectinload(AdvisoryAction.edition))
                                .order_by(AdvisoryAction.at.desc(), AdvisoryAction.id.desc())))


def active_banner(session, now: datetime | None = None) -> Banner | None:
    now = now or utcnow()
    return session.scalar(sa.select(Banner).where(Banner.starts_at <= now, Banner.ends_at > now)
                          .order_by(Banner.starts_at.desc()).limit(1))


def countries(session) -> list[Country]:
    return list(session.scalars(sa.select(Country).where(Country.code != "TW")))


def pending_editions(session) -> list[Edition]:
    """Drafts and scheduled editions, for the staff overview."""
    return list(session.scalars(sa.select(Edition).where(Edition.status.in_([EditionStatus.DRAFT,
                                                                             EditionStatus.SCHEDULED]))
                                .options(selectinload(Edition.country), selectinload(Edition.created_by))
                                .order_by(Edition.created_at)))


def travellers_in(session, country_code: str, *, on, region: str | None = None) -> int:
    """How many registered nationals are in a country (or one of its regions) on a date."""
    rows = session.scalars(sa.select(TravelRegistration.regions).where(
        TravelRegistration.country_code == country_code, TravelRegistration.cancelled_at.is_(None),
        TravelRegistration.confirmed_at.is_not(None),
        TravelRegistration.starts_on <= on, TravelRegistration.ends_on >= on)).all()
    if region is None:
        return len(rows)
    return sum(1 for regions in rows if not regions or region in regions)
