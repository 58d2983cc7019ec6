"""Mobile consular service days (行動領務): a day at a venue, its sessions, a quota per service in
each session split between booked places and walk-in tickets, and the bookings made for them."""

from datetime import date, datetime, time
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.db import Base, UTCDateTime, utcnow
from portal.core.i18n import _l
from portal.core.titled import TitledEnum

if TYPE_CHECKING:
    from portal.accounts.models import User
    from portal.missions.models import Mission


class MobileService(TitledEnum):
    """What a service day can offer. First-time passports and express service need the full counter."""

    PASSPORT_RENEWAL = "passport_renewal", _l("Passport renewal")
    PASSPORT_REPLACEMENT = "passport_replacement", _l("Replacing a lost or damaged passport")
    DOCUMENT_AUTHENTICATION = "document_authentication", _l("Document authentication")
    DOCUMENT_PICKUP = "document_pickup", _l("Collecting a passport or documents")
    INFORMATION = "information", _l("Information and advice")


class DayStatus(TitledEnum):
    DRAFT = "draft", _l("Draft")
    PUBLISHED = "published", _l("Published")
    CANCELLED = "cancelled", _l("Cancelled")
    HELD = "held", _l("Held")


class BookingStatus(TitledEnum):
    BOOKED = "booked", _l("Booked")
    #: the session was full: waiting for a place to free up
    WAITLISTED = "waitlisted", _l("On the waiting list")
    #: a place freed up and is held for the citizen until offered_until
    OFFERED = "offered", _l("Place offered: confirm it")
    CANCELLED = "cancelled", _l("Cancelled")
    ATTENDED = "attended", _l("Attended")
    NO_SHOW = "no_show", _l("Did not come")


#: bookings that hold one of the session's booked places
HOLDING_PLACE = (BookingStatus.BOOKED, BookingStatus.OFFERED, BookingStatus.ATTENDED, BookingStatus.NO_SHOW)
#: bookings a citizen can still cancel or move
CHANGEABLE = (BookingStatus.BOOKED, BookingStatus.WAITLISTED, BookingStatus.OFFERED)


class ServiceDay(Base):
    __tablename__ = "mobile_service_days"
    __table_args__ = (
        sa.Index("ix_mobile_service_days_status_day", "status", "day"),
        # Each counter day is made once from the schedule, however many workers run at once.
        sa.Index("uq_mobile_service_days_counter_day", "mission_id", "day", unique=True,
                 sqlite_where=sa.text("is_counter"), postgresql_where=sa.text("is_counter")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the day's identity in iCalendar feeds and links: never changes
    uid: Mapped[str] = mapped_column(sa.String(32), unique=True)
    mission_id: Mapped[int] = mapped_column(sa.ForeignKey("missions.id"), index=True)
    day: Mapped[date] = mapped_column(sa.Date)
    #: the time zone of the venue, in which session times are written (IANA name)
    timezone: Mapped[str] = mapped_column(sa.String(60))
    venue: Mapped[str] = mapped_column(sa.String(200))
    address: Mapped[str] = mapped_column(sa.String(300))
    city: Mapped[str] = mapped_column(sa.String(100))
    country_code: Mapped[str] = mapped_column(sa.ForeignKey("countries.code"))
    map_url: Mapped[str | None] = mapped_column(sa.String(500))
    #: anything else people should know (parking, the floor, what else to bring), in the staff's words
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[str] = mapped_column(sa.String(12), default=DayStatus.DRAFT)
    #: a day of the mission's own counter, made from its weekly schedule (not a mobile service day)
    is_counter: Mapped[bool] = mapped_column(default=False)
    #: iCalendar SEQUENCE: bumped on every change people have been told about
    sequence: Mapped[int] = mapped_column(default=0)
    cancel_reason: Mapped[str | None] = mapped_column(sa.String(500))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(default=1)

    mission: Mapped["Mission"] = relationship("Mission")
    sessions: Mapped[list["ServiceSession"]] = relationship(
        back_populates="service_day", order_by="ServiceSession.starts_at", cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_public(self) -> bool:
        return self.status in (DayStatus.PUBLISHED, DayStatus.CANCELLED, DayStatus.HELD)


class ServiceSession(Base):
    __tablename__ = "mobile_service_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    day_id: Mapped[int] = mapped_column(sa.ForeignKey("mobile_service_days.id", ondelete="CASCADE"), index=True)
    #: local times at the venue, in the day's time zone
    starts_at: Mapped[time] = mapped_column(sa.Time)
    ends_at: Mapped[time] = mapped_column(sa.Time)

    service_day: Mapped[ServiceDay] = relationship(back_populates="sessions")
    quotas: Mapped[list["SessionQuota"]] = relationship(
        back_populates="service_session", order_by="SessionQuota.id", cascade="all, delete-orphan")

    @property
    def start(self) -> datetime:
        """When the session starts, at the venue (an aware datetime)."""
        return datetime.combine(self.service_day.day, self.starts_at, tzinfo=ZoneInfo(self.service_day.timezone))

    @property
    def end(self) -> datetime:
        return datetime.combine(self.service_day.day, self.ends_at, tzinfo=ZoneInfo(self.service_day.timezone))


class SessionQuota(Base):
    """Places for one service in one session. The counters are changed only by conditional updates,
    so the database never lets bookings or tickets pass the quota, whatever runs at once."""

    __tablename__ = "mobile_session_quotas"
    __table_args__ = (
        sa.UniqueConstraint("session_id", "service", name="uq_mobile_session_quotas_session_service"),
        sa.CheckConstraint("booked >= 0 AND booked <= booking_places", name="booked_within_places"),
        sa.CheckConstraint("walk_ins >= 0 AND walk_ins <= walk_in_places", name="walk_ins_within_places"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("mobile_service_sessions.id", ondelete="CASCADE"),
                                            index=True)
    service: Mapped[str] = mapped_column(sa.String(32))
    booking_places: Mapped[int] = mapped_column(default=0)
    walk_in_places: Mapped[int] = mapped_column(default=0)
    #: places held by bookings (booked, offered, attended or not)
    booked: Mapped[int] = mapped_column(default=0)
    #: walk-in tickets issued; the last ticket's number
    walk_ins: Mapped[int] = mapped_column(default=0)

    service_session: Mapped[ServiceSession] = relationship(back_populates="quotas")

    @property
    def places_left(self) -> int:
        return max(self.booking_places - self.booked, 0)

    @property
    def walk_ins_left(self) -> int:
        return max(self.walk_in_places - self.walk_ins, 0)


class Booking(Base):
    __tablename__ = "mobile_bookings"
    __table_args__ = (sa.Index("ix_mobile_bookings_quota_status", "quota_id", "status", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(sa.String(20), unique=True)
    quota_id: Mapped[int] = mapped_column(sa.ForeignKey("mobile_session_quotas.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    status: Mapped[str] = mapped_column(sa.String(12))
    #: "<session id>:<user id>" while the booking is live, else NULL: one live booking per person and
    #: session, enforced by the unique index on both databases
    live_key: Mapped[str | None] = mapped_column(sa.String(40), unique=True)
    #: a token minted when the booking form was shown: the same form sent twice books once
    idempotency_key: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    #: sha256 of the secret in the emailed cancellation link
    link_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: when a waiting-list place was offered, until when it is held
    offered_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str | None] = mapped_column(sa.String(500))
    #: bumped each time the citizen's own invitation changes (a move), added to the day's sequence
    sequence: Mapped[int] = mapped_column(default=0)
    #: on the day: when the citizen arrived, and the case the service they received opened or advanced
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: set by the first officer to record the service, before its case is made: one service, one case
    served_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    case_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cases.id", ondelete="SET NULL"), unique=True)
    version: Mapped[int] = mapped_column(default=1)

    quota: Mapped[SessionQuota] = relationship()
    user: Mapped["User | None"] = relationship("User")

    __mapper_args__ = {"version_id_col": version}


class WalkInTicket(Base):
    """A number handed out at the venue, in order, from a service's walk-in places in a session."""

    __tablename__ = "mobile_walk_in_tickets"
    __table_args__ = (sa.UniqueConstraint("quota_id", "number", name="uq_mobile_walk_in_tickets_quota_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    quota_id: Mapped[int] = mapped_column(sa.ForeignKey("mobile_session_quotas.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    #: the name the person gave, to call them (walk-ins need no account)
    name: Mapped[str] = mapped_column(sa.String(120), default="")
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    served_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    case_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cases.id", ondelete="SET NULL"), unique=True)

    quota: Mapped[SessionQuota] = relationship()

    @property
    def label(self) -> str:
        """What the ticket shows: a letter per service and the number, e.g. P-007."""
        return f"{TICKET_LETTERS[self.quota.service]}-{self.number:03d}"


TICKET_LETTERS: dict[str, str] = {MobileService.PASSPORT_RENEWAL: "P", MobileService.PASSPORT_REPLACEMENT: "R",
                  MobileService.DOCUMENT_AUTHENTICATION: "A", MobileService.DOCUMENT_PICKUP: "C",
                  MobileService.INFORMATION: "I"}


class CounterSchedule(Base):
    """A mission's own counter as bookable times: the weekdays it opens, its sessions and the places
    per service in each, set once. Days are made from it a few weeks ahead and booked like any other."""

    __tablename__ = "mobile_counter_schedules"

    mission_id: Mapped[int] = mapped_column(sa.ForeignKey("missions.id", ondelete="CASCADE"), primary_key=True)
    #: ISO weekdays the counter opens (1 = Monday)
    weekdays: Mapped[list] = mapped_column(sa.JSON, default=list)
    #: [{"starts": "09:00", "ends": "12:00", "places": {service: [to book, walk-in]}}]
    sessions: Mapped[list] = mapped_column(sa.JSON, default=list)
    weeks_ahead: Mapped[int] = mapped_column(default=4)
    is_open: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
