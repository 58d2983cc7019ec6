"""Passport rules with no draft behind them: fees and validity, ages, the daily cap of online
applications, and who can apply online at all."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask import current_app

from portal.core.cases.models import Case
from portal.core.db import utcnow
from portal.core.i18n import TAIPEI, _
from portal.core.workdays import taipei_today
from portal.passports.models import ApplicationType
from portal.passports.workflow import PASSPORT

ADULT_AGE = 18
#: under this age a passport is valid for the shorter "minor_under_14" term
YOUNG_CHILD_AGE = 14


# --- fees, validity and the daily cap -----------------------------------------------------------

@dataclass(frozen=True)
class Fee:
    key: str
    amount: int
    currency: str
    years: int


def fee_table() -> list[Fee]:
    """Every row of the PASSPORT_FEES setting, in its order."""
    config = current_app.config
    return [Fee(key, int(row["fee"]), config["PASSPORT_FEE_CURRENCY"], int(row["years"]))
            for key, row in config["PASSPORT_FEES"].items()]


def fee_for(application_type: ApplicationType, birth_date: date | None, *, on: date | None = None) -> Fee:
    """The fee and validity for an application: children under 14 get the shorter passport."""
    key = application_type.value
    young = birth_date and age_on(birth_date, on or taipei_today()) < YOUNG_CHILD_AGE
    if application_type is ApplicationType.MINOR and young:
        key = "minor_under_14"
    return next(fee for fee in fee_table() if fee.key == key)


def age_on(birth_date: date, day: date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def day_starts(now: datetime) -> tuple[datetime, datetime]:
    """Midnight in Taipei today and tomorrow, as aware datetimes."""
    start = datetime.combine(taipei_today(now), time(), tzinfo=TAIPEI)
    return start, start + timedelta(days=1)


def submissions_today(session, now: datetime | None = None) -> int:
    """Passport applications submitted since midnight Taipei time: one query."""
    start, _ = day_starts(now or utcnow())
    return session.scalar(sa.select(sa.func.count(Case.id)).where(Case.kind == PASSPORT,
                                                                   Case.submitted_at >= start))


def cap_reopens_at(session, now: datetime | None = None) -> datetime | None:
    """When today's cap is reached, the moment applications reopen (midnight Taipei); else None."""
    now = now or utcnow()
    if submissions_today(session, now) < int(current_app.config["PASSPORT_DAILY_CAP"]):
        return None
    return day_starts(now)[1]


# --- eligibility --------------------------------------------------------------------------------

def ineligibility_reasons(answers: dict) -> list[str]:
    """Why someone cannot apply online, in plain words with what to do instead (empty: they can)."""
    reasons = []
    if answers.get("has_national_id") == "no":
        reasons.append(_("Without a national identification number we cannot confirm your nationality online. "
                         "Apply in person at a mission or at the Bureau of Consular Affairs, with proof of your "
                         "nationality."))
    if answers.get("passport_damaged") == "yes":
        reasons.append(_("A damaged passport has to be examined. Bring it in person to a mission or a domestic "
                         "office when you apply."))
    if answers.get("chinese_name_changed") == "yes":
        reasons.append(_("A new Chinese name is checked against your household registration. Apply in person with "
                         "a household registration transcript issued in the last three months."))
    if answers.get("lawful_residence") == "no":
        reasons.append(_("If you do not have a valid visa or residence permit where you live, the mission needs to "
                         "see you. Contact the mission serving the country you are in."))
    return reasons
