"""Every access rule of the portal, in one place.

Each view carries exactly one access decorator from this module (a convention test checks it).
Objects that belong to someone else answer 404, so their existence does not leak.
"""

from functools import wraps
from typing import Protocol

from flask import abort, redirect, request, url_for
from flask_login import current_user

from portal.core.cases.workflow import APPLICANT, SYSTEM, Transition
from portal.core.roles import Role


def _mark(view, rule: str):
    # functools.wraps copies the inner view's attributes, so a view given a second decorator keeps
    # both rules here and the convention test finds it.
    view.access_rules = (*getattr(view, "access_rules", ()), rule)
    view.access_rule = rule
    return view


def public(view):
    """Anyone, signed in or not."""
    return _mark(view, "public")


def signed_in(view):
    """Any signed-in account, citizen or staff."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return _mark(wrapped, "signed_in")


def citizen_only(view):
    """A signed-in citizen; staff are sent to their queue."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
        if current_user.is_staff:
            return redirect(url_for("staff.queue"))
        return view(*args, **kwargs)

    return _mark(wrapped, "citizen")


def staff_only(minimum: Role = Role.STAFF):
    """Staff with at least the given role. Staff sessions exist only after the second factor."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
            if not current_user.role.at_least(minimum):
                abort(403)
            return view(*args, **kwargs)

        return _mark(wrapped, f"staff:{minimum.value}")

    return decorator


# --- who acts ----------------------------------------------------------------------------------

class Actor(Protocol):
    """Whoever acts on a case: a signed-in user, the holder of a link we emailed, or the portal itself."""

    @property
    def id(self) -> int | None: ...

    @property
    def is_authenticated(self) -> bool: ...

    @property
    def is_staff(self) -> bool: ...


class Person(Actor, Protocol):
    """An actor with an account the portal writes to: the applicant of a case."""

    @property
    def email(self) -> str: ...

    @property
    def locale(self) -> str: ...


# --- who may act without an account ---------------------------------------------------------

class LinkHolder:
    """Someone who opened a signed link we emailed about one case (a writer without an account).
    They act as that case's applicant, for that case only; the link itself is checked by its domain."""

    is_authenticated = False
    is_staff = False
    id = None

    def __init__(self, case_id: int):
        self.case_id = case_id


class SystemActor:
    """The portal itself, for scheduled moves that no person makes."""

    is_authenticated = False
    is_staff = False
    id = None


SYSTEM_ACTOR = SystemActor()


def citizen_or_none(user):
    """The signed-in citizen acting, or None for anyone without an account (and for staff, who act on
    citizens' forms only as a member of the public would: by email)."""
    return user if user.is_authenticated and not user.is_staff else None


# --- rules on objects -------------------------------------------------------------------------

def sees_all_missions(user) -> bool:
    return user.role.at_least(Role.SUPERVISOR)


def staff_can_see_case(user, case) -> bool:
    return user.is_staff and (sees_all_missions(user) or case.mission_id == user.mission_id)


def can_view_case(user, case) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_staff:
        return staff_can_see_case(user, case)
    return case.applicant_id == user.id


def party_of(user, case):
    """What part the user plays in the case: APPLICANT, SYSTEM, their staff Role, or None."""
    if isinstance(user, SystemActor):
        return SYSTEM
    if isinstance(user, LinkHolder):
        return APPLICANT if user.case_id == case.id else None
    if user.is_staff:
        return user.role if staff_can_see_case(user, case) else None
    return APPLICANT if case.applicant_id == user.id else None


def took_last(user, case, action: str) -> bool:
    """Whether the user made the latest move of this action on the case."""
    actor = next((event.actor_id for event in reversed(case.events) if event.action == action), None)
    return user.id is not None and actor == user.id


def can_take(user, transition: Transition, case) -> bool:
    party = party_of(user, case)
    if party is None or not transition.allows(party):
        return False
    if transition.not_by_whoever_took and took_last(user, case, transition.not_by_whoever_took):
        return False
    if party not in (APPLICANT, SYSTEM) and transition.needs_claim:
        return case.assignee_id == user.id
    return True


def can_follow_case_link(holder: LinkHolder, case) -> bool:
    """An emailed link opens the case it was made for, and only while the case has no account behind it."""
    return isinstance(holder, LinkHolder) and holder.case_id == case.id and case.applicant_id is None


def can_claim(user, case) -> bool:
    return staff_can_see_case(user, case) and case.is_open and case.assignee_id is None


def can_release(user, case) -> bool:
    return (staff_can_see_case(user, case) and case.assignee_id is not None
            and (case.assignee_id == user.id or user.role.at_least(Role.SUPERVISOR)))


def can_publish_advice(user, edition) -> bool:
    """Supervisors publish and schedule travel advice, but never a draft they wrote themselves."""
    return (user.is_authenticated and user.role.at_least(Role.SUPERVISOR)
            and edition.created_by_id != user.id)


def can_manage_trip(user, trip) -> bool:
    """A trip registered from an account belongs to that account; one registered by email to
    whoever holds the secret link that was mailed."""
    if trip.user_id is None:
        return True
    return user.is_authenticated and user.id == trip.user_id


def staff_can_see_call(user, call) -> bool:
    """Hotline calls: staff see their own mission's, supervisors every mission's."""
    return user.is_authenticated and user.is_staff and (sees_all_missions(user) or call.mission_id == user.mission_id)


def can_turn_call_into_case(user, call) -> bool:
    return staff_can_see_call(user, call) and call.case_id is None


def can_revoke_authentication(user, case) -> bool:
    """Withdrawing an issued document authentication is for supervisors who can see the case."""
    return user.is_authenticated and user.role.at_least(Role.SUPERVISOR) and staff_can_see_case(user, case)


def can_edit_passport_draft(user, application) -> bool:
    """A passport application is changed only by its citizen: freely until it is sent, and afterwards
    only while the mission has asked for more information (a new photo, a corrected answer)."""
    if not (user.is_authenticated and not user.is_staff and application.applicant_id == user.id):
        return False
    return application.case_id is None or (application.case is not None
                                           and application.case.status == "info_requested")


def can_see_passport_photo(user, application) -> bool:
    """The photo of a draft is its citizen's; once sent, whoever can see the case sees it."""
    if application.case is None:
        return user.is_authenticated and not user.is_staff and application.applicant_id == user.id
    return can_view_case(user, application.case)



def can_manage_service_day(user, day) -> bool:
    """Mobile service days: staff plan and run their own mission's, supervisors every mission's."""
    return user.is_authenticated and user.is_staff and (sees_all_missions(user) or day.mission_id == user.mission_id)


def owns_booking(user, booking) -> bool:
    """A booking for a service day is its citizen's alone."""
    return user.is_authenticated and not user.is_staff and booking.user_id == user.id


def can_reveal_identifiers(user, case) -> bool:
    """Staff who can see a case may reveal its masked identifiers; the reveal is logged (core.audit)."""
    return staff_can_see_case(user, case)


def can_read_personal_data_log(user) -> bool:
    return user.is_authenticated and user.role.at_least(Role.SUPERVISOR)


def can_keep_visa_rules(user) -> bool:
    """Visa requirements are national policy: headquarters officers and supervisors propose changes."""
    if not (user.is_authenticated and user.is_staff):
        return False
    return sees_all_missions(user) or (user.mission is not None and user.mission.is_headquarters)


def can_publish_visa_rule(user, rule) -> bool:
    """A change of visa requirements is published by a supervisor who did not propose it."""
    return can_stop_visa_rule(user) and rule.proposed_by_id != user.id


def can_stop_visa_rule(user) -> bool:
    """Stopping a scheduled change before it applies is any supervisor's call."""
    return user.is_authenticated and user.role.at_least(Role.SUPERVISOR)
