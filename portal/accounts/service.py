"""Account rules: registration, confirmation, sign-in steps, passwords, staff, personal data.
Flushes; never commits."""

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from portal.accounts import sessions, throttle, tokens, totp
from portal.accounts.models import AccountEvent, User
from portal.accounts.passwords import hash_password, password_problem, verify_password
from portal.core.cases.models import Case
from portal.core.db import separate_transaction, utcnow
from portal.core.i18n import _
from portal.core.outbox import queue_email
from portal.core.refusal import Refused
from portal.core.roles import Role


class Throttled(Refused):
    def __init__(self, wait: throttle.Wait):
        minutes = max(1, -(-wait.seconds // 60))
        if wait.ceiling:
            message = _("Someone has tried many passwords for this account, so we have paused sign-ins to it from "
                        "browsers it has not been used on, for up to %(minutes)d minutes. Sign in from a browser "
                        "you have used before, or reset your password by email: that lifts the pause.",
                        minutes=minutes)
        else:
            message = _("Too many attempts to sign in. Wait %(minutes)d minutes and try again.", minutes=minutes)
        super().__init__(message)
        self.seconds = wait.seconds


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user(session, email: str) -> User | None:
    return session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def log_event(session, event: str, *, user=None, actor=None, address: str | None = None) -> None:
    session.add(AccountEvent(event=event, user_id=user.id if user else None,
                             actor_id=actor.id if actor else None, address=address))


def check_new_password(password: str, *, email: str = "", name: str = "") -> None:
    problem = password_problem(password, email=email, name=name)
    if problem:
        raise Refused(problem, field="password")


def send_confirmation(session, user: User) -> None:
    queue_email(session, to=user.email, locale=user.locale, template="confirm_email",
                user=user, token=tokens.confirmation_token(user))


def register_citizen(session, *, name: str, email: str, password: str, locale: str) -> User:
    """A new, unconfirmed citizen account; the confirmation link goes through the outbox.
    An address already registered gets a notice instead, so the form does not reveal it."""
    email = normalise_email(email)
    check_new_password(password, email=email, name=name)
    # Hashed on both paths, so that the answer takes as long for an address already registered as for a
    # new one: its timing does not tell which addresses have accounts.
    password_hash = hash_password(password)
    existing = find_user(session, email)
    if existing is not None:
        queue_email(session, to=existing.email, locale=existing.locale, template="already_registered", user=existing)
        return existing
    user = User(name=name.strip(), email=email, password_hash=password_hash, role=Role.CITIZEN, locale=locale)
    session.add(user)
    session.flush()
    send_confirmation(session, user)
    log_event(session, "registered", user=user)
    return user


def confirm_email(session, token: str) -> User | None:
    data = tokens.read_confirmation_token(token)
    user = session.get(User, data["u"]) if data else None
    if data is None or user is None or user.email != data.get("e") or not user.is_active:
        return None
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
        log_event(session, "email_confirmed", user=user)
        session.flush()
    return user


def record_failed_attempt(keys: list[str], event: str, *, user: User | None, address: str | None) -> None:
    """Count a failed sign-in step and log it in a transaction of its own: the refused request rolls
    back everything else it did, but the count must stand, or guessing would cost nothing."""
    with separate_transaction() as own:
        throttle.record_failure(own, keys)
        log_event(own, event, user=user, address=address)


def check_password_sign_in(session, *, email: str, password: str, address: str | None,
                           device: str | None = None) -> User:
    """First step of signing in. Raises Throttled or Refused; the same message whether the
    account is unknown or the password wrong. `device` is the id from the browser's device cookie
    for this account (accounts.tokens.device_for), if it has one."""
    keys = throttle.keys_for(email, address, device)
    wait = throttle.seconds_to_wait(session, keys)
    if wait.seconds:
        raise Throttled(wait)
    user = find_user(session, email)
    # verify_password runs for unknown accounts too, so both answers take the same time
    if not verify_password(user.password_hash if user else None, password) or user is None or not user.is_active:
        record_failed_attempt(keys, "sign_in_failed", user=user, address=address)
        raise Refused(_("The email address or password is not right."), field="email")
    if not user.is_staff and user.email_confirmed_at is None:
        # The right password but no confirmed address: the new link must go out though the sign-in is refused.
        with separate_transaction() as own:
            throttle.clear(own, keys[0])
            send_confirmation(own, own.get_one(User, user.id))
        raise Refused(_("Confirm your email address first. We have sent you a new link."), field="email")
    throttle.clear(session, keys[0])
    return user


def check_second_factor(session, user: User, code: str, *, address: str | None,
                        secret: str | None = None, device: str | None = None) -> None:
    """Second step for staff. With `secret`, this confirms a new enrolment and saves it."""
    keys = throttle.keys_for(user.email, address, device)
    wait = throttle.seconds_to_wait(session, keys)
    if wait.seconds:
        raise Throttled(wait)
    checked_against = secret or user.totp_secret
    step = totp.accepted_step(checked_against, code, None if secret else user.totp_last_step) \
        if checked_against else None
    if step is None:
        record_failed_attempt(keys, "code_failed", user=user, address=address)
        raise Refused(_("The code is not right or has been used. Enter the current 6-digit code "
                        "from your authenticator app."), field="code")
    if secret:
        user.totp_secret, user.totp_pending_secret = secret, None
        log_event(session, "second_factor_enrolled", user=user, address=address)
    user.totp_last_step = step
    throttle.clear(session, keys[0])
    session.flush()


def pending_totp_secret(user: User) -> str:
    """The secret being enrolled for a staff account: made once and saved at once, in a transaction of
    its own, so a wrong code (whose request is rolled back) keeps the secret the app was set up with."""
    if user.totp_pending_secret:
        return user.totp_pending_secret
    secret = totp.new_secret()
    with separate_transaction() as own:
        own.execute(sa.update(User).where(User.id == user.id, User.totp_pending_secret.is_(None))
                    .values(totp_pending_secret=secret))
        secret = own.scalar(sa.select(User.totp_pending_secret).where(User.id == user.id)) or secret
    user.totp_pending_secret = secret
    return secret


def sign_in(session, user: User, *, address: str | None, user_agent: str | None) -> str:
    """Both steps passed: a new server-side session. Returns its token."""
    token = sessions.start_session(session, user, user_agent=user_agent)
    log_event(session, "signed_in", user=user, address=address)
    return token


def sign_out(session, user: User, token: str | None) -> None:
    sessions.end_session(session, token)
    log_event(session, "signed_out", user=user)


def request_password_reset(session, email: str) -> None:
    """Email a reset link if the account exists; the answer to the person is the same either way."""
    user = find_user(session, email)
    if user is not None and user.is_active:
        queue_email(session, to=user.email, locale=user.locale, template="reset_password",
                    user=user, token=tokens.reset_token(user))
        log_event(session, "reset_requested", user=user)


def set_password(session, user: User, password: str, *, keep_token: str | None = None) -> None:
    """A new password ends every other session of the account."""
    check_new_password(password, email=user.email, name=user.name)
    user.password_hash = hash_password(password)
    # Guesses at the old password are moot now: what they caused is lifted.
    throttle.clear(session, throttle.ceiling_key(user.email))
    if user.email_confirmed_at is None and not user.is_staff:
        # Following an emailed link proves the address as well as a confirmation link does.
        user.email_confirmed_at = utcnow()
    sessions.end_all_sessions(session, user, keep_token=keep_token)
    log_event(session, "password_changed", user=user)
    session.flush()


def change_password(session, user: User, *, current: str, new: str, keep_token: str | None) -> None:
    if not verify_password(user.password_hash, current):
        raise Refused(_("Your current password is not right."), field="current_password")
    set_password(session, user, new, keep_token=keep_token)


def create_staff(session, *, name: str, email: str, role: Role, mission_id: int | None, by=None,
                 password: str | None = None) -> User:
    """A staff account. Without a password, the person gets a link to choose one."""
    email = normalise_email(email)
    if find_user(session, email) is not None:
        raise Refused(_("An account with this email address already exists."), field="email")
    if role is Role.CITIZEN or not role.is_staff:
        raise Refused(_("Choose a staff role."), field="role")
    if role is Role.STAFF and mission_id is None:
        raise Refused(_("Choose the mission this officer works at."), field="mission_id")
    if password is not None:
        check_new_password(password, email=email, name=name)
    user = User(name=name.strip(), email=email, role=role, mission_id=mission_id,
                password_hash=hash_password(password) if password else "!", email_confirmed_at=utcnow())
    session.add(user)
    session.flush()
    if password is None:
        queue_email(session, to=user.email, locale=user.locale, template="staff_welcome",
                    user=user, token=tokens.reset_token(user))
    log_event(session, "staff_created", user=user, actor=by)
    return user


def set_disabled(session, user: User, disabled: bool, *, by) -> None:
    if user.id == by.id:
        raise Refused(_("You cannot disable your own account."))
    user.is_disabled = disabled
    if disabled:
        sessions.end_all_sessions(session, user)
    log_event(session, "disabled" if disabled else "enabled", user=user, actor=by)
    session.flush()


def set_locale(session, user: User, locale: str) -> None:
    user.locale = locale
    session.flush()


def export_personal_data(session, user: User) -> dict:
    """Everything the portal holds about the citizen, as plain data (PDPA Art. 3 and 10)."""
    cases = session.scalars(sa.select(Case).where(Case.applicant_id == user.id).order_by(Case.id)).all()
    return {
        "account": {"name": user.name, "email": user.email, "language": user.locale,
                    "created_at": user.created_at.isoformat(),
                    "email_confirmed_at": user.email_confirmed_at.isoformat() if user.email_confirmed_at else None},
        "cases": [{
            "reference": c.reference, "kind": c.kind, "status": c.status, "summary": c.summary,
            "submitted_at": c.submitted_at.isoformat(),
            "closed_at": c.closed_at.isoformat() if c.closed_at else None,
            "events": [{"at": e.at.isoformat(), "action": e.action, "status": e.to_status, "note": e.note}
                       for e in c.events if not e.is_internal],
        } for c in cases],
    }


def close_account(session, user: User, *, password: str) -> None:
    """Close a citizen account: sign-in stops, personal details are removed. Cases stay on
    record for the retention period the law sets, no longer linked to a usable account."""
    if not verify_password(user.password_hash, password):
        raise Refused(_("Your password is not right."), field="password")
    user.closed_at = utcnow()
    user.name = ""
    user.email = f"closed-{user.id}@invalid"
    user.password_hash = "!"
    sessions.end_all_sessions(session, user)
    log_event(session, "account_closed", user=user)
    session.flush()


def erase_unconfirmed_accounts(session, *, now: datetime | None = None) -> int:
    """Citizen accounts whose address was never confirmed, UNCONFIRMED_RETENTION_DAYS after they were
    made: nobody can sign in to them, and they keep a stranger's address for no purpose."""
    cutoff = (now or utcnow()) - timedelta(days=current_app.config["UNCONFIRMED_RETENTION_DAYS"])
    return session.execute(sa.delete(User).where(User.role == Role.CITIZEN, User.email_confirmed_at.is_(None),
                                                 User.created_at < cutoff)).rowcount
