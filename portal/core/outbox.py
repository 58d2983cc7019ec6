"""Email goes into the outbox table inside the request's transaction; a worker delivers it.

So a message exists only if the change it announces was committed, and a mail server that is
down delays mail instead of losing a case.
"""

import logging
import smtplib
import threading
import time
from contextlib import nullcontext
from datetime import datetime, timedelta
from typing import Any, cast
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr, formatdate, parseaddr

import sqlalchemy as sa
from flask import current_app, has_request_context, render_template
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.db import Base, UTCDateTime, stopping, unit_of_work, utcnow
from portal.core.i18n import force_locale
from portal.core.logs import acting_for, current_request_id

MAX_ATTEMPTS = 8
log = logging.getLogger(__name__)

class _WorkerMemory(threading.local):
    """What one worker (a thread of its own) remembers across rounds when the database went away:
    - messages the mail server has taken whose "sent" could not be saved, with when they were sent. The
      worker lives on through database outages, so it saves them first when the database is back instead
      of leaving them leased, to be sent again when the lease ends;
    - messages it has taken and not yet tried, with the lease it took them until: given back at once
      rather than left waiting for their lease to end."""

    def __init__(self):
        self.sent_not_recorded: dict[int, datetime] = {}
        self.taken: dict[int, datetime] = {}


_memory = _WorkerMemory()


class OutboxMessage(Base):
    __tablename__ = "outbox_messages"
    # What workers take, oldest first: the queued messages only, however many have been sent since.
    __table_args__ = (sa.Index("ix_outbox_messages_queued", "id", postgresql_where=sa.text("status = 'queued'"),
                               sqlite_where=sa.text("status = 'queued'")),)

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
    #: the request that queued it, named in the worker's log of its delivery
    request_id: Mapped[str | None] = mapped_column(sa.String(64))


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
    message = OutboxMessage(to_address=to, subject=subject, body=body, headers=headers, attachments=attachments,
                            request_id=current_request_id())
    session.add(message)
    session.flush()
    return message


def message_id(message, config) -> str:
    domain = parseaddr(config["MAIL_FROM"])[1].rpartition("@")[2] or "localhost"
    return f"<outbox-{message.id}-{message.created_at:%Y%m%d%H%M%S}@{domain}>"


def _header(value: str) -> Any:  # Any: the stubs type header values as str, though Message takes a Header
    if "\r" in value or "\n" in value:  # compat32 would let a line break end the headers early
        raise ValueError("a line break in a header value")
    return value if value.isascii() else Header(value, "utf-8")


def _email(message, config) -> Message:
    """The message in MIME, built with the standard library's compat32 classes: several times cheaper
    than EmailMessage, which counts when workers send hundreds of messages a second."""
    text = MIMEText(message.body, "plain", "utf-8")
    email: Message = text
    if message.attachments:
        email = MIMEMultipart()
        email.attach(text)
        for attachment in message.attachments:
            # text attachments only: "text/<subtype>; name=value"
            subtype, *parameters = (p.strip() for p in attachment["content_type"].split("/", 1)[1].split(";"))
            part = MIMEText(attachment["content"], subtype, "utf-8")
            for name, value in (p.split("=", 1) for p in parameters if "=" in p):
                part.set_param(name, value)
            part.add_header("Content-Disposition", "attachment", filename=attachment["filename"])
            email.attach(part)
    email["From"] = formataddr(parseaddr(config["MAIL_FROM"]), charset="utf-8")
    email["To"] = _header(message.to_address)
    email["Subject"] = _header(message.subject)
    # The same id every time the message is sent: a copy sent again after a worker died between the
    # mail server taking it and the outbox recording it is recognised by mail programs as the same mail.
    email["Message-ID"] = message_id(message, config)
    email["Date"] = formatdate(usegmt=True)
    for name, value in (message.headers or {}).items():
        email[name] = _header(value)
    return email


class MailServerUnreachable(OSError):
    """No connection to the mail server could be made: no message of the round can go."""


class Mailer:
    """One SMTP connection kept open for every message of a round, made again if the server drops it."""

    def __init__(self, config):
        self.config = config
        self.smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        config = self.config
        try:
            smtp = smtplib.SMTP(config["SMTP_HOST"], int(config["SMTP_PORT"]), timeout=20)
        except OSError as error:
            raise MailServerUnreachable(str(error)) from error
        try:
            if config.get("SMTP_STARTTLS"):
                smtp.starttls()
            if config.get("SMTP_USERNAME"):
                smtp.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"])
        except BaseException:
            smtp.close()
            raise
        return smtp

    def send(self, email: Message) -> None:
        if self.smtp is None:
            self.smtp = self._connect()
        try:
            self.smtp.send_message(email)
        except smtplib.SMTPServerDisconnected:
            # A connection the server closed while idle: once more on a new one.
            self.close()
            self.smtp = self._connect()
            self.smtp.send_message(email)
        except (OSError, smtplib.SMTPException):
            self.close()  # the connection's state is unknown: the next message starts a new one
            raise

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (OSError, smtplib.SMTPException):
                self.smtp.close()
            self.smtp = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


#: messages taken by one worker at a time: small, so a worker that dies holds few, and several share a backlog
BATCH = 50
#: "sent" is saved for this many messages at once (one statement and one commit instead of one each: the
#: worker's largest cost after the mail itself). A worker stopped by SIGTERM or a database outage saves
#: every one; only a worker killed outright can leave up to this many to be sent again, as the same mail.
RECORD_SENT_EVERY = 10


def _claim(session, *, batch: int, lease_seconds: int) -> list[int]:
    """Take up to `batch` due messages for this worker until the lease ends (committed).
    FOR UPDATE SKIP LOCKED lets workers on PostgreSQL take different messages at the same moment
    instead of queueing behind each other; SQLite has one writer at a time and needs no lock."""
    now = utcnow()
    lease = now + timedelta(seconds=lease_seconds)
    due = (sa.select(OutboxMessage.id)
           .where(OutboxMessage.status == "queued", OutboxMessage.next_attempt_at <= now,
                  OutboxMessage.attempts < MAX_ATTEMPTS)
           .order_by(OutboxMessage.id).limit(batch).with_for_update(skip_locked=True))
    with unit_of_work(session):
        taken = session.scalars(
            sa.update(OutboxMessage).where(OutboxMessage.id.in_(due.scalar_subquery()))
            .values(next_attempt_at=lease, attempts=OutboxMessage.attempts + 1)
            .returning(OutboxMessage.id).execution_options(synchronize_session=False)).all()
    _memory.taken.update(dict.fromkeys(taken, lease))
    return sorted(taken)


def deliver_pending(session, *, batch: int = BATCH, seconds: float = 30.0) -> tuple[int, int]:
    """Send due messages over one SMTP connection, a batch at a time, while any are due (for at most
    about `seconds`, so the worker's other work is not starved); returns (sent, failed attempts).
    Each message's outcome is committed as soon as it is known."""
    config = current_app.config
    if not config.get("SMTP_HOST"):
        return 0, 0
    _record_sent(session)
    _give_back(session, list(_memory.taken))
    sent = failed = 0
    lease_seconds = int(config["OUTBOX_LEASE_SECONDS"])
    ends = time.monotonic() + seconds
    with Mailer(config) as mailer:
        while time.monotonic() < ends:
            taken = _claim(session, batch=batch, lease_seconds=lease_seconds)
            if not taken:
                break
            # Plain rows, not tracked objects: each outcome's commit then costs no reload of the batch.
            with unit_of_work(session):  # read, then no transaction is held open while mail is sent
                messages = session.execute(sa.select(*_SENT_FIELDS).where(OutboxMessage.id.in_(taken))
                                           .order_by(OutboxMessage.id)).all()
            taken_at, lease_ran_low = time.monotonic(), False
            for position, message in enumerate(messages):
                if time.monotonic() - taken_at > lease_seconds / 2:
                    # A slow mail server has used half the lease: the rest goes back and is taken afresh,
                    # so no message is still being sent here when its lease ends and another worker takes it.
                    _record_sent(session)
                    _give_back(session, [m.id for m in messages[position:]])
                    lease_ran_low = True
                    break
                del _memory.taken[message.id]
                try:
                    mailer.send(_email(message, config))
                except MailServerUnreachable as error:
                    _failed(session, message, error)
                    failed += 1
                    _give_back(session, [m.id for m in messages[position + 1:]])
                    return sent, failed
                except Exception as error:  # refused by the server, or a message that cannot be written as mail
                    _failed(session, message, error)
                    failed += 1
                else:
                    _memory.sent_not_recorded[message.id] = utcnow()
                    sent += 1
                    if log.isEnabledFor(logging.INFO):
                        with acting_for(message.request_id):
                            log.info("sent message %s", message.id, extra={"message_id": message.id,
                                                                           "attempt": message.attempts})
                    if len(_memory.sent_not_recorded) >= RECORD_SENT_EVERY:
                        _record_sent(session)
                if stopping.is_set():  # asked to stop (SIGTERM): what was taken and not tried is given back
                    _record_sent(session)
                    _give_back(session, [m.id for m in messages[position + 1:]])
                    return sent, failed
            _record_sent(session)
            if len(taken) < batch and not lease_ran_low:
                break
    return sent, failed


_SENT_FIELDS = (OutboxMessage.id, OutboxMessage.to_address, OutboxMessage.subject, OutboxMessage.body,
                OutboxMessage.headers, OutboxMessage.attachments, OutboxMessage.created_at, OutboxMessage.attempts,
                OutboxMessage.request_id)


def give_up_on_abandoned(session) -> int:
    """Mark failed the queued messages taken MAX_ATTEMPTS times by workers that never finished them
    (each died while sending), which no worker takes again. Housekeeping; flushes. Returns how many."""
    return session.execute(
        sa.update(OutboxMessage).where(OutboxMessage.status == "queued", OutboxMessage.attempts >= MAX_ATTEMPTS,
                                       OutboxMessage.next_attempt_at <= utcnow())
        .values(status="failed", last_error="Given up: every worker that took it stopped while sending it.")
        .execution_options(synchronize_session=False)).rowcount


def _record(session, message_id: int, **values) -> None:
    with unit_of_work(session):
        session.execute(sa.update(OutboxMessage).where(OutboxMessage.id == message_id).values(**values)
                        .execution_options(synchronize_session=False))


def _failed(session, message, error: Exception) -> None:
    with acting_for(message.request_id):
        log.warning("message %s not sent (attempt %s): %s", message.id, message.attempts, error,
                    extra={"message_id": message.id, "attempt": message.attempts})
    if message.attempts >= MAX_ATTEMPTS:
        _record(session, message.id, last_error=str(error)[:300], status="failed")
    else:
        _record(session, message.id, last_error=str(error)[:300],
                next_attempt_at=utcnow() + timedelta(minutes=2 ** message.attempts))


def _give_back(session, message_ids: list[int]) -> None:
    """Messages taken but not tried (the mail server or the database went away): due again, no attempt
    spent. Only while the lease is still this worker's: once it ended, another may have taken them."""
    if not message_ids:
        return
    with unit_of_work(session):
        for message_id in message_ids:
            session.execute(sa.update(OutboxMessage)
                            .where(OutboxMessage.id == message_id, OutboxMessage.status == "queued",
                                   OutboxMessage.next_attempt_at == _memory.taken[message_id])
                            .values(next_attempt_at=utcnow(), attempts=OutboxMessage.attempts - 1)
                            .execution_options(synchronize_session=False))
    for message_id in message_ids:
        del _memory.taken[message_id]


def _record_sent(session) -> None:
    """Save which messages the mail server has taken (also those sent before the database went away):
    a message sent is never sent again."""
    if not _memory.sent_not_recorded:
        return
    table = cast(sa.Table, OutboxMessage.__table__)
    with unit_of_work(session):
        session.connection().execute(
            sa.update(table).where(table.c.id == sa.bindparam("message_id"), table.c.status == "queued")
            .values(status="sent", sent_at=sa.bindparam("sent_at")),
            [{"message_id": message_id, "sent_at": sent_at}
             for message_id, sent_at in _memory.sent_not_recorded.items()])
    _memory.sent_not_recorded.clear()
