"""Every access rule of the portal, in one place.

Each view carries exactly one access decorator from this module (a convention test checks it).
Objects that belong to someone else answer 404, so their existence does not leak.
"""

from functools import wraps

from flask import abort, redirect, request, url_for
from flask_login import current_user

from portal.core.cases.workflow import APPLICANT, Transition
from portal.core.roles import Role


def _mark(view, rule: str):
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
    """What part the user plays in the case: APPLICANT, their staff Role, or None."""
    if user.is_staff:
        return user.role if staff_can_see_case(user, case) else None
    return APPLICANT if case.applicant_id == user.id else None


def can_take(user, transition: Transition, case) -> bool:
    party = party_of(user, case)
    if party is None or not transition.allows(party):
        return False
    if party != APPLICANT and transition.needs_claim:
        return case.assignee_id == user.id
    return True


def can_claim(user, case) -> bool:
    return staff_can_see_case(user, case) and case.is_open and case.assignee_id is None


def can_release(user, case) -> bool:
    return (staff_can_see_case(user, case) and case.assignee_id is not None
            and (case.assignee_id == user.id or user.role.at_least(Role.SUPERVISOR)))


def can_revoke_authentication(user, case) -> bool:
    """Withdrawing an issued document authentication is for supervisors who can see the case."""
    return user.is_authenticated and user.role.at_least(Role.SUPERVISOR) and staff_can_see_case(user, case)


def can_manage_accounts(user) -> bool:
    return user.is_authenticated and user.role.at_least(Role.ADMIN)
