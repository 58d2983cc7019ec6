"""Subscriptions with double opt-in, and alerts fanned out by the worker: one outbox message and
one delivery record per recipient, so staff can see what was queued, sent and failed."""

import secrets
import uuid
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app, has_request_context, url_for
from sqlalchemy.orm import aliased

from portal.advisories.models import Alert, AlertDelivery, Edition, Subscription, TravelRegistration
from portal.core.db import UTCDateTime, utcnow
from portal.core.i18n import _
from portal.core.logs import current_request_id
from portal.core.jobs import enqueue, job_handler
from portal.core.outbox import OutboxMessage, queue_email, render_email
from portal.core.refusal import Refused
from portal.missions.service import country_by_code

UNSUBSCRIBE_MARK = "@@UNSUBSCRIBE@@"
#: stands for a subscriber's token in the unsubscribe link, which is built once per part
TOKEN_MARK = "0token0"


#: a subscription's address is written to at most once in this time, however often it is asked for
NOTICE_EVERY = timedelta(days=1)


def subscribe(session, *, email: str, country_code: str | None, locale: str,
              now: datetime | None = None) -> Subscription:
    """Ask for alerts; nothing is sent until the emailed link is followed. Anyone can type any address,
    so asking never changes a subscription its owner confirmed, and never writes to an address more
    than once a day (a confirmation link, or a note that it is already subscribed)."""
    email = email.strip().lower()
    if country_code and country_by_code(session, country_code) is None:
        raise Refused(_("Choose a country from the list."), field="country_code")
    now = now or utcnow()
    subscription = session.scalar(sa.select(Subscription).where(Subscription.email == email,
                                                                Subscription.country_code.is_(None) if not country_code
                                                                else Subscription.country_code == country_code))
    if subscription is None:
        subscription = Subscription(email=email, country_code=country_code or None, token=secrets.token_urlsafe(32),
                                    locale=locale, last_notice_at=now)
        session.add(subscription)
        session.flush()
        queue_email(session, to=email, locale=locale, template="advisory_subscribe", subscription=subscription)
        return subscription
    receiving = subscription.confirmed_at is not None and subscription.unsubscribed_at is None
    # Taken by a conditional update, so that two requests at once write one email between them.
    due = session.execute(
        sa.update(Subscription).where(Subscription.id == subscription.id,
                                      sa.or_(Subscription.last_notice_at.is_(None),
                                             Subscription.last_notice_at <= now - NOTICE_EVERY))
        .values(last_notice_at=now).execution_options(synchronize_session=False)).rowcount
    session.refresh(subscription)
    if receiving:
        if due:
            queue_email(session, to=email, locale=subscription.locale, template="advisory_already_subscribed",
                        subscription=subscription)
        return subscription
    if subscription.unsubscribed_at is not None:
        # Coming back after unsubscribing: confirmed afresh, from the new link.
        subscription.unsubscribed_at, subscription.confirmed_at = None, None
    subscription.locale = locale
    session.flush()
    if due:
        queue_email(session, to=email, locale=locale, template="advisory_subscribe", subscription=subscription)
    return subscription


def confirm(session, token: str) -> Subscription | None:
    subscription = session.scalar(sa.select(Subscription).where(Subscription.token == token))
    if subscription is None or subscription.unsubscribed_at is not None:
        return None
    subscription.confirmed_at = subscription.confirmed_at or utcnow()
    session.flush()
    return subscription


def unsubscribe(session, token: str, *, reason: str = "") -> Subscription | None:
    subscription = session.scalar(sa.select(Subscription).where(Subscription.token == token))
    if subscription is None:
        return None
    subscription.unsubscribed_at = subscription.unsubscribed_at or utcnow()
    if reason:
        subscription.unsubscribe_reason = reason.strip()[:500]
    session.flush()
    return subscription


def announce(session, edition: Edition, *, audience: str) -> Alert:
    """Record the alert and queue its fan-out: the publishing request stays fast."""
    alert = Alert(id=f"alert-{uuid.uuid4().hex}", edition_id=edition.id, audience=audience)
    session.add(alert)
    session.flush()
    enqueue(session, "advisories.fan_out", alert_id=alert.id)
    return alert


def _receiving(subscription, edition: Edition, announced_at):
    # Those confirmed when the change was announced: a later subscriber did not ask for old news.
    return (subscription.confirmed_at.is_not(None), subscription.confirmed_at <= announced_at,
            subscription.unsubscribed_at.is_(None),
            sa.or_(subscription.country_code == edition.country_code, subscription.country_code.is_(None)))


def _subscriber_ids(session, edition: Edition, announced_at) -> list[int]:
    return list(session.scalars(sa.select(Subscription.id).where(*_receiving(Subscription, edition, announced_at))
                                .order_by(Subscription.id)))


def _subscribers(alert: Alert, first_id: int, last_id: int):
    """The subscribers with ids from first_id to last_id who have no message of this alert yet. An
    address subscribed both to the country and to every country is reached through its first
    subscription only, so that parts run side by side never write to it twice."""
    edition, earlier = alert.edition, aliased(Subscription)
    return (*_receiving(Subscription, edition, alert.created_at), Subscription.id.between(first_id, last_id),
            ~sa.exists().where(earlier.email == Subscription.email, earlier.id < Subscription.id,
                               *_receiving(earlier, edition, alert.created_at)),
            ~sa.exists().where(AlertDelivery.alert_id == alert.id, AlertDelivery.email == Subscription.email))


def _travellers(session, alert: Alert, today: date):
    edition = alert.edition
    raised = {r.name_en for r in edition.regions if r.level.number >= 3}
    whole_country = edition.level.number >= 3
    rows = session.execute(
        sa.select(TravelRegistration.email, TravelRegistration.locale, TravelRegistration.token,
                  TravelRegistration.regions)
        .where(TravelRegistration.country_code == edition.country_code, TravelRegistration.cancelled_at.is_(None),
               TravelRegistration.confirmed_at.is_not(None), TravelRegistration.confirmed_at <= alert.created_at,
               TravelRegistration.ends_on >= today,
               ~sa.exists().where(AlertDelivery.alert_id == alert.id, AlertDelivery.email == TravelRegistration.email))
        .order_by(TravelRegistration.id)).all()
    return [(email, locale, token) for email, locale, token, regions in rows
            if whole_country or not regions or raised & set(regions)]


#: recipients per part of a fan-out: each part is a job of its own, so several workers share a large alert
PART = 5000


@job_handler("advisories.fan_out")
def fan_out(session, alert_id: str) -> int:
    """Queue the alert's fan-out as parts of at most PART subscribers each (travellers in a country are
    few: one part); safe to run twice. Returns how many parts were queued."""
    alert = session.get(Alert, alert_id)
    if alert is None or alert.fanned_out_at is not None:
        return 0
    if alert.audience == "subscribers":
        ids = _subscriber_ids(session, alert.edition, alert.created_at)
        ranges: list[tuple[int | None, int | None]] = [(ids[start], ids[min(start + PART, len(ids)) - 1])
                                                       for start in range(0, len(ids), PART)]
    else:
        ranges = [(None, None)]
    for first_id, last_id in ranges:
        enqueue(session, "advisories.fan_out_part", alert_id=alert.id, first_id=first_id, last_id=last_id)
    alert.fanned_out_at = utcnow()
    session.flush()
    return len(ranges)


@job_handler("advisories.fan_out_part")
def fan_out_part(session, alert_id: str, first_id: int | None = None, last_id: int | None = None) -> int:
    """One outbox message and delivery record per recipient of a part; a part run twice writes nothing
    the second time (each address has one delivery per alert). Returns how many were queued."""
    alert = session.get(Alert, alert_id)
    if alert is None:
        return 0
    if alert.audience == "subscribers":
        assert first_id is not None and last_id is not None  # a subscribers' part always has its range
        written = _write_subscriber_messages(session, alert, first_id, last_id)
    else:
        written = _write_messages(session, alert, _travellers(session, alert, utcnow().date()))
    if written:
        session.execute(sa.insert(AlertDelivery), [{"alert_id": alert.id, "email": email, "outbox_message_id": id_}
                                                   for id_, email in written])
    session.flush()
    return len(written)


def _write_subscriber_messages(session, alert: Alert, first_id: int, last_id: int) -> list[tuple[int, str]]:
    """The part's messages written by the database in one INSERT … SELECT: the text rendered once per
    language, each subscriber's own unsubscribe link put in by replace(). Returns (message id, email)."""
    languages = current_app.config["LANGUAGES"]
    rendered = {locale: render_email("advisory_alert", locale=locale, edition=alert.edition, alert=alert,
                                     unsubscribe_url=UNSUBSCRIBE_MARK) for locale in languages}

    def by_locale(position: int):
        return sa.case({locale: sa.literal(text[position]) for locale, text in rendered.items()},
                       value=Subscription.locale, else_=sa.literal(rendered[languages[0]][position]))

    link = sa.func.replace(sa.literal(_external("advisories.unsubscribe", token=TOKEN_MARK)), TOKEN_MARK,
                           Subscription.token)
    json_object = sa.func.json_build_object if session.get_bind().dialect.name == "postgresql" else sa.func.json_object
    headers = json_object("List-Unsubscribe", sa.literal("<") + link + sa.literal(">"),
                          "List-Unsubscribe-Post", "List-Unsubscribe=One-Click", "X-Alert-ID", alert.id)
    now = sa.literal(utcnow(), UTCDateTime)
    recipients = sa.select(Subscription.email, by_locale(0), sa.func.replace(by_locale(1), UNSUBSCRIBE_MARK, link),
                           headers, sa.literal("queued"), sa.literal(0), now, now,
                           sa.literal(current_request_id(), sa.String)).where(*_subscribers(alert, first_id, last_id))
    columns = ["to_address", "subject", "body", "headers", "status", "attempts", "created_at", "next_attempt_at",
               "request_id"]
    return [tuple(row) for row in session.execute(
        sa.insert(OutboxMessage).from_select(columns, recipients)
        .returning(OutboxMessage.id, OutboxMessage.to_address))]


def _write_messages(session, alert: Alert, recipients) -> list[tuple[int, str]]:
    """Travellers' messages (no unsubscribe link: a trip's alerts end with the trip), once per address."""
    rendered: dict[str, tuple[str, str]] = {}
    rows, seen = [], set()
    now = utcnow()
    for email, locale, _token in recipients:
        if email in seen:
            continue
        seen.add(email)
        if locale not in rendered:
            rendered[locale] = render_email("advisory_traveller_alert", locale=locale, edition=alert.edition,
                                            alert=alert, unsubscribe_url=UNSUBSCRIBE_MARK)
        subject, body = rendered[locale]
        rows.append({"to_address": email, "subject": subject, "body": body, "headers": None, "status": "queued",
                     "attempts": 0, "created_at": now, "next_attempt_at": now, "request_id": current_request_id()})
    if not rows:
        return []
    ids = session.scalars(sa.insert(OutboxMessage).returning(OutboxMessage.id, sort_by_parameter_order=True),
                          rows).all()
    return list(zip(ids, (row["to_address"] for row in rows), strict=True))


def _external(endpoint: str, **values) -> str:
    if has_request_context():
        return current_app.config["BASE_URL"] + url_for(endpoint, **values)
    with current_app.test_request_context("/"):
        return current_app.config["BASE_URL"] + url_for(endpoint, **values)


def delivery_counts(session, alert_ids: list[str]) -> dict[str, dict[str, int]]:
    """Per alert: how many were queued, sent, failed, and retried (sent or pending after a failure)."""
    rows = session.execute(
        sa.select(AlertDelivery.alert_id, OutboxMessage.status, sa.func.count(),
                  sa.func.sum(sa.case((OutboxMessage.attempts > 1, 1), else_=0)))
        .join(OutboxMessage, OutboxMessage.id == AlertDelivery.outbox_message_id)
        .where(AlertDelivery.alert_id.in_(alert_ids))
        .group_by(AlertDelivery.alert_id, OutboxMessage.status)).all()
    counts = {alert_id: {"queued": 0, "sent": 0, "failed": 0, "retried": 0, "total": 0} for alert_id in alert_ids}
    for alert_id, status, number, retried in rows:
        counts[alert_id][status] += number
        counts[alert_id]["total"] += number
        counts[alert_id]["retried"] += retried or 0
    return counts


def find_subscription(session, token: str) -> Subscription | None:
    return session.scalar(sa.select(Subscription).where(Subscription.token == token))


def people_in(session, country_code: str, *, on: date) -> list[tuple[str, str, str | None]]:
    """Who has asked to hear about a country: (email, locale, unsubscribe link or None) for confirmed
    subscribers to that country's alerts and confirmed travellers there on the given day, once each.
    Other domains announce what concerns them (a mobile service day nearby) through this."""
    found: dict[str, tuple[str, str, str | None]] = {}
    for email, locale, token in session.execute(
            sa.select(Subscription.email, Subscription.locale, Subscription.token)
            .where(Subscription.country_code == country_code, Subscription.confirmed_at.is_not(None),
                   Subscription.unsubscribed_at.is_(None)).order_by(Subscription.id)):
        found.setdefault(email.lower(), (email, locale, _external("advisories.unsubscribe", token=token)))
    for email, locale in session.execute(
            sa.select(TravelRegistration.email, TravelRegistration.locale)
            .where(TravelRegistration.country_code == country_code, TravelRegistration.cancelled_at.is_(None),
                   TravelRegistration.confirmed_at.is_not(None), TravelRegistration.starts_on <= on,
                   TravelRegistration.ends_on >= on).order_by(TravelRegistration.id)):
        found.setdefault(email.lower(), (email, locale, None))
    return list(found.values())


def erase_unconfirmed(session, *, now: datetime | None = None) -> int:
    """Subscriptions never confirmed, UNCONFIRMED_RETENTION_DAYS after they were asked for."""
    from flask import current_app

    cutoff = (now or utcnow()) - timedelta(days=current_app.config["UNCONFIRMED_RETENTION_DAYS"])
    return session.execute(sa.delete(Subscription).where(Subscription.confirmed_at.is_(None),
                                                         Subscription.created_at < cutoff)).rowcount
