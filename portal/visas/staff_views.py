"""Keeping the visa requirements: a change proposed by headquarters staff or a supervisor is
published by a second person, from the day it names; scheduled changes can be stopped."""

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from portal.core import policy
from portal.core.forms import BaseForm
from portal.core.i18n import _, format_day, is_chinese
from portal.core.refusal import Refused
from portal.core.text import is_digits
from portal.core.web import refuse
from portal.extensions import db
from portal.missions.service import country_by_code, list_countries
from portal.visas import requirements
from portal.visas.forms import RuleForm
from portal.visas.nationalities import is_nationality
from portal.visas.models import Direction, Purpose

bp = Blueprint("visa_staff", __name__, url_prefix="/staff/visas")


def _keeper_only():
    if not policy.can_keep_visa_rules(current_user):
        abort(403)


@bp.route("")
@policy.staff_only()
def overview():
    """Changes waiting for a second person, changes scheduled, and every country to open."""
    _keeper_only()
    chinese = is_chinese()
    return render_template("visas/staff/overview.html", drafts=requirements.drafts(db.session),
                           upcoming=[*requirements.upcoming_rules(db.session, Direction.INBOUND),
                                     *requirements.upcoming_rules(db.session, Direction.OUTBOUND)],
                           countries=list_countries(db.session, chinese=chinese), form=BaseForm())


def _direction_or_404(direction: str) -> Direction:
    if direction not in {d.value for d in Direction}:
        abort(404)
    return Direction(direction)


@bp.route("/<direction>/<code>")
@policy.staff_only()
def country(direction, code):
    """One country's rules in one direction, with their history and a form per purpose."""
    _keeper_only()
    chosen = _direction_or_404(direction)
    country = country_by_code(db.session, code)
    if country is None or country.code == requirements.HOME:
        abort(404)
    return render_template("visas/staff/country.html", country=country, direction=chosen,
                           found=requirements.requirements_for(db.session, chosen, country.code),
                           drafts=[r for r in requirements.drafts(db.session)
                                   if r.country_code == country.code and r.direction is chosen])


@bp.route("/<direction>/<code>/<purpose>/change", methods=["GET", "POST"])
@policy.staff_only()
def propose(direction, code, purpose):
    """Propose a new version of one rule."""
    _keeper_only()
    chosen = _direction_or_404(direction)
    country = country_by_code(db.session, code)
    if country is None or country.code == requirements.HOME or purpose not in {
            p.value for p in requirements.purposes_for(chosen)}:
        abort(404)
    current = requirements.requirements_for(db.session, chosen, country.code)[Purpose(purpose)].current
    form = RuleForm()
    if current is not None and not form.is_submitted():  # start from the rule in force
        form.treatment.data, form.stay_days.data = current.treatment.value, str(current.stay_days or "")
        form.conditions_zh.data, form.conditions_en.data = current.conditions_zh, current.conditions_en
    if form.validate_on_submit():
        days = form.stay_days.data or ""
        if days and not is_digits(days):
            form.stay_days.errors = [_("Enter the longest stay as a number of days.")]
        else:
            try:
                rule = requirements.propose(db.session, requirements.Change(
                    direction=chosen.value, country_code=country.code, purpose=purpose,
                    treatment=form.treatment.data, stay_days=int(days) if days else None,
                    conditions_zh=form.conditions_zh.data or "", conditions_en=form.conditions_en.data or "",
                    effective_from=date.fromisoformat(form.effective_from.data),
                    change_note_zh=form.change_note_zh.data or "", change_note_en=form.change_note_en.data or ""),
                    by=current_user)
            except ValueError:
                form.effective_from.errors = [_("Enter the day as a real date, for example 1 7 2027.")]
            except Refused as error:
                refuse(error, form)
            else:
                flash(_("Proposed. A supervisor other than you must now publish it."), "success")
                return redirect(url_for("visa_staff.show", rule_id=rule.id), code=303)
    return render_template("visas/staff/propose.html", form=form, country=country, direction=chosen,
                           purpose=Purpose(purpose), current=current), 400 if form.errors else 200


def _rule_or_404(rule_id: int):
    rule = requirements.rule_by_id(db.session, rule_id)
    if rule is None:
        abort(404)
    return rule


@bp.route("/changes/<int:rule_id>")
@policy.staff_only()
def show(rule_id):
    """One proposed, published or cancelled change, beside the rule it replaces."""
    _keeper_only()
    rule = _rule_or_404(rule_id)
    before = requirements.requirements_for(db.session, rule.direction, rule.country_code)[rule.purpose].current
    return render_template("visas/staff/change.html", rule=rule, before=before if before is not rule else None,
                           form=BaseForm(), can_publish=policy.can_publish_visa_rule(current_user, rule),
                           can_cancel=requirements.can_cancel(current_user, rule))


@bp.route("/changes/<int:rule_id>/publish", methods=["POST"])
@policy.staff_only()
def publish(rule_id):
    rule = _rule_or_404(rule_id)
    form = BaseForm()
    if form.validate_on_submit():
        try:
            requirements.publish(db.session, rule, by=current_user)
        except Refused as error:
            refuse(error)
        else:
            flash(_("Published. It applies from %(day)s.", day=format_day(rule.effective_from)), "success")
    return redirect(url_for("visa_staff.show", rule_id=rule.id), code=303)


@bp.route("/changes/<int:rule_id>/cancel", methods=["POST"])
@policy.staff_only()
def cancel(rule_id):
    rule = _rule_or_404(rule_id)
    form = BaseForm()
    if form.validate_on_submit():
        try:
            requirements.cancel(db.session, rule, by=current_user)
        except Refused as error:
            refuse(error)
        else:
            flash(_("Cancelled. The rule before it still applies."), "success")
    return redirect(url_for("visa_staff.show", rule_id=rule.id), code=303)


bp.add_app_template_global(policy.can_keep_visa_rules, "can_keep_visa_rules")
bp.add_app_template_global(is_nationality, "is_nationality")
