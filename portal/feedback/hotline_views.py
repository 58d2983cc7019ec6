"""The complaint hotline log for staff: search and counts, logging a call, turning one into a mailbox case."""

from datetime import datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal.core import policy
from portal.core.db import utcnow
from portal.core.forms import choices
from portal.core.i18n import _, is_chinese
from portal.core.refs import normalise_reference
from portal.core.refusal import Refused
from portal.core.text import is_digits
from portal.core.web import refuse
from portal.core.workdays import TAIPEI
from portal.extensions import db
from portal.feedback import hotline, service
from portal.feedback.forms import CallFilterForm, CallForm, category_choices
from portal.feedback.models import Outcome
from portal.missions.service import mission_choices

bp = Blueprint("hotline", __name__, url_prefix="/staff/hotline")


def _filter_form() -> tuple[CallFilterForm, hotline.CallFilter]:
    """The search form and the filter it means. With no search made yet: the last 30 days."""
    chosen = bool(request.args)
    defaults = hotline.default_filter()
    form = CallFilterForm(request.args) if chosen else CallFilterForm(date_from=defaults.date_from,
                                                                      date_to=defaults.date_to)
    form.category.choices = category_choices(_("All categories"))
    form.outcome.choices = choices([("", _("All outcomes"))] + [(o.value, o.title) for o in Outcome])
    chinese = is_chinese()
    form.mission_id.choices = mission_choices(db.session, chinese=chinese, overseas_only=False, blank=_("All missions"))
    if not chosen:
        return form, defaults
    form.validate()
    mission = request.args.get("mission_id", "")
    filters = hotline.CallFilter(
        date_from=None if form.date_from.errors else form.date_from.data,
        date_to=None if form.date_to.errors else form.date_to.data,
        category=form.category.data or "", outcome=form.outcome.data or "", text=form.q.data or "",
        mission_id=int(mission) if is_digits(mission) else None)
    return form, filters


@bp.route("")
@policy.staff_only()
def calls():
    form, filters = _filter_form()
    rows, next_cursor = hotline.calls_page(db.session, current_user, filters, after=request.args.get("after"))
    by_day, by_category = hotline.counts(db.session, current_user, filters)
    next_args = {k: v for k, v in request.args.items() if k != "after"}
    if not request.args:
        next_args = {"date_from": filters.date_from.isoformat(), "date_to": filters.date_to.isoformat()}
    return render_template("feedback/hotline.html", form=form, calls=rows, next_cursor=next_cursor,
                           next_args=next_args, by_day=by_day, by_category=by_category,
                           total=sum(count for _day, count in by_day),
                           sees_all=policy.sees_all_missions(current_user))


def _referral_choices():
    chinese = is_chinese()
    units, missions = service.assignment_targets(db.session)
    return choices([("", _("Not referred"))] + [(f"unit:{u.value}", u.title) for u in units]
                   + [(f"mission:{m.id}", m.name(chinese)) for m in missions])


@bp.route("/new", methods=["GET", "POST"])
@policy.staff_only()
def new_call():
    form = CallForm()
    form.category.choices = category_choices(_("Choose a category"))
    form.referred_to.choices = _referral_choices()
    if request.method == "GET":
        now = utcnow().astimezone(TAIPEI)
        form.called_on.data, form.called_time.data = now.date(), now.time().replace(second=0, microsecond=0)
    if form.validate_on_submit():
        called_at = datetime.combine(form.called_on.data, form.called_time.data, tzinfo=TAIPEI)
        try:
            call, logged = hotline.log_call(
                db.session, by=current_user, called_at=called_at, duration_minutes=form.duration_minutes.data,
                language=form.language.data, category=form.category.data, summary=form.summary.data,
                outcome=form.outcome.data, caller_name=form.caller_name.data, caller_phone=form.caller_phone.data,
                caller_email=form.caller_email.data, referred_to=form.referred_to.data,
                submission_token=form.submission_token.data)
        except Refused as error:
            refuse(error, form)
        else:
            if not logged:
                flash(_("You had already logged this call; here it is."), "info")
            elif call.case_id:
                flash(_("The call is logged and a mailbox case is open for it."), "success")
            else:
                flash(_("The call is logged."), "success")
            return redirect(url_for("hotline.call_page", reference=call.reference), code=303)
    return render_template("feedback/hotline_new.html", form=form)


def _call_or_404(reference: str):
    call = hotline.find_call(db.session, normalise_reference(reference))
    if call is None or not policy.staff_can_see_call(current_user, call):
        abort(404)
    return call


@bp.route("/<reference>")
@policy.staff_only()
def call_page(reference):
    call = _call_or_404(reference)
    return render_template("feedback/hotline_call.html", call=call,
                           can_make_case=policy.can_turn_call_into_case(current_user, call))


@bp.route("/<reference>/case", methods=["POST"])
@policy.staff_only()
def make_case(reference):
    call = _call_or_404(reference)
    try:
        case = hotline.turn_into_case(db.session, call, by=current_user)
    except Refused as error:
        refuse(error)
        return redirect(url_for("hotline.call_page", reference=call.reference), code=303)
    flash(_("Mailbox case %(reference)s is open for this call.", reference=case.reference), "success")
    return redirect(url_for("staff.case_page", reference=case.reference), code=303)
