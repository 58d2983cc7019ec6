"""Sign-up, sign-in (with the staff second factor), sign-out, passwords and 'My cases'."""

import json
import time

import sqlalchemy as sa
from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from portal.accounts import service, tokens, totp
from portal.accounts.forms import (
    ChangePasswordForm,
    CloseAccountForm,
    CodeForm,
    LoginForm,
    NewPasswordForm,
    RegisterForm,
    ResetRequestForm,
)
from portal.accounts.models import User
from portal.core import policy
from portal.core.cases.actions import apply_action_form
from portal.core.cases.forms import CaseActionForm
from portal.core.cases.models import Case
from portal.core.cases.registry import kind, workflow_for
from portal.core.cases.service import allowed_actions, case_by_reference, history, information_request
from portal.core.i18n import _, get_locale
from portal.core.refusal import Refused
from portal.core.web import client_address, redirect_next, refuse, safe_next
from portal.extensions import db, limiter
from portal.passports.drafts import list_drafts

bp = Blueprint("accounts", __name__, url_prefix="/account")

PENDING_SECONDS = 300


def _device(email: str) -> str | None:
    """The id of this browser's device cookie, when it signed in to this account before."""
    return tokens.device_for(request.cookies.get(tokens.DEVICE_COOKIE), email)


def _finish_sign_in(user: User):
    token = service.sign_in(db.session, user, address=client_address(), user_agent=request.user_agent.string)
    session.clear()  # a fresh session cookie at sign-in
    user.session_token = token
    login_user(user)
    flash(_("You are signed in."), "success")
    response = redirect_next("staff.queue" if user.is_staff else "accounts.my_cases")
    if _device(user.email) is None:
        response.set_cookie(tokens.DEVICE_COOKIE, tokens.device_token(user.email),
                            max_age=tokens.DEVICE_DAYS * 86400, httponly=True, samesite="Lax",
                            secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


def _pending_user() -> User | None:
    pending = session.get("pending_sign_in")
    if not pending or time.time() - pending["at"] > PENDING_SECONDS:
        return None
    user = db.session.get(User, pending["user_id"])
    return user if user is not None and user.is_active else None


@bp.route("/register", methods=["GET", "POST"])
@policy.public
@limiter.limit("10 per hour", methods=["POST"])
def register():
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            service.register_citizen(db.session, name=form.name.data, email=form.email.data,
                                     password=form.password.data, locale=str(get_locale()))
        except Refused as error:
            refuse(error, form)
        else:
            return render_template("accounts/check_email.html", email=form.email.data)
    return render_template("accounts/register.html", form=form)


@bp.route("/confirm/<token>")
@policy.public
def confirm(token):
    user = service.confirm_email(db.session, token)
    if user is None:
        return render_template("accounts/link_invalid.html"), 400
    flash(_("Your email address is confirmed. You can now sign in."), "success")
    return redirect(url_for("accounts.login"))


@bp.route("/login", methods=["GET", "POST"])
@policy.public
def login():
    if current_user.is_authenticated:
        return redirect_next("staff.queue" if current_user.is_staff else "accounts.my_cases")
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = service.check_password_sign_in(db.session, email=form.email.data, password=form.password.data,
                                                  address=client_address(), device=_device(form.email.data))
        except Refused as error:
            refuse(error, form)
            status = 429 if isinstance(error, service.Throttled) else 200
        else:
            if not user.is_staff:
                return _finish_sign_in(user)
            session["pending_sign_in"] = {"user_id": user.id, "at": time.time()}
            step = "accounts.second_factor" if user.totp_secret else "accounts.enrol_second_factor"
            return redirect(url_for(step, next=request.args.get("next")), code=303)
    # Sent here from a page that needs an account: say so, rather than showing a bare form.
    sent_to_sign_in = "next" in request.args and safe_next("public.home") != url_for("public.home")
    return render_template("accounts/login.html", form=form, sent_to_sign_in=sent_to_sign_in), status


@bp.route("/login/code", methods=["GET", "POST"])
@policy.public
def second_factor():
    user = _pending_user()
    if user is None or not user.totp_secret:
        return redirect(url_for("accounts.login"))
    form, status = CodeForm(), 200
    if form.validate_on_submit():
        try:
            service.check_second_factor(db.session, user, form.code.data, address=client_address(),
                                        device=_device(user.email))
        except Refused as error:
            refuse(error, form)
            status = 429 if isinstance(error, service.Throttled) else 200
        else:
            return _finish_sign_in(user)
    return render_template("accounts/second_factor.html", form=form), status


@bp.route("/login/enrol", methods=["GET", "POST"])
@policy.public
def enrol_second_factor():
    user = _pending_user()
    if user is None or user.totp_secret:
        return redirect(url_for("accounts.login"))
    secret = service.pending_totp_secret(user)
    form, status = CodeForm(), 200
    if form.validate_on_submit():
        try:
            service.check_second_factor(db.session, user, form.code.data, address=client_address(), secret=secret,
                                        device=_device(user.email))
        except Refused as error:
            refuse(error, form)
            status = 429 if isinstance(error, service.Throttled) else 200
        else:
            return _finish_sign_in(user)
    uri = totp.provisioning_uri(secret, user.email)
    return render_template("accounts/enrol.html", form=form, qr=totp.qr_svg_data_uri(uri), secret=secret), status


@bp.route("/logout", methods=["POST"])
@policy.signed_in
def logout():
    service.sign_out(db.session, current_user, current_user.session_token)
    logout_user()
    session.clear()
    flash(_("You are signed out."), "success")
    response = redirect(url_for("public.home"), code=303)
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response


@bp.route("/reset", methods=["GET", "POST"])
@policy.public
@limiter.limit("10 per hour", methods=["POST"])
def request_reset():
    form = ResetRequestForm()
    if form.validate_on_submit():
        service.request_password_reset(db.session, form.email.data)
        return render_template("accounts/reset_sent.html", email=form.email.data)
    return render_template("accounts/reset_request.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
@policy.public
def reset(token):
    user = tokens.read_reset_token(token, lambda uid: db.session.get(User, uid))
    if user is None:
        return render_template("accounts/link_invalid.html"), 400
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            service.set_password(db.session, user, form.password.data)
        except Refused as error:
            refuse(error, form)
        else:
            flash(_("Your password has been changed. Sign in with your new password."), "success")
            return redirect(url_for("accounts.login"), code=303)
    return render_template("accounts/reset.html", form=form)


@bp.route("")
@policy.citizen_only
def my_cases():
    cases = db.session.scalars(
        sa.select(Case).where(Case.applicant_id == current_user.id)
        .order_by(Case.closed_at.is_not(None), Case.submitted_at.desc())
    ).all()
    return render_template("accounts/my_cases.html", cases=cases, passport_drafts=list_drafts(db.session, current_user))


@bp.route("/password", methods=["GET", "POST"])
@policy.signed_in
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            service.change_password(db.session, current_user, current=form.current_password.data,
                                    new=form.password.data, keep_token=current_user.session_token)
        except Refused as error:
            refuse(error, form)
        else:
            flash(_("Your password has been changed. You have been signed out everywhere else."), "success")
            return redirect(url_for("public.home"), code=303)
    return render_template("accounts/change_password.html", form=form)


@bp.route("/data")
@policy.citizen_only
def export_data():
    data = service.export_personal_data(db.session, current_user)
    body = json.dumps(data, ensure_ascii=False, indent=2)
    return Response(body, mimetype="application/json",
                    headers={"Content-Disposition": "attachment; filename=my-data.json"})


@bp.route("/close", methods=["GET", "POST"])
@policy.citizen_only
def close_account():
    form = CloseAccountForm()
    if form.validate_on_submit():
        try:
            service.close_account(db.session, current_user, password=form.password.data)
        except Refused as error:
            refuse(error, form)
        else:
            logout_user()
            session.clear()
            flash(_("Your account is closed."), "success")
            return redirect(url_for("public.home"), code=303)
    return render_template("accounts/close.html", form=form)


@bp.route("/cases/<reference>", methods=["GET", "POST"])
@policy.citizen_only
def case_detail(reference):
    """The citizen's own case: status, timeline, and what they can do next."""
    case = case_for_applicant(reference)
    form = CaseActionForm()
    actions = allowed_actions(case, current_user)
    if form.validate_on_submit() and apply_action_form(db.session, form, case, by=current_user):
        return redirect(url_for("accounts.case_detail", reference=case.reference), code=303)
    return render_template("cases/citizen_case.html", case=case, form=form, actions=actions,
                           asked=information_request(db.session, case),
                           workflow=workflow_for(case.kind), events=history(case, for_staff=False),
                           detail=kind(case.kind).load_detail(db.session, case),
                           detail_template=kind(case.kind).detail_template, sent=request.args.get("sent"))


def case_for_applicant(reference: str) -> Case:
    case = case_by_reference(db.session, reference)
    if case is None or not policy.can_view_case(current_user, case):
        abort(404)
    return case
