"""The passport photo: a real JPEG or PNG of the printable size and shape, without metadata,
kept for the draft it belongs to. Flushes; never commits."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from portal.core import policy
from portal.core.db import utcnow
from portal.core.i18n import _
from portal.core.refusal import Refused
from portal.core.uploads import check_file, store
from portal.passports.models import PassportApplication

KINDS = ("jpeg", "png")
MAX_MB = 5
MIN_WIDTH, MIN_HEIGHT = 413, 531
#: 35 mm wide by 45 mm high, within 2 %
RATIO, RATIO_TOLERANCE = 35 / 45, 0.02

def photo_problems(width: int, height: int) -> list[str]:
    """Why a photo of this size cannot be printed in a passport (empty when it can)."""
    problems = []
    if width < MIN_WIDTH or height < MIN_HEIGHT:
        problems.append(_("The photo is %(width)d × %(height)d pixels; it must be at least %(min_width)d × "
                          "%(min_height)d.", width=width, height=height, min_width=MIN_WIDTH,
                          min_height=MIN_HEIGHT))
    if abs(width / height - RATIO) > RATIO * RATIO_TOLERANCE:
        problems.append(_("The photo must be 35 wide by 45 high (portrait): crop it to that shape."))
    return problems


def check_photo(file_storage):
    """Read a photo, check it is a real JPEG or PNG of the right size and shape, and strip its metadata.

    Raises:
        Refused: on the "photo" field, with every reason it is refused.
    """
    try:
        checked = check_file(file_storage, allowed=KINDS, max_megabytes=MAX_MB)
    except Refused as error:
        raise Refused(str(error), field="photo") from error
    problems = photo_problems(checked.width, checked.height)
    if problems:
        raise Refused(" ".join(problems), field="photo")
    return checked


def save_photo(session, draft: PassportApplication, checked, *, by, now: datetime | None = None) -> None:
    """Keep the checked photo for the draft; a photo it replaces is deleted."""
    if not policy.can_edit_passport_draft(by, draft):
        raise Refused(_("This application has already been sent."), field="photo")
    old = draft.photo
    draft.photo_id = store(session, checked).id
    draft.updated_at = now or utcnow()
    session.flush()
    if old is not None:
        session.delete(old)
        session.flush()
    session.expire(draft, ["photo"])


def photo_owner(session, upload_id: str) -> PassportApplication | None:
    return session.scalar(sa.select(PassportApplication).where(PassportApplication.photo_id == upload_id)
                          .options(selectinload(PassportApplication.case)))
