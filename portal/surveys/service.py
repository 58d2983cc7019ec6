"""Survey invitations when a service is completed, answering once, the reminder and expiry, and
the results supervisors read. Flushes; never commits."""

import hashlib
import re
import secrets
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

from portal.core import crypto
from portal.core.cases.models import Case
from portal.core.cases.registry import all_kinds, on_every_transition, workflow_for
from portal.core.cases.registry import kind as kind_of
from portal.core.db import DbSession, count_up, utcnow
from portal.core.export import csv_text
from portal.core.i18n import _
from portal.core.outbox import queue_email
from portal.core.refusal import Refused
from portal.core.workdays import taipei_month, taipei_today
from portal.surveys.models import (
    Channel,
    ContactRequest,
    HiddenComment,
    PageComment,
    PageUsefulness,
    Satisfaction,
    SurveyAnswer,
    SurveyInvitation,
    SurveyInvitationCount,
    SurveyVersion,
)

#: cells with fewer answers than this are not shown, nor totals that would give them away
SMALLEST_SHOWN = 5
MAX_IMPROVEMENT = 2000


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def month_of(moment: datetime) -> str:
    """YYYY-MM of the day in Taipei: the finest time an answer keeps."""
    return taipei_month(moment)


def _latest(session: DbSession, service: str) -> SurveyVersion | None:
    return session.scalar(sa.select(SurveyVersion).where(SurveyVersion.service == service)
                          .order_by(SurveyVersion.number.desc()).limit(1))


def current_version(session: DbSession, service: str) -> SurveyVersion:
    """The live version of a service's survey; the first is made when the first invitation goes out
    (two made at once: the database keeps one, and both use it)."""
    version = _latest(session, service)
    if version is None:
        try:
            with session.begin_nested():
                session.add(SurveyVersion(service=service, number=1, questions=[]))
        except IntegrityError:
            pass
        version = _latest(session, service)
        assert version is not None
    return version


# --- a supervisor's own questions ----------------------------------------------------------------

MAX_QUESTIONS = 5
QUESTION_TYPES = ("scale", "choice", "text")
MAX_QUESTION_TEXT = 200
MAX_TEXT_ANSWER = 1000


def question_text(question: dict, *, chinese: bool) -> str:
    return question["zh"] if chinese else question["en"]


def define_questions(session: DbSession, service: str, questions: list[dict]) -> SurveyVersion:
    """Replace a service's own questions (up to five, after the two every survey asks). A live survey
    is never edited: this makes a new version, and earlier answers keep theirs."""
    if service not in {k.workflow.kind for k in all_kinds()}:
        raise Refused(_("There is no such service."))
    if len(questions) > MAX_QUESTIONS:
        raise Refused(_("A survey has at most %(count)d questions of its own.", count=MAX_QUESTIONS))
    checked = []
    for number, question in enumerate(questions, start=1):
        field = f"questions-{number - 1}"
        kind, zh, en = question.get("type"), (question.get("zh") or "").strip(), (question.get("en") or "").strip()
        if kind not in QUESTION_TYPES:
            raise Refused(_("Question %(number)d: choose its kind of answer.", number=number), field=field)
        if not zh or not en or len(zh) > MAX_QUESTION_TEXT or len(en) > MAX_QUESTION_TEXT:
            raise Refused(_("Question %(number)d: write it in both languages, %(count)d characters or fewer.",
                            number=number, count=MAX_QUESTION_TEXT), field=field)
        options = [{"zh": o["zh"].strip(), "en": o["en"].strip()} for o in question.get("options") or []]
        if kind == "choice" and not (2 <= len(options) <= 6 and all(o["zh"] and o["en"] for o in options)):
            raise Refused(_("Question %(number)d: give 2 to 6 choices, each as “中文 | English” on its own line.",
                            number=number), field=field)
        checked.append({"key": f"q{number}", "type": kind, "zh": zh, "en": en,
                        "options": options if kind == "choice" else []})
    current = current_version(session, service)
    if current.questions == checked:
        return current
    version = SurveyVersion(service=service, number=current.number + 1, questions=checked)
    session.add(version)
    session.flush()
    return version


def check_own_answers(version: SurveyVersion, given: dict) -> dict:
    """The answers to a version's own questions, each optional; a value no question allows is refused."""
    answers = {}
    for question in version.questions:
        value = (given.get(question["key"]) or "").strip()
        if not value:
            continue
        field = f"q_{question['key']}"
        if question["type"] == "scale" and value not in {s.value for s in Satisfaction}:
            raise Refused(_("Choose one of the answers given."), field=field)
        if question["type"] == "choice" and value not in {str(i) for i in range(len(question["options"]))}:
            raise Refused(_("Choose one of the answers given."), field=field)
        if question["type"] == "text" and len(value) > MAX_TEXT_ANSWER:
            raise Refused(_("Write %(count)d characters or fewer.", count=MAX_TEXT_ANSWER), field=field)
        answers[question["key"]] = value
    return answers


# --- invitations ---------------------------------------------------------------------------------

@on_every_transition
def invite_on_completion(session: DbSession, case: Case, event, move) -> None:
    """Every kind's completing moves (Transition.invites_survey) invite the citizen."""
    if move.invites_survey:
        invite(session, case, now=event.at)


@dataclass(frozen=True)
class Recipient:
    email: str
    locale: str | None
    #: an account holder can turn survey emails off on their account page
    has_account: bool


def recipient_of(session: DbSession, case: Case) -> Recipient | None:
    """Who hears about the case: its citizen's account (unless they turned survey emails off), or for a
    case made without one, the address the kind knows (a confirmed mailbox writer, an emergency reporter)."""
    citizen = case.applicant
    if citizen is not None:
        if not citizen.is_active or not citizen.survey_emails:
            return None
        return Recipient(citizen.email, citizen.locale, True)
    contact = kind_of(case.kind).contact
    found = contact(session, case) if contact is not None else None
    return Recipient(found[0], found[1], False) if found else None


def invite(session: DbSession, case: Case, *, now: datetime | None = None,
           channel: Channel = Channel.ONLINE) -> str | None:
    """Email the case's citizen a one-time link, unless there is nobody to write to, they turned survey
    emails off, or already hold a link for this case. Returns the token (for tests), or None."""
    recipient = recipient_of(session, case)
    if recipient is None:
        return None
    if session.scalar(sa.select(SurveyInvitation.token_hash).where(SurveyInvitation.case_id == case.id)):
        return None
    now = now or utcnow()
    config = current_app.config
    current_version(session, case.kind)  # the version the answer will belong to exists before any link
    token = secrets.token_urlsafe(32)
    month = month_of(now)
    invitation = SurveyInvitation(
        token_hash=_hash(token), case_id=case.id, service=case.kind, mission_id=case.mission_id, month=month,
        channel=channel, created_at=now, expires_at=now + timedelta(days=int(config["SURVEY_LINK_DAYS"])),
        token_cipher=crypto.encrypt(token, table="survey_invitations", column="token_cipher"))
    session.add(invitation)
    count_up(session, SurveyInvitationCount, {"service": case.kind, "mission_id": case.mission_id, "month": month},
             "invited")
    session.flush()
    _mail(session, invitation, token, recipient, template="survey_invitation", case=case)
    return token


def _mail(session: DbSession, invitation: SurveyInvitation, token: str, recipient: Recipient, *,
          template: str, case: Case | None = None) -> None:
    queue_email(session, to=recipient.email, locale=recipient.locale, template=template, token=token,
                service=workflow_for(invitation.service).title, expires_at=invitation.expires_at,
                reference=case.reference if case is not None else None, has_account=recipient.has_account)


def remind_due(session: DbSession, now: datetime | None = None) -> int:
    """One reminder, a set number of days after the invitation, to those who have not answered."""
    now = now or utcnow()
    due = now - timedelta(days=int(current_app.config["SURVEY_REMINDER_DAYS"]))
    invitations = session.scalars(sa.select(SurveyInvitation).where(
        SurveyInvitation.reminded_at.is_(None), SurveyInvitation.created_at <= due,
        SurveyInvitation.expires_at > now)).all()
    for invitation in invitations:
        case = session.get(Case, invitation.case_id)
        recipient = recipient_of(session, case) if case is not None else None
        invitation.reminded_at = now
        if recipient is None:
            continue
        token = crypto.decrypt(invitation.token_cipher, table="survey_invitations", column="token_cipher")
        _mail(session, invitation, token, recipient, template="survey_reminder", case=case)
    session.flush()
    return len(invitations)


def erase_expired(session: DbSession, now: datetime | None = None) -> int:
    """Links that expired unanswered are deleted, and with them the last trace of which case they were for."""
    result = session.execute(sa.delete(SurveyInvitation).where(SurveyInvitation.expires_at <= (now or utcnow())))
    return result.rowcount  # type: ignore[attr-defined]


# --- answering -----------------------------------------------------------------------------------

def open_invitation(session: DbSession, token: str, now: datetime | None = None) -> SurveyInvitation | None:
    """The invitation a link opens while it can still be answered, or None (used, expired, forged)."""
    invitation = session.get(SurveyInvitation, _hash(token or ""))
    if invitation is None or invitation.expires_at <= (now or utcnow()):
        return None
    return invitation


@dataclass(frozen=True)
class Answered:
    """What the answering page may still know for a moment: never stored with the answer."""

    dissatisfied: bool
    case_id: int
    #: a mailbox case can be opened in the respondent's name only when the case has an account behind it
    has_account: bool


@dataclass(frozen=True)
class AnswerData:
    overall: str
    improvement: str = ""
    answers: dict = field(default_factory=dict)
    #: the version of the questions the person saw, when the form says
    version_id: int | None = None


def answer(session: DbSession, token: str, data: AnswerData, *, now: datetime | None = None) -> Answered:
    """Keep the answer and spend the link, in one step: of two sends at once, one is kept."""
    invitation = open_invitation(session, token, now)
    if invitation is None:
        raise Refused(_("This survey link has already been used or has expired."))
    try:
        overall = Satisfaction(data.overall)
    except ValueError:
        raise Refused(_("Choose how you felt about the service."), field="overall") from None
    improvement = (data.improvement or "").strip()
    if len(improvement) > MAX_IMPROVEMENT:
        raise Refused(_("Write %(count)d characters or fewer.", count=MAX_IMPROVEMENT), field="improvement")
    version = current_version(session, invitation.service)
    if data.version_id is not None and data.version_id != version.id:
        raise Refused(_("The questions changed while you were answering. Check them and send your answer again."))
    own_answers = check_own_answers(version, data.answers)
    case = session.get(Case, invitation.case_id)
    context = Answered(overall.points <= 2, invitation.case_id,
                       has_account=case is not None and case.applicant_id is not None)
    spent = session.execute(sa.delete(SurveyInvitation).where(
        SurveyInvitation.token_hash == invitation.token_hash)).rowcount  # type: ignore[attr-defined]
    if spent != 1:
        raise Refused(_("This survey link has already been used or has expired."))
    session.add(SurveyAnswer(service=invitation.service, mission_id=invitation.mission_id, month=invitation.month,
                             channel=invitation.channel.value, version_id=version.id, overall=overall.points,
                             improvement=improvement, answers=own_answers))
    session.flush()
    return context


# --- closing the loop, by consent only -----------------------------------------------------------

MAX_CONTACT_MESSAGE = 5000


def request_contact(session: DbSession, case_id: int, *, by, message: str, locale: str,
                    now: datetime | None = None) -> Case:
    """A dissatisfied respondent asked to be contacted: a mailbox case in their name, about the
    service and mission, with only what they wrote now. Returns the mailbox case."""
    from portal.feedback.service import submit_message

    message = (message or "").strip()
    if not message:
        raise Refused(_("Write what you would like us to look into."), field="message")
    if len(message) > MAX_CONTACT_MESSAGE:
        raise Refused(_("Write %(count)d characters or fewer.", count=MAX_CONTACT_MESSAGE), field="message")
    case = session.get(Case, case_id)
    citizen = case.applicant if case is not None else None
    if case is None or citizen is None or not citizen.is_active or citizen.id != by.id:
        raise Refused(_("We cannot open a message for this service any more. Write to the Director-General's "
                        "mailbox instead."))
    now = now or utcnow()
    subject = _("After the satisfaction survey: %(service)s", service=workflow_for(case.kind).title)
    sent = submit_message(session, applicant=citizen, category="service", subject=subject,
                          message=message, name=citizen.name, email=citizen.email, phone=None,
                          related_reference=case.reference, files=[], locale=locale, now=now)
    if sent.created:
        session.add(ContactRequest(mailbox_case_id=sent.case.id, service=case.kind, mission_id=case.mission_id,
                                   month=month_of(now)))
        session.flush()
    return sent.case


@dataclass(frozen=True)
class ContactFigures:
    asked: int
    answered_in_time: int


def contact_figures(session: DbSession, *, months: list[str]) -> dict[str, ContactFigures]:
    """Per service: how many dissatisfied respondents asked to be contacted, and how many of those
    messages were answered within the mailbox's service level."""
    from portal.feedback.service import answered_in_time

    requests = session.execute(sa.select(ContactRequest.service, ContactRequest.mailbox_case_id)
                               .where(ContactRequest.month.in_(months))).all()
    in_time = answered_in_time(session, [case_id for _service, case_id in requests])
    figures: dict[str, ContactFigures] = {}
    for service, case_id in requests:
        before = figures.get(service, ContactFigures(0, 0))
        answered = 1 if in_time.get(case_id) else 0
        figures[service] = ContactFigures(before.asked + 1, before.answered_in_time + answered)
    return figures


# --- results -------------------------------------------------------------------------------------

@dataclass
class Cell:
    """The answers of one service at one mission in one month, or a total of such cells."""

    n: int = 0
    levels: dict[int, int] = field(default_factory=dict)
    invited: int = 0
    #: hidden because too few answered, or because it would give a hidden cell away
    suppressed: bool = False

    @property
    def csat(self) -> float | None:
        """The share answering satisfied or very satisfied, in per cent."""
        return 100 * sum(c for points, c in self.levels.items() if points >= 4) / self.n if self.n else None

    @property
    def response_rate(self) -> float | None:
        return 100 * self.n / self.invited if self.invited else None

    def add(self, other: "Cell") -> None:
        self.n += other.n
        self.invited += other.invited
        for points, count in other.levels.items():
            self.levels[points] = self.levels.get(points, 0) + count


@dataclass
class ServiceResults:
    service: str
    #: (mission_id, month) → cell
    cells: dict[tuple[int, str], Cell]
    #: month → the total over missions
    totals: dict[str, Cell]


def last_months(count: int, now: datetime | None = None) -> list[str]:
    """YYYY-MM of this month in Taipei and the count - 1 before it, oldest first."""
    day = taipei_today(now)
    year, month, months = day.year, day.month, []
    for _step in range(count):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return list(reversed(months))


def results(session: DbSession, *, months: list[str], mission_ids: list[int] | None = None) -> list[ServiceResults]:
    """CSAT, counts per level and response rates per service, mission and month, with small cells
    suppressed. Totals are suppressed too where their hidden parts add up to fewer than the threshold,
    so no hidden cell can be worked out by subtraction."""
    where = [SurveyAnswer.month.in_(months)]
    counted = [SurveyInvitationCount.month.in_(months)]
    if mission_ids is not None:
        where.append(SurveyAnswer.mission_id.in_(mission_ids))
        counted.append(SurveyInvitationCount.mission_id.in_(mission_ids))
    by_service: dict[str, dict[tuple[int, str], Cell]] = {}
    for service, mission_id, month, overall, count in session.execute(
            sa.select(SurveyAnswer.service, SurveyAnswer.mission_id, SurveyAnswer.month, SurveyAnswer.overall,
                      sa.func.count()).where(*where)
            .group_by(SurveyAnswer.service, SurveyAnswer.mission_id, SurveyAnswer.month, SurveyAnswer.overall)):
        cell = by_service.setdefault(service, {}).setdefault((mission_id, month), Cell())
        cell.n += count
        cell.levels[overall] = cell.levels.get(overall, 0) + count
    for row in session.scalars(sa.select(SurveyInvitationCount).where(*counted)):
        by_service.setdefault(row.service, {}).setdefault((row.mission_id, row.month), Cell()).invited += row.invited
    found = []
    for service, cells in sorted(by_service.items()):
        totals: dict[str, Cell] = {}
        hidden: dict[str, int] = {}
        for (_mission_id, month), cell in cells.items():
            cell.suppressed = cell.n < SMALLEST_SHOWN
            totals.setdefault(month, Cell()).add(cell)
            if cell.suppressed:
                hidden[month] = hidden.get(month, 0) + cell.n
        for month, total in totals.items():
            total.suppressed = total.n < SMALLEST_SHOWN or 0 < hidden.get(month, 0) < SMALLEST_SHOWN
        found.append(ServiceResults(service, cells, totals))
    return found


# --- comments ------------------------------------------------------------------------------------

MASK = "•••"
#: what could name a person in a comment: email addresses, national IDs, passport numbers, phone numbers
_PERSONAL = re.compile(
    r"[^\s@]+@[^\s@]+\.[^\s@]+"
    r"|\b[A-Za-z][1289][0-9]{8}\b"
    r"|(?<![0-9])[0-9]{9}(?![0-9])"
    r"|\+?[0-9][0-9 ()\-]{6,}[0-9]")


def mask_personal_details(text: str) -> str:
    """A comment as supervisors may read it: anything that could identify someone masked (full-width
    characters made plain first, so they cannot slip through)."""
    return _PERSONAL.sub(MASK, unicodedata.normalize("NFKC", text or ""))


@dataclass(frozen=True)
class Comment:
    answer_id: str
    service: str
    month: str
    overall: int
    text: str


def comments(session: DbSession, *, months: list[str], limit: int = 20) -> dict[str, list[Comment]]:
    """Per service, the latest comments not hidden, masked, without the mission, and only from cells
    with enough answers to be shown, so no comment can be placed with its person."""
    shown_cells = {(service, mission_id, month) for service, mission_id, month, count in session.execute(
        sa.select(SurveyAnswer.service, SurveyAnswer.mission_id, SurveyAnswer.month, sa.func.count())
        .where(SurveyAnswer.month.in_(months))
        .group_by(SurveyAnswer.service, SurveyAnswer.mission_id, SurveyAnswer.month)) if count >= SMALLEST_SHOWN}
    rows = session.execute(
        sa.select(SurveyAnswer.id, SurveyAnswer.service, SurveyAnswer.mission_id, SurveyAnswer.month,
                  SurveyAnswer.overall, SurveyAnswer.improvement)
        .outerjoin(HiddenComment, HiddenComment.answer_id == SurveyAnswer.id)
        .where(SurveyAnswer.month.in_(months), SurveyAnswer.improvement != "", HiddenComment.answer_id.is_(None))
        .order_by(SurveyAnswer.service, SurveyAnswer.month.desc(), SurveyAnswer.id))
    found: dict[str, list[Comment]] = {}
    for answer_id, service, mission_id, month, overall, text in rows:
        if (service, mission_id, month) not in shown_cells:
            continue  # a comment from too few answers could be told apart with its score
        listed = found.setdefault(service, [])
        if len(listed) < limit:
            listed.append(Comment(answer_id, service, month, overall, mask_personal_details(text)))
    return found


def hide_comment(session: DbSession, answer_id: str, *, by, reason: str) -> None:
    """A supervisor keeps a comment off the results page, saying why; the answer's figures still count."""
    reason = (reason or "").strip()
    if not reason:
        raise Refused(_("Say why the comment is hidden."), field="reason")
    if session.get(SurveyAnswer, answer_id) is None:
        raise Refused(_("That comment is not there any more."))
    if session.get(HiddenComment, answer_id) is None:
        session.add(HiddenComment(answer_id=answer_id, reason=reason[:300], hidden_by_id=by.id))
        session.flush()


# --- was this page useful? -----------------------------------------------------------------------

MAX_PAGE_COMMENT = 1000


#: view arguments that are secrets: a page reached with one is named by its route, never its address
SECRET_ARGUMENTS = frozenset({"token"})


def page_name(rule: str | None, path: str, view_args: dict | None) -> str:
    """What the footer sends for the current page: its path, or its route pattern when the address
    holds a secret (a reset, survey or tracking link), so no secret is ever stored or shown."""
    if rule and view_args and SECRET_ARGUMENTS & set(view_args):
        return rule
    return path


def page_of(text: str | None) -> str | None:
    """The page a visitor rated, if it is one of this site's pages (a path that a route answers, or a
    route pattern the footer sent for a page with a secret in its address); else None."""
    path = (text or "").split("?", 1)[0].split("#", 1)[0]
    if not path.startswith("/") or len(path) > 200 or any(ch.isspace() or not ch.isprintable() or ch == "\\"
                                                           for ch in path):
        return None
    rules = current_app.url_map
    if any(rule.rule == path for rule in rules.iter_rules()):
        return path
    try:
        endpoint, arguments = rules.bind("localhost").match(path, method="GET")
    except HTTPException:
        return None
    return None if SECRET_ARGUMENTS & set(arguments) else path


def rate_page(session: DbSession, path: str, *, useful: bool, comment: str = "", now: datetime | None = None) -> None:
    """Count one answer for the page today (Taipei), and keep what went wrong if it was said."""
    page = page_of(path)
    if page is None:
        raise Refused(_("We could not tell which page you meant."))
    comment = (comment or "").strip()
    if len(comment) > MAX_PAGE_COMMENT:
        raise Refused(_("Write %(count)d characters or fewer.", count=MAX_PAGE_COMMENT), field="comment")
    day = taipei_today(now)
    count_up(session, PageUsefulness, {"path": page, "day": day}, "useful" if useful else "not_useful")
    if comment:
        session.add(PageComment(path=page, day=day, text=comment))
    session.flush()


@dataclass(frozen=True)
class PageFigures:
    path: str
    useful: int
    not_useful: int

    @property
    def share_useful(self) -> float:
        return 100 * self.useful / (self.useful + self.not_useful)


@dataclass(frozen=True)
class PageNote:
    """What went wrong on a page, as supervisors read it (masked)."""

    path: str
    day: date
    text: str


def page_figures(session: DbSession, *, days: int = 30, limit: int = 20,
                 now: datetime | None = None) -> tuple[list[PageFigures], list[PageNote]]:
    """The pages most often called not useful over the last days, and the latest comments, masked."""
    since = taipei_today(now) - timedelta(days=days)
    pages = [PageFigures(path, useful, not_useful) for path, useful, not_useful in session.execute(
        sa.select(PageUsefulness.path, sa.func.sum(PageUsefulness.useful), sa.func.sum(PageUsefulness.not_useful))
        .where(PageUsefulness.day > since).group_by(PageUsefulness.path)
        .order_by(sa.func.sum(PageUsefulness.not_useful).desc(), PageUsefulness.path).limit(limit))]
    latest = session.execute(sa.select(PageComment.path, PageComment.day, PageComment.text)
                             .where(PageComment.day > since)
                             .order_by(PageComment.day.desc(), PageComment.id).limit(limit)).all()
    return pages, [PageNote(path, day, mask_personal_details(text)) for path, day, text in latest]


# --- export --------------------------------------------------------------------------------------

def results_csv(found: list[ServiceResults], *, titles: dict, missions: dict, fewer: str) -> str:
    """The published figures as CSV: what the results page shows, suppressed cells included as such."""
    levels = list(Satisfaction)
    table = [[_("Service"), _("Mission"), _("Month"), _("Answers"), _("Share satisfied"),
              _("Response rate"), *(str(level.title) for level in levels)]]
    for result in found:
        rows = [(_("Every mission"), month, cell) for month, cell in sorted(result.totals.items())]
        rows += [(missions.get(mission_id, mission_id), month, cell)
                 for (mission_id, month), cell in sorted(result.cells.items())]
        for mission, month, cell in rows:
            figures = [fewer, "", "", *("" for _level in levels)] if cell.suppressed else [
                cell.n, "" if cell.csat is None else f"{cell.csat:.0f}",
                "" if cell.response_rate is None else f"{cell.response_rate:.0f}",
                *(cell.levels.get(level.points, 0) for level in levels)]
            table.append([titles.get(result.service, result.service), mission, month, *figures])
    return csv_text(table)
