"""Satisfaction surveys. Anonymous by construction:

- an invitation (the one table that knows which case a link belongs to) is deleted when the answer
  arrives or the link expires;
- an answer keeps only coarse context (service kind, mission, month, channel): no timestamp finer
  than the month, no key to a case or a person, and a random id that says nothing about the order
  answers came in;
- invitations are also counted per service, mission and month, so response rates need no
  invitation rows after they are gone.
"""

import secrets
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.db import Base, UTCDateTime, str_enum, utcnow
from portal.core.i18n import lazy_pgettext
from portal.core.titled import TitledEnum


class Satisfaction(TitledEnum):
    """The five points of the overall question, best first."""

    VERY_SATISFIED = "5", lazy_pgettext("satisfaction", "Very satisfied")
    SATISFIED = "4", lazy_pgettext("satisfaction", "Satisfied")
    NEUTRAL = "3", lazy_pgettext("satisfaction", "Neither satisfied nor dissatisfied")
    DISSATISFIED = "2", lazy_pgettext("satisfaction", "Dissatisfied")
    VERY_DISSATISFIED = "1", lazy_pgettext("satisfaction", "Very dissatisfied")

    @property
    def points(self) -> int:
        return int(self.value)

    @property
    def is_satisfied(self) -> bool:
        return self.points >= 4


class Channel(TitledEnum):
    ONLINE = "online", lazy_pgettext("survey channel", "Online")
    MOBILE = "mobile", lazy_pgettext("survey channel", "Mobile service day")


class SurveyVersion(Base):
    """The questions asked about one kind of service. A live survey is never edited: a change is a
    new version, and every answer stays tied to the version it answered."""

    __tablename__ = "survey_versions"
    __table_args__ = (sa.UniqueConstraint("service", "number", name="uq_survey_versions_service_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the case kind the survey is about
    service: Mapped[str] = mapped_column(sa.String(32))
    number: Mapped[int]
    #: a supervisor's own questions, after the two every survey asks: [{key, type, zh, en, options}]
    questions: Mapped[list] = mapped_column(sa.JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SurveyInvitation(Base):
    """A one-time link sent when a service was completed: the only link between a survey and a case."""

    __tablename__ = "survey_invitations"

    #: sha256 of the token in the link; the token itself is never stored
    token_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"), unique=True)
    service: Mapped[str] = mapped_column(sa.String(32))
    mission_id: Mapped[int] = mapped_column(sa.ForeignKey("missions.id"))
    #: YYYY-MM in Taipei, when the service was completed
    month: Mapped[str] = mapped_column(sa.String(7))
    channel: Mapped[Channel] = mapped_column(str_enum(Channel, 16), default=Channel.ONLINE)
    #: the token, encrypted, for the one reminder (the link must be the same)
    token_cipher: Mapped[bytes] = mapped_column(sa.LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class SurveyInvitationCount(Base):
    """How many were invited, per service, mission and month: the base of the response rate."""

    __tablename__ = "survey_invitation_counts"

    service: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    mission_id: Mapped[int] = mapped_column(sa.ForeignKey("missions.id"), primary_key=True)
    month: Mapped[str] = mapped_column(sa.String(7), primary_key=True)
    invited: Mapped[int] = mapped_column(default=0)


def random_answer_id() -> str:
    return secrets.token_hex(16)


class SurveyAnswer(Base):
    """One answer, with nothing in it that leads back to the person or the case."""

    __tablename__ = "survey_answers"
    __table_args__ = (sa.Index("ix_survey_answers_results", "service", "mission_id", "month"),)

    #: random, so that no id follows the order answers arrived in
    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True, default=random_answer_id)
    service: Mapped[str] = mapped_column(sa.String(32))
    mission_id: Mapped[int] = mapped_column(sa.ForeignKey("missions.id"))
    month: Mapped[str] = mapped_column(sa.String(7))
    channel: Mapped[str] = mapped_column(sa.String(16))
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("survey_versions.id"))
    #: 1 (very dissatisfied) to 5 (very satisfied)
    overall: Mapped[int]
    improvement: Mapped[str] = mapped_column(sa.Text, default="")
    #: answers to the version's own questions, by key
    answers: Mapped[dict] = mapped_column(sa.JSON, default=dict)


class HiddenComment(Base):
    """A supervisor's decision not to show an answer's comment, with the reason; apart from the answer,
    so the answer row stays free of people and times."""

    __tablename__ = "survey_hidden_comments"

    answer_id: Mapped[str] = mapped_column(sa.ForeignKey("survey_answers.id", ondelete="CASCADE"), primary_key=True)
    reason: Mapped[str] = mapped_column(sa.String(300))
    hidden_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    hidden_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ContactRequest(Base):
    """A respondent who was dissatisfied and asked to be contacted: the mailbox case opened in their
    name, with the service and mission it was about. Nothing here leads to their survey answer."""

    __tablename__ = "survey_contact_requests"

    mailbox_case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    service: Mapped[str] = mapped_column(sa.String(32))
    mission_id: Mapped[int] = mapped_column(sa.ForeignKey("missions.id"))
    month: Mapped[str] = mapped_column(sa.String(7))


class PageUsefulness(Base):
    """"Was this page useful?", counted per page per day: counts only, nobody's answer."""

    __tablename__ = "page_usefulness"

    path: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    useful: Mapped[int] = mapped_column(default=0)
    not_useful: Mapped[int] = mapped_column(default=0)


class PageComment(Base):
    """What went wrong on a page, as someone chose to say it; kept with the page and the day only."""

    __tablename__ = "page_comments"
    __table_args__ = (sa.Index("ix_page_comments_day", "day"),)

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True, default=random_answer_id)
    path: Mapped[str] = mapped_column(sa.String(200))
    day: Mapped[date]
    text: Mapped[str] = mapped_column(sa.Text)
