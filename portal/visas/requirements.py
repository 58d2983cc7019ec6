"""Visa requirements: which rule applies on a day, what is scheduled, the history, and the changes
staff propose and a second person publishes. Flushes; never commits."""

from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa

from portal.advisories.public_cache import mark_changed
from portal.core import policy
from portal.core.db import utcnow
from portal.core.i18n import _
from portal.core.refusal import Refused
from portal.core.workdays import taipei_today
from portal.missions.service import country_by_code
from portal.visas.nationalities import is_nationality
from portal.visas.models import OUTBOUND_PURPOSE, Direction, Purpose, RuleStatus, Treatment, VisaRule

#: the longest stay a rule can name
MAX_STAY_DAYS = 365
#: Taiwan's own nationals need no visa to come home; Taiwan has no rule for itself abroad
HOME = "TW"


def purposes_for(direction: Direction) -> tuple[Purpose, ...]:
    return tuple(Purpose) if direction is Direction.INBOUND else (OUTBOUND_PURPOSE,)


@dataclass
class Requirement:
    """What applies to one direction, country and purpose: now, from later dates, and before."""

    current: VisaRule | None = None
    upcoming: list[VisaRule] = field(default_factory=list)
    history: list[VisaRule] = field(default_factory=list)


def _published(direction: Direction):
    return sa.select(VisaRule).where(VisaRule.direction == direction, VisaRule.status == RuleStatus.PUBLISHED)


def _newest_first(rules):
    return sorted(rules, key=lambda r: (r.effective_from, r.published_at or r.proposed_at, r.id), reverse=True)


def requirements_for(session, direction: Direction, country_code: str, *, on: date | None = None
                     ) -> dict[Purpose, Requirement]:
    """Every purpose's requirement for one country on a Taipei day (today by default)."""
    on = on or taipei_today()
    found: dict[Purpose, Requirement] = {purpose: Requirement() for purpose in purposes_for(direction)}
    rules = session.scalars(_published(direction).where(VisaRule.country_code == country_code)).all()
    for rule in _newest_first(rules):
        requirement = found.get(rule.purpose)
        if requirement is None:
            continue
        if rule.effective_from > on:
            requirement.upcoming.insert(0, rule)  # soonest first
        elif requirement.current is None:
            requirement.current = rule
        else:
            requirement.history.append(rule)
    return found


def current_rules(session, direction: Direction, *, on: date | None = None,
                  purpose: Purpose | None = None) -> dict[tuple[str, Purpose], VisaRule]:
    """The rule in force for every country and purpose on a Taipei day, in one query."""
    on = on or taipei_today()
    query = _published(direction).where(VisaRule.effective_from <= on)
    if purpose is not None:
        query = query.where(VisaRule.purpose == purpose)
    current: dict[tuple[str, Purpose], VisaRule] = {}
    for rule in _newest_first(session.scalars(query).all()):
        current.setdefault((rule.country_code, rule.purpose), rule)
    return current


def upcoming_rules(session, direction: Direction, *, on: date | None = None) -> list[VisaRule]:
    """Published changes that take effect after the day, soonest first."""
    on = on or taipei_today()
    return list(session.scalars(_published(direction).where(VisaRule.effective_from > on)
                                .order_by(VisaRule.effective_from, VisaRule.country_code, VisaRule.id)))


def drafts(session) -> list[VisaRule]:
    """Changes waiting for a second person, oldest first."""
    return list(session.scalars(sa.select(VisaRule).where(VisaRule.status == RuleStatus.DRAFT)
                                .order_by(VisaRule.proposed_at, VisaRule.id)))


def public_state(session) -> tuple[str, datetime | None]:
    """What identifies the rules the public sees, and when they last changed: it moves with a
    publication, a cancellation, or a new day (a scheduled rule takes effect at midnight in Taipei)."""
    published, cancelled, count = session.execute(sa.select(
        sa.func.max(VisaRule.published_at), sa.func.max(VisaRule.cancelled_at), sa.func.count())
        .where(VisaRule.status != RuleStatus.DRAFT)).one()
    changed = max(filter(None, [published, cancelled]), default=None)
    return f"{published}|{cancelled}|{count}|{taipei_today()}", changed


# --- changes ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Change:
    direction: str
    country_code: str
    purpose: str
    treatment: str
    stay_days: int | None
    conditions_zh: str
    conditions_en: str
    effective_from: date
    change_note_zh: str
    change_note_en: str


def _check(session, change: Change, today: date) -> tuple[Direction, Purpose, Treatment]:
    if change.direction not in {d.value for d in Direction}:
        raise Refused(_("Choose who the rule is for."), field="direction")
    direction = Direction(change.direction)
    country = country_by_code(session, change.country_code)
    if country is None or country.code == HOME or (direction is Direction.INBOUND
                                                   and not is_nationality(country.code)):
        raise Refused(_("Choose the country from the list."), field="country_code")
    if change.purpose not in {p.value for p in purposes_for(direction)}:
        raise Refused(_("Choose the purpose from the list."), field="purpose")
    if change.treatment not in {t.value for t in Treatment}:
        raise Refused(_("Choose the treatment from the list."), field="treatment")
    treatment = Treatment(change.treatment)
    if treatment.has_stay and not (change.stay_days and 1 <= change.stay_days <= MAX_STAY_DAYS):
        raise Refused(_("Enter the longest stay, between 1 and %(days)d days.", days=MAX_STAY_DAYS),
                      field="stay_days")
    if not (change.conditions_zh.strip() and change.conditions_en.strip()):
        raise Refused(_("Write the conditions in both languages."), field="conditions_zh")
    if change.effective_from < today:
        raise Refused(_("The rule cannot start on a day that has passed: choose today or a later day."),
                      field="effective_from")
    if not (change.change_note_zh.strip() and change.change_note_en.strip()):
        raise Refused(_("Say what changes and why, in both languages."), field="change_note_zh")
    return direction, Purpose(change.purpose), treatment


def propose(session, change: Change, *, by, now: datetime | None = None) -> VisaRule:
    """A new version of a rule, waiting for a second person to publish it.

    Raises:
        Refused: not allowed, or an answer that is missing or not on the lists.
    """
    if not policy.can_keep_visa_rules(by):
        raise Refused(_("Only headquarters staff and supervisors keep the visa requirements."))
    now = now or utcnow()
    direction, purpose, treatment = _check(session, change, taipei_today(now))
    rule = VisaRule(direction=direction, country_code=change.country_code.upper(), purpose=purpose,
                    treatment=treatment, stay_days=change.stay_days if treatment.has_stay else None,
                    conditions_zh=change.conditions_zh.strip(), conditions_en=change.conditions_en.strip(),
                    effective_from=change.effective_from, change_note_zh=change.change_note_zh.strip(),
                    change_note_en=change.change_note_en.strip(), proposed_at=now, proposed_by_id=by.id)
    session.add(rule)
    session.flush()
    return rule


def _claim(session, rule: VisaRule, values: dict, *, expected: RuleStatus) -> bool:
    """Move a rule on only if nobody moved it first (two supervisors at once: one wins)."""
    moved = session.execute(sa.update(VisaRule).where(VisaRule.id == rule.id, VisaRule.status == expected)
                            .values(**values).execution_options(synchronize_session=False)).rowcount
    session.refresh(rule)
    return moved == 1


def publish(session, rule: VisaRule, *, by, now: datetime | None = None) -> VisaRule:
    """A second person publishes a proposed rule; it applies from its effective date.

    Raises:
        Refused: the proposer, no supervisor, already decided, or a start day that has passed.
    """
    if not policy.can_publish_visa_rule(by, rule):
        raise Refused(_("A supervisor other than the person who proposed it must publish a change."))
    now = now or utcnow()
    if rule.effective_from < taipei_today(now):
        raise Refused(_("Its start day has passed: cancel it and propose it again with a new day."))
    if not _claim(session, rule, {"status": RuleStatus.PUBLISHED, "published_at": now, "published_by_id": by.id},
                  expected=RuleStatus.DRAFT):
        raise Refused(_("Someone else has already published or cancelled this change."))
    mark_changed(session)
    return rule


def can_cancel(user, rule: VisaRule, *, today: date | None = None) -> bool:
    """A draft can be withdrawn by whoever keeps the rules; a published change only until it applies."""
    if rule.status is RuleStatus.DRAFT:
        return policy.can_keep_visa_rules(user)
    return (rule.status is RuleStatus.PUBLISHED and rule.effective_from > (today or taipei_today())
            and policy.can_stop_visa_rule(user))


def cancel(session, rule: VisaRule, *, by, now: datetime | None = None) -> VisaRule:
    """Withdraw a draft, or stop a scheduled change before it applies.

    Raises:
        Refused: not allowed, already applying, or already moved on by someone else.
    """
    now = now or utcnow()
    if not can_cancel(by, rule, today=taipei_today(now)):
        raise Refused(_("This change can no longer be cancelled: once it applies, propose a new one."))
    if not _claim(session, rule, {"status": RuleStatus.CANCELLED, "cancelled_at": now, "cancelled_by_id": by.id},
                  expected=rule.status):
        raise Refused(_("Someone else has already published or cancelled this change."))
    mark_changed(session)
    return rule


def rule_by_id(session, rule_id: int) -> VisaRule | None:
    return session.get(VisaRule, rule_id)
