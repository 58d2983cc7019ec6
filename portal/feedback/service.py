"""The director-general's mailbox: sending, confirming, assigning, drafting, answering, closing.
Flushes; never commits."""

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app, url_for

from portal.core import policy
from portal.core.cases import links
from portal.core.cases.models import Case
from portal.core.cases.service import open_case, submitted_before, transition
from portal.core.db import utcnow
from portal.core.i18n import _, format_day
from portal.core.outbox import queue_email
from portal.core.refs import is_valid_reference, normalise_reference
from portal.core.refusal import Refused
from portal.core.text import is_digits
from portal.core.uploads import check_file, store
from portal.feedback import tokens
from portal.feedback.models import Category, HqUnit, MailboxAttachment, MailboxMessage, Source
from portal.feedback.workflow import ANSWER_BACK_DAYS, MAILBOX
from portal.missions.models import Mission
from portal.missions.service import HEADQUARTERS_CODE, headquarters, overseas_missions

MAX_MESSAGE = 5000
MAX_SUBJECT = 150
MAX_ATTACHMENTS = 3
MAX_ATTACHMENT_MEGABYTES = 5
ATTACHMENT_KINDS = ("pdf", "jpeg", "png")
#: the same address, subject and text again within this time is the same message
DUPLICATE_HOURS = 24


@dataclass(frozen=True)
class Sent:
    case: Case
    #: False when the same form was submitted twice: the case is the one made the first time
    created: bool
    #: the writer must still open the link we emailed them
    needs_confirmation: bool


def assignment_targets(session) -> tuple[list[HqUnit], list[Mission]]:
    """Where a message can go: a headquarters unit, or an overseas mission."""
    return list(HqUnit), overseas_missions(session)


def parse_target(session, value: str) -> tuple[Mission, HqUnit | None]:
    """'unit:<unit>' or 'mission:<id>' → (mission, unit). Raises Refused for anything else."""
    kind, _sep, key = (value or "").partition(":")
    if kind == "unit" and key in {u.value for u in HqUnit}:
        return headquarters(session), HqUnit(key)
    if kind == "mission" and is_digits(key):
        mission = session.get(Mission, int(key))
        if mission is not None and mission.code != HEADQUARTERS_CODE:
            return mission, None
    raise Refused(_("Choose a headquarters unit or a mission from the list."), field="target")


def target_title(mission: Mission, unit: HqUnit | None, *, chinese: bool) -> str:
    return str(unit.title) if unit else mission.name(chinese)


# --- sending ------------------------------------------------------------------------------------

def fingerprint(email: str, subject: str, message: str) -> str:
    text = "\n".join((email.strip().lower(), " ".join(subject.split()), " ".join(message.split())))
    return hashlib.sha256(text.encode()).hexdigest()


def find_duplicate(session, digest: str, now: datetime) -> Case | None:
    """A message with the same address, subject and text sent within DUPLICATE_HOURS."""
    return session.scalar(
        sa.select(Case).join(MailboxMessage, MailboxMessage.case_id == Case.id)
        .where(MailboxMessage.fingerprint == digest, Case.submitted_at >= now - timedelta(hours=DUPLICATE_HOURS))
        .order_by(Case.id.desc()).limit(1))


def check_related_reference(text: str | None) -> str | None:
    """The reference of a related case as stored, or None; a mistyped one is refused."""
    if not text or not text.strip():
        return None
    reference = normalise_reference(text)
    if not is_valid_reference(reference):
        raise Refused(_("Enter the reference as it appears in our emails, like ENQ-7K2Q-MX4D-J, "
                        "or leave it empty."), field="related_reference")
    return reference


def check_attachments(files) -> list:
    """Check up to MAX_ATTACHMENTS files by their content; photos lose their metadata."""
    chosen = [f for f in files or () if f is not None and f.filename]
    if len(chosen) > MAX_ATTACHMENTS:
        raise Refused(_("Attach at most %(count)d files.", count=MAX_ATTACHMENTS), field="attachments")
    checked = []
    for file_storage in chosen:
        try:
            item = check_file(file_storage, allowed=ATTACHMENT_KINDS, max_megabytes=MAX_ATTACHMENT_MEGABYTES)
        except Refused as error:
            raise Refused(_("%(file)s: %(reason)s", file=file_storage.filename[:80], reason=str(error)),
                          field="attachments") from None
        checked.append(item)
    return checked


def _duplicate_message(case: Case) -> str:
    if case.status == "unconfirmed":
        return _("You sent this same message on %(date)s (reference %(reference)s). Open the link we emailed "
                 "you to confirm it; we have not made a second copy.",
                 date=format_day(case.submitted_at), reference=case.reference)
    return _("You sent this same message on %(date)s and we have it already (reference %(reference)s). "
             "We have not made a second copy.", date=format_day(case.submitted_at), reference=case.reference)


def submit_message(session, *, applicant, category: str, subject: str, message: str, name: str, email: str,
                   phone: str | None, related_reference: str | None, files, locale: str,
                   submission_token: str | None = None, now: datetime | None = None) -> Sent:
    """Keep a message at headquarters. Without an account it waits, out of the queue, until the
    writer confirms the address; with one it is received at once. Raises Refused."""
    now = now or utcnow()
    if category not in {c.value for c in Category}:
        raise Refused(_("Choose what your message is about."), field="category")
    if applicant is not None:
        email = applicant.email
    email = email.strip().lower()
    related = check_related_reference(related_reference)
    checked = check_attachments(files)
    # Before the duplicate check, which would take a second send of the same form for a copy.
    earlier = submitted_before(session, MAILBOX, submission_token, applicant)
    if earlier is not None:
        return Sent(earlier, False, earlier.status == "unconfirmed")
    digest = fingerprint(email, subject, message)
    duplicate = find_duplicate(session, digest, now)
    if duplicate is not None:
        raise Refused(_duplicate_message(duplicate))
    case, created = open_case(session, kind=MAILBOX, mission_id=headquarters(session).id, applicant=applicant,
                              summary=subject, idempotency_key=submission_token, now=now,
                              status=None if applicant is None else "received")
    if not created:
        return Sent(case, False, case.status == "unconfirmed")
    detail = MailboxMessage(case_id=case.id, source=Source.WEB, category=Category(category), subject=subject,
                            message=message, writer_name=name.strip(), writer_email=email,
                            writer_phone=phone or None, writer_locale=locale, related_reference=related,
                            fingerprint=digest, confirmed_at=now if applicant is not None else None)
    session.add(detail)
    session.flush()
    for position, item in enumerate(checked):
        upload = store(session, item)
        session.add(MailboxAttachment(message_id=detail.id, upload_id=upload.id, position=position))
    session.flush()
    if applicant is None:
        queue_email(session, to=email, locale=locale, template="mailbox_confirm", case=case, detail=detail,
                    token=tokens.confirmation_token(case.id, email))
    return Sent(case, True, applicant is None)


def mail_received(session, case: Case, detail: MailboxMessage) -> None:
    if detail.writer_email:
        queue_email(session, to=detail.writer_email, locale=detail.writer_locale, template="mailbox_received",
                    case=case, detail=detail, link=tracking_link(case, detail))


def confirm_message(session, token: str, now: datetime | None = None) -> Case | None:
    """Open the confirmation link: the message enters the queue. None when the link does not work.
    Opening it again later changes nothing."""
    found = tokens.read_confirmation_token(token)
    case = session.get(Case, found[0]) if found else None
    if found is None or case is None or case.kind != MAILBOX:
        return None
    detail = detail_for(session, case)
    if detail is None or detail.writer_email != found[1] or case.applicant_id is not None:
        return None
    if case.status == "unconfirmed":
        now = now or utcnow()
        transition(session, case, "confirm", by=policy.LinkHolder(case.id), now=now, own_form=True)
        detail.confirmed_at = now
        session.flush()
        mail_received(session, case, detail)
    return case


def case_for_link(session, token: str) -> tuple[Case, MailboxMessage] | None:
    """The message a tracking link opens, or None when the link is forged, expired or not for it."""
    found = links.followed_case(session, MAILBOX, token)
    if found is None:
        return None
    case, email = found
    detail = detail_for(session, case)
    if detail is None or detail.writer_email != email or case.status == "unconfirmed":
        return None
    return case, detail


def tracking_link(case: Case, detail: MailboxMessage) -> str:
    """Where the writer follows the message: their account page, or a signed link without an account."""
    if case.applicant_id is not None or not detail.writer_email:
        return url_for("accounts.case_detail", reference=case.reference)
    return url_for("feedback.track", token=tokens.tracking_token(case.id, detail.writer_email))


# --- staff steps --------------------------------------------------------------------------------

def assign(session, case: Case, *, by, target: str, note: str | None = None, expected_version: int | None = None,
           chinese: bool = True, now: datetime | None = None) -> None:
    """Send the message to a headquarters unit or a mission. Moving it to another mission gives it
    back to that mission's queue (the holder here can no longer see it)."""
    detail = message_of(session, case)
    mission, unit = parse_target(session, target)
    lines = [_("To: %(target)s", target=target_title(mission, unit, chinese=chinese))]
    if note and note.strip():
        lines.append(note.strip())
    transition(session, case, "assign", by=by, note="\n".join(lines), expected_version=expected_version,
               now=now, own_form=True)
    if mission.id != case.mission_id:
        case.mission_id = mission.id
        case.assignee_id = None
    detail.hq_unit = unit
    session.flush()


def save_draft(session, case: Case, *, by, text: str, expected_version: int | None = None,
               now: datetime | None = None) -> None:
    """Write the reply for a supervisor to approve. The draft stays with staff until it is sent."""
    text = (text or "").strip()
    if not text:
        raise Refused(_("Write the reply."), field="reply")
    if len(text) > MAX_MESSAGE:
        raise Refused(_("The reply must be 5,000 characters or fewer."), field="reply")
    detail = message_of(session, case)
    transition(session, case, "draft", by=by, note=text, expected_version=expected_version, now=now, own_form=True)
    detail.draft_reply = text
    session.flush()


def send_reply(session, case: Case, *, by, expected_version: int | None = None, now: datetime | None = None) -> None:
    """Send the approved reply: it is emailed to the writer, shown on their page, and kept in the history."""
    detail = message_of(session, case)
    if not detail.draft_reply:
        raise Refused(_("There is no approved reply to send."))
    now = now or utcnow()
    transition(session, case, "send_reply", by=by, note=detail.draft_reply, expected_version=expected_version,
               now=now, own_form=True)
    detail.reply, detail.answered_at = detail.draft_reply, now
    session.flush()
    if detail.writer_email:
        queue_email(session, to=detail.writer_email, locale=detail.writer_locale, template="mailbox_reply",
                    case=case, detail=detail, link=tracking_link(case, detail))


# --- housekeeping -------------------------------------------------------------------------------

def close_expired(session, now: datetime | None = None) -> int:
    """Close answered messages whose writers did not answer back in time. Returns how many."""
    now = now or utcnow()
    due = session.scalars(
        sa.select(Case).join(MailboxMessage, MailboxMessage.case_id == Case.id)
        # closed_at IS NULL (true of every answered case) lets the open backlog's index find them
        .where(Case.kind == MAILBOX, Case.status == "answered", Case.closed_at.is_(None),
               MailboxMessage.answered_at <= now - timedelta(days=ANSWER_BACK_DAYS))).all()
    for case in due:
        transition(session, case, "expire", by=policy.SYSTEM_ACTOR, now=now)
    return len(due)


def drop_unconfirmed(session, now: datetime | None = None) -> int:
    """Delete messages whose confirmation link has expired unopened, with their files. Returns how many."""

    now = now or utcnow()
    cutoff = now - timedelta(hours=current_app.config["EMAIL_TOKEN_HOURS"])
    stale = session.scalars(sa.select(Case).where(Case.kind == MAILBOX, Case.status == "unconfirmed",
                                                  Case.closed_at.is_(None), Case.submitted_at <= cutoff)).all()
    for case in stale:
        detail = detail_for(session, case)
        if detail is not None:
            uploads = [attachment.upload for attachment in detail.attachments]
            session.delete(detail)
            for upload in uploads:
                session.delete(upload)
        session.delete(case)
    session.flush()
    return len(stale)


def detail_for(session, case) -> MailboxMessage | None:
    return session.scalar(sa.select(MailboxMessage).where(MailboxMessage.case_id == case.id))


def answered_in_time(session, case_ids: list[int]) -> dict[int, bool | None]:
    """For mailbox cases: whether each was answered by its due date (None while unanswered)."""
    rows = session.execute(sa.select(Case.id, Case.due_at, MailboxMessage.answered_at)
                           .join(MailboxMessage, MailboxMessage.case_id == Case.id).where(Case.id.in_(case_ids)))
    return {case_id: (answered <= due if answered else None) for case_id, due, answered in rows}


def message_of(session, case) -> MailboxMessage:
    """The message of a mailbox case, which every one has."""
    return session.scalars(sa.select(MailboxMessage).where(MailboxMessage.case_id == case.id)).one()


def attachment_for(detail: MailboxMessage, upload_id: str) -> MailboxAttachment | None:
    return next((a for a in detail.attachments if a.upload_id == upload_id), None)

