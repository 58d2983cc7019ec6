"""Email goes into the outbox table inside the request's transaction; a worker delivers it.

So a message exists only if the change it announces was committed, and a mail server that is
down delays mail instead of losing a case.
"""

import smtplib
from contextlib import nullcontext
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import parseaddr

import sqlalchemy as sa
from flask import current_app, has_request_context, render_template
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.db import Base, UTCDateTime, unit_of_work, utcnow
from portal.core.i18n import force_locale

MAX_ATTEMPTS = 8

#: Messages the mail server has taken whose "sent" could not be saved (the database went away in
#: between), with when they were sent. The worker lives on through database outages, so it saves them
#: first when the database is back instead of leaving them leased, to be sent again when the lease ends.
_sent_not_recorded: dict[int, datetime] = {}


class OutboxMessage(Base):
    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    #: queued, sent or failed (gave up after MAX_ATTEMPTS)
    status: Mapped[str] = mapped_column(sa.String(10), default="queued", index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(sa.String(300))
    #: extra headers, e.g. List-Unsubscribe for alerts
    headers: Mapped[dict | None] = mapped_column(sa.JSON)
    #: files sent with the message: [{"filename", "content_type", "content" (text)}], e.g. a calendar invitation
    attachments: Mapped[list | None] = mapped_column(sa.JSON)


def links_anywhere():
    """A context in which url_for works: the request's, or for CLI commands and workers (which have
    none) one made up. Links in email always start with BASE_URL, never with a request's Host header."""
    return nullcontext() if has_request_context() else current_app.test_request_context("/")


def render_email(template: str, *, locale: str | None = None, **context) -> tuple[str, str]:
    """(subject, body) of emails/<template>.txt in the recipient's language."""
    locale = locale or current_app.config["BABEL_DEFAULT_LOCALE"]
    with links_anywhere(), force_locale(locale):
        text = render_template(f"emails/{template}.txt", base_url=current_app.config["BASE_URL"], **context)
    subject, _, body = text.strip().partition("\n")
    # One line whatever the facts in it hold, so no header can be added through a subject.
    return " ".join(subject.split())[:200], body.strip() + "\n"


def queue_email(session, *, to: str, template: str, locale: str | None = None, headers: dict | None = None,
                attachments: list[dict] | None = None, **context) -> OutboxMessage:
    """Render emails/<template>.txt in the recipient's language and add it to the outbox (flushes).
    Attachments are text files: {"filename", "content_type" (e.g. "text/calendar; method=REQUEST"), "content"}."""
    subject, body = render_email(template, locale=locale, **context)
    message = OutboxMessage(to_address=to, subject=subject, body=body, headers=headers, attachments=attachments)
    session.add(message)
    session.flush()
    return message


def message_id(message: OutboxMessage, config) -> str:
    domain = parseaddr(config["MAIL_FROM"])[1].rpartition("@")[2] or "localhost"
    return f"<outbox-{message.id}-{message.created_at:%Y%m%d%H%M%S}@{domain}>"


def _send(message: OutboxMessage, config) -> None:
    email = EmailMessage()
    email["From"] = config["MAIL_FROM"]
    email["To"] = message.to_address
    email["Subject"] = message.subject
    # The same id every time the message is sent: a copy sent again after a worker died between the
    # mail server taking it and the outbox recording it is recognised by mail programs as the same mail.
    email["Message-ID"] = message_id(message, config)
    for name, value in (message.headers or {}).items():
        email[name] = value
    email.set_content(message.body)
    for attachment in message.attachments or ():
        # text attachments only: "text/<subtype>; name=value"
        subtype, *parameters = (part.strip() for part in attachment["content_type"].split("/", 1)[1].split(";"))
        email.add_attachment(attachment["content"], subtype=subtype, filename=attachment["filename"],
                             params=dict(p.split("=", 1) for p in parameters if "=" in p))
    with smtplib.SMTP(config["SMTP_HOST"], int(config["SMTP_PORT"]), timeout=20) as smtp:
        if config.get("SMTP_STARTTLS"):
            smtp.starttls()
        if config.get("SMTP_USERNAME"):
            smtp.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"])
        smtp.send_message(email)


def deliver_pending(session, *, limit: int = 100) -> tuple[int, int]:
    """Send due messages over SMTP; returns (sent, failed attempts). Commits after each message."""
    config = current_app.config
    if not config.get("SMTP_HOST"):
        return 0, 0
    _record_sent(session)
    now = utcnow()
    due = session.scalars(
        sa.select(OutboxMessage.id)
        .where(OutboxMessage.status == "queued", OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.id)
        .limit(limit)
    ).all()
    sent = failed = 0
    for message_id in due:
        # Take the message with a conditional update so two workers never send it twice.
        lease = utcnow() + timedelta(seconds=int(config["OUTBOX_LEASE_SECONDS"]))
        with unit_of_work(session):
            taken = session.execute(
                sa.update(OutboxMessage)
                .where(OutboxMessage.id == message_id, OutboxMessage.status == "queued",
                       OutboxMessage.next_attempt_at <= now)
                .values(next_attempt_at=lease, attempts=OutboxMessage.attempts + 1)
            ).rowcount
        if not taken:
            continue
        with unit_of_work(session):
            message = session.get(OutboxMessage, message_id)
            try:
                _send(message, config)
            except (OSError, smtplib.SMTPException) as error:
                failed += 1
                message.last_error = str(error)[:300]
                if message.attempts >= MAX_ATTEMPTS:
                    message.status = "failed"
                else:
                    message.next_attempt_at = utcnow() + timedelta(minutes=2 ** message.attempts)
            else:
                sent += 1
                message.status = "sent"
                message.sent_at = _sent_not_recorded[message_id] = utcnow()
        _sent_not_recorded.pop(message_id, None)
    return sent, failed


def _record_sent(session) -> None:
    """Save what was sent before the database went away (a message sent is never sent again)."""
    if not _sent_not_recorded:
        return
    with unit_of_work(session):
        for message_id, sent_at in list(_sent_not_recorded.items()):
            session.execute(sa.update(OutboxMessage)
                            .where(OutboxMessage.id == message_id, OutboxMessage.status == "queued")
                            .values(status="sent", sent_at=sent_at))
    _sent_not_recorded.clear()
