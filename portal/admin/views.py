"""Staff accounts: list, create, disable and enable."""

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy.orm import joinedload

from portal.accounts import service
from portal.accounts.forms import StaffAccountForm
from portal.accounts.models import User
from portal.core import policy
from portal.core.i18n import _, is_chinese
from portal.core.refusal import Refused
from portal.core.roles import STAFF_ROLES, Role
from portal.core.web import refuse
from portal.extensions import db
from portal.missions.service import mission_choices

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/users")
@policy.staff_only(Role.ADMIN)
def users():
    staff = db.session.scalars(sa.select(User).where(User.role.in_(STAFF_ROLES)).options(joinedload(User.mission))
                               .order_by(User.is_disabled, User.role, User.name)).all()
    return render_template("admin/users.html", staff=staff)


@bp.route("/users/new", methods=["GET", "POST"])
@policy.staff_only(Role.ADMIN)
def new_user():
    form = StaffAccountForm()
    chinese = is_chinese()
    form.mission_id.choices = mission_choices(db.session, chinese=chinese, overseas_only=False,
                                              blank=_("Headquarters (no mission)"))
    if form.validate_on_submit():
        try:
            user = service.create_staff(db.session, name=form.name.data, email=form.email.data,
                                        role=Role(form.role.data), mission_id=form.mission_id.data, by=current_user)
        except Refused as error:
            refuse(error, form)
        else:
            flash(_("Account created for %(email)s. They have been emailed a link to choose a password.",
                    email=user.email), "success")
            return redirect(url_for("admin.users"), code=303)
    return render_template("admin/new_user.html", form=form)


@bp.route("/users/<int:user_id>/<any(disable, enable):change>", methods=["POST"])
@policy.staff_only(Role.ADMIN)
def set_disabled(user_id, change):
    user = db.session.get(User, user_id)
    if user is None or not user.is_staff:
        abort(404)
    try:
        service.set_disabled(db.session, user, change == "disable", by=current_user)
    except Refused as error:
        refuse(error)
    else:
        flash(_("%(name)s is disabled and signed out everywhere.", name=user.name) if change == "disable"
              else _("%(name)s can sign in again.", name=user.name), "success")
    return redirect(url_for("admin.users"), code=303)
