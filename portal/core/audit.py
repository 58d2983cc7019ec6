"""The log of personal data revealed on purpose: who saw which case's identifier, and when.

Pages show identifiers masked; revealing one is an action, written here in the same transaction as
the page that shows it, and supervisors read the log. Rows are only ever inserted.
"""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.db import Base, DbSession, UTCDateTime, utcnow


class PersonalDataView(Base):
    __tablename__ = "personal_data_views"

    id: Mapped[int] = mapped_column(primary_key=True)
    viewed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    viewer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    case_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cases.id", ondelete="SET NULL"), index=True)
    #: which identifier was revealed, e.g. "national_id"
    field: Mapped[str] = mapped_column(sa.String(40))

    viewer = relationship("User")
    case = relationship("Case")


def record_view(session: DbSession, *, viewer, case, field: str, now: datetime | None = None) -> PersonalDataView:
    view = PersonalDataView(viewer_id=viewer.id, case_id=case.id, field=field, viewed_at=now or utcnow())
    session.add(view)
    session.flush()
    return view


def recent_views(session: DbSession, *, limit: int = 200) -> list[PersonalDataView]:
    from sqlalchemy.orm import joinedload

    return list(session.scalars(sa.select(PersonalDataView).options(joinedload(PersonalDataView.viewer),
                                                                    joinedload(PersonalDataView.case))
                                .order_by(PersonalDataView.id.desc()).limit(limit)))
