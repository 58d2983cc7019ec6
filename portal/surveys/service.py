"""Survey invitations when a service is completed, answering once, the reminder and expiry, and
the results supervisors read. Flushes; never commits."""

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from portal.core import crypto
from portal.core.cases.models import Case
from portal.core.cases.registry import on_every_transition, workflow_for
from portal.core.db import DbSession, utcnow
from portal.core.i18n import _
from portal.core.outbox import queue_email
from portal.core.refusal import Refused
from portal.core.workdays import taipei_today
from portal.surveys.models import (
    Channel,
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
    day = taipei_today(moment)
    return f"{day.year:04d}-{day.month:02d}"


def current_version(session: DbSession, service: str) -> SurveyVersion:
    """The live version of a service's survey (the first is made when first needed)."""
    version = session.scalar(sa.select(SurveyVersion).where(SurveyVersion.service == service)
                             .order_by(SurveyVersion.number.desc()).limit(1))
    if version is None:
        version = SurveyVersion(service=service, number=1, questions=[])
        session.add(version)
        session.flush()
    return version


# --- invitations ---------------------------------------------------------------------------------

@on_every_transition
def invite_on_completion(session: DbSession, case: Case, event, move) -> None:
    """Every kind's completing moves (Transition.invites_survey) invite the citizen."""
    if move.invites_survey:
        invite(session, case, now=event.at)


def invite(session: DbSession, case: Case, *, now: datetime | None = None,
           channel: Channel = Channel.ONLINE) -> str | None:
    """Email the case's citizen a one-time link, unless they have none to receive it, turned survey
    emails off, or already hold a link for this case. Returns the token (for tests), or None."""
    citizen = case.applicant
    if citizen is None or not citizen.is_active or not citizen.survey_emails:
        return None
    if session.scalar(sa.select(SurveyInvitation.token_hash).where(SurveyInvitation.case_id == case.id)):
        return None
    now = now or utcnow()
    config = current_app.config
    token = secrets.token_urlsafe(32)
    month = month_of(now)
    invitation = SurveyInvitation(
        token_hash=_hash(token), case_id=case.id, service=case.kind, mission_id=case.mission_id, month=month,
        channel=channel, created_at=now, expires_at=now + timedelta(days=int(config["SURVEY_LINK_DAYS"])),
        token_cipher=crypto.encrypt(token, table="survey_invitations", column="token_cipher"))
    session.add(invitation)
    _count_invitation(session, case.kind, case.mission_id, month)
    session.flush()
    _mail(session, invitation, token, citizen.email, citizen.locale, template="survey_invitation", case=case)
    return token


def _count_invitation(session: DbSession, service: str, mission_id: int, month: str) -> None:
    counted = session.execute(
        sa.update(SurveyInvitationCount)
        .where(SurveyInvitationCount.service == service, SurveyInvitationCount.mission_id == mission_id,
               SurveyInvitationCount.month == month)
        .values(invited=SurveyInvitationCount.invited + 1)).rowcount  # type: ignore[attr-defined]
    if not counted:
        session.add(SurveyInvitationCount(service=service, mission_id=mission_id, month=month, invited=1))


def _mail(session: DbSession, invitation: SurveyInvitation, token: str, to: str, locale: str | None, *,
          template: str, case: Case | None = None) -> None:
    queue_email(session, to=to, locale=locale, template=template, token=token,
                service=workflow_for(invitation.service).title, expires_at=invitation.expires_at,
                reference=case.reference if case is not None else None)


def remind_due(session: DbSession, now: datetime | None = None) -> int:
    """One reminder, a set number of days after the invitation, to those who have not answered."""
    now = now or utcnow()
    due = now - timedelta(days=int(current_app.config["SURVEY_REMINDER_DAYS"]))
    invitations = session.scalars(sa.select(SurveyInvitation).where(
        SurveyInvitation.reminded_at.is_(None), SurveyInvitation.created_at <= due,
        SurveyInvitation.expires_at > now)).all()
    for invitation in invitations:
        case = session.get(Case, invitation.case_id)
        citizen = case.applicant if case is not None else None
        invitation.reminded_at = now
        if citizen is None or not citizen.is_active or not citizen.survey_emails:
            continue
        token = crypto.decrypt(invitation.token_cipher, table="survey_invitations", column="token_cipher")
        _mail(session, invitation, token, citizen.email, citizen.locale, template="survey_reminder", case=case)
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
    service: str
    mission_id: int


@dataclass(frozen=True)
class AnswerData:
    overall: str
    improvement: str = ""
    answers: dict = field(default_factory=dict)


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
    context = Answered(overall.points <= 2, invitation.case_id, invitation.service, invitation.mission_id)
    spent = session.execute(sa.delete(SurveyInvitation).where(
        SurveyInvitation.token_hash == invitation.token_hash)).rowcount  # type: ignore[attr-defined]
    if spent != 1:
        raise Refused(_("This survey link has already been used or has expired."))
    version = current_version(session, invitation.service)
    session.add(SurveyAnswer(service=invitation.service, mission_id=invitation.mission_id, month=invitation.month,
                             channel=invitation.channel.value, version_id=version.id, overall=overall.points,
                             improvement=improvement, answers=data.answers))
    session.flush()
    return context


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


# --- export --------------------------------------------------------------------------------------

#: a spreadsheet runs a cell that starts with one of these as a formula
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value) -> str:
    """A cell's text that no spreadsheet will run as a formula (OWASP CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def results_csv(found: list[ServiceResults], *, titles: dict, missions: dict, fewer: str) -> str:
    """The published figures as CSV: what the results page shows, suppressed cells included as such."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out)
    levels = list(Satisfaction)
    writer.writerow([_("Service"), _("Mission"), _("Month"), _("Answers"), _("Share satisfied"),
                     _("Response rate"), *(str(level.title) for level in levels)])
    for result in found:
        rows = [(_("Every mission"), month, cell) for month, cell in sorted(result.totals.items())]
        rows += [(missions.get(mission_id, mission_id), month, cell)
                 for (mission_id, month), cell in sorted(result.cells.items())]
        for mission, month, cell in rows:
            figures = [fewer, "", "", *("" for _level in levels)] if cell.suppressed else [
                cell.n, "" if cell.csat is None else f"{cell.csat:.0f}",
                "" if cell.response_rate is None else f"{cell.response_rate:.0f}",
                *(cell.levels.get(level.points, 0) for level in levels)]
            writer.writerow([spreadsheet_safe(value) for value in
                             (titles.get(result.service, result.service), mission, month, *figures)])
    return out.getvalue()
