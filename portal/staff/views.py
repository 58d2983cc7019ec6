"""The work queue, the staff case page, and claiming, releasing and acting on cases."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import SelectChoice

from portal.core import policy
from portal.core.audit import recent_views
from portal.core.cases.actions import apply_action_form
from portal.core.cases.forms import CaseActionForm, CaseVersionForm, InternalNoteForm
from portal.core.cases.registry import all_kinds, kind, workflow_for
from portal.core.cases.service import (
    INTERNAL_NOTE, add_internal_note, allowed_actions, case_by_reference, claim, history, release)
from portal.core.forms import choices
from portal.core.i18n import _, is_chinese
from portal.core.refusal import Refused
from portal.core.roles import Role
from portal.core.text import is_digits
from portal.core.web import refuse
from portal.extensions import db
from portal.missions.service import mission_choices
from portal.staff import queries
from portal.staff.forms import QueueFilterForm

bp = Blueprint("staff", __name__, url_prefix="/staff")


def _filter_form() -> QueueFilterForm:
    form = QueueFilterForm(request.args)
    kinds = all_kinds()
    form.kind.choices = choices([("", _("All kinds"))] + [(k.workflow.kind, k.workflow.title) for k in kinds])
    # Each kind's open statuses once, under the kind's name, in staff words: "kind:status".
    form.status.choices = [SelectChoice("", _("All statuses"))] + [
        SelectChoice(f"{k.workflow.kind}:{status.name}", status.staff_title, optgroup=k.workflow.title)
        for k in kinds for status in k.workflow.statuses if not status.is_closed and not status.hidden_from_queue]
    chinese = is_chinese()
    form.mission_id.choices = mission_choices(db.session, chinese=chinese, overseas_only=False, blank=_("All missions"))
    return form


@bp.route("/queue")
@policy.staff_only()
def queue():
    form = _filter_form()
    mission = request.args.get("mission_id", "")
    status_kind, _sep, status = (form.status.data or "").partition(":")
    filters = queries.QueueFilter(kind=form.kind.data or "", status_kind=status_kind, status=status,
                                  mission_id=int(mission) if is_digits(mission) else None,
                                  overdue=bool(form.overdue.data), assigned=form.assigned.data or "",
                                  text=(form.q.data or "")[:200])
    cases, next_cursor = queries.open_cases_page(db.session, current_user, filters, after=request.args.get("after"))
    next_args = {k: v for k, v in request.args.items() if k != "after"}
    counts = queries.counts_by_status(db.session, current_user, filters)
    # the filters as they are, for the count links that change only kind and status
    kept_args = {k: v for k, v in request.args.items() if k not in ("after", "kind", "status")}
    return render_template("staff/queue.html", form=form, cases=cases, next_cursor=next_cursor, next_args=next_args,
                           sees_all=policy.sees_all_missions(current_user), workflow_for=workflow_for,
                           counts=counts, kept_args=kept_args)


def _case_or_404(reference: str):
    case = case_by_reference(db.session, reference)
    if case is None or not policy.staff_can_see_case(current_user, case):
        abort(404)
    return case


def _render_case(case, form=None, status=200, note_form=None):
    events = history(case, for_staff=True)
    return render_template(
        "staff/case.html", case=case, workflow=workflow_for(case.kind),
        events=[e for e in events if e.action != INTERNAL_NOTE],
        notes=[e for e in events if e.action == INTERNAL_NOTE], note_form=note_form or InternalNoteForm(),
        actions=allowed_actions(case, current_user), form=form or CaseActionForm(),
        can_claim=policy.can_claim(current_user, case), can_release=policy.can_release(current_user, case),
        detail=kind(case.kind).load_detail(db.session, case), detail_template=kind(case.kind).detail_template,
    ), status


@bp.route("/cases/<reference>")
@policy.staff_only()
def case_page(reference):
    return _render_case(_case_or_404(reference))


@bp.route("/cases/<reference>/claim", methods=["POST"])
@policy.staff_only()
def claim_case(reference):
    case = _case_or_404(reference)
    if CaseVersionForm().validate_on_submit():
        try:
            claim(db.session, case, by=current_user)
        except Refused as error:
            refuse(error)
        else:
            flash(_("You hold this case now."), "success")
    return redirect(url_for("staff.case_page", reference=case.reference), code=303)


@bp.route("/cases/<reference>/release", methods=["POST"])
@policy.staff_only()
def release_case(reference):
    case = _case_or_404(reference)
    form = CaseVersionForm()
    if form.validate_on_submit():
        try:
            release(db.session, case, by=current_user, expected_version=form.version.data)
        except Refused as error:
            refuse(error)
        else:
            flash(_("The case is back in the queue."), "success")
    return redirect(url_for("staff.case_page", reference=case.reference), code=303)


@bp.route("/cases/<reference>/notes", methods=["POST"])
@policy.staff_only()
def add_note(reference):
    case = _case_or_404(reference)
    form = InternalNoteForm()
    if not form.validate_on_submit():
        return _render_case(case, note_form=form, status=400)
    try:
        add_internal_note(db.session, case, by=current_user, note=form.note.data)
    except Refused as error:
        refuse(error, form)
        return _render_case(case, note_form=form, status=400)
    flash(_("Note added. Only staff see it."), "success")
    return redirect(url_for("staff.case_page", reference=case.reference, _anchor="internal-notes"), code=303)


@bp.route("/cases/<reference>/act", methods=["POST"])
@policy.staff_only()
def act_on_case(reference):
    case = _case_or_404(reference)
    form = CaseActionForm()
    if not form.validate_on_submit():
        return _render_case(case, form, 400)
    if not apply_action_form(db.session, form, case, by=current_user):
        return _render_case(case, form, 409)
    return redirect(url_for("staff.case_page", reference=case.reference), code=303)


@bp.route("/personal-data-views")
@policy.staff_only(Role.SUPERVISOR)
def personal_data_views():
    """Who was shown which case's personal identifiers, and when: the latest first."""
    return render_template("staff/personal_data_views.html", views=recent_views(db.session))
