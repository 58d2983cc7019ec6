"""The survey a completed service's link opens, the citizen's choice about survey emails, and the
results for supervisors."""

from flask import Blueprint, Response, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from portal.core import policy
from portal.core.cases.registry import all_kinds, workflow_for
from portal.core.i18n import _, is_chinese
from portal.core.refusal import Refused
from portal.core.roles import Role
from portal.core.web import refuse
from portal.extensions import db, limiter
from portal.missions.service import list_missions
from portal.surveys import service
from portal.surveys.forms import SurveyEmailsForm, SurveyForm
from portal.surveys.models import Satisfaction

bp = Blueprint("surveys", __name__)


def _private(page, status=200):
    """A page opened from a personal link is never cached, nor its address passed on."""
    response = make_response(page, status)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.route("/surveys/<token>", methods=["GET", "POST"])
@policy.public
@limiter.limit("30 per hour", methods=["POST"])
def answer(token):
    """The survey: two questions every service asks, answered once."""
    invitation = service.open_invitation(db.session, token)
    if invitation is None:
        return _private(render_template("surveys/link_spent.html"), 410)
    service_title = workflow_for(invitation.service).title
    form = SurveyForm()
    if form.validate_on_submit():
        try:
            answered = service.answer(db.session, token, service.AnswerData(
                overall=form.overall.data, improvement=form.improvement.data or ""))
        except Refused as error:
            refuse(error, form)
            if service.open_invitation(db.session, token) is None:  # spent by another send a moment ago
                return _private(render_template("surveys/link_spent.html"), 410)
        else:
            return _private(render_template("surveys/thanks.html", dissatisfied=answered.dissatisfied))
    return _private(render_template("surveys/answer.html", form=form, service=service_title),
                    400 if form.errors else 200)


@bp.route("/account/surveys", methods=["GET", "POST"])
@policy.citizen_only
def emails():
    """Whether the citizen is asked about completed services."""
    form = SurveyEmailsForm(data={"survey_emails": current_user.survey_emails} if request.method == "GET" else None)
    if form.validate_on_submit():
        current_user.survey_emails = bool(form.survey_emails.data)
        flash(_("We will email you a survey when a service is completed.") if current_user.survey_emails
              else _("We will not email you surveys."), "success")
        return redirect(url_for("surveys.emails"), code=303)
    return render_template("surveys/emails.html", form=form)


def _results():
    months = service.last_months(12)
    chinese = is_chinese()
    return {"found": service.results(db.session, months=months), "months": months,
            "missions": {m.id: m.name(chinese) for m in list_missions(db.session)},
            "titles": {k.workflow.kind: k.workflow.title for k in all_kinds()}}


@bp.route("/staff/surveys")
@policy.staff_only(Role.SUPERVISOR)
def results():
    """Satisfaction per service, mission and month, with small numbers suppressed."""
    return render_template("surveys/results.html", levels=list(Satisfaction), smallest=service.SMALLEST_SHOWN,
                           **_results())


@bp.route("/staff/surveys.csv")
@policy.staff_only(Role.SUPERVISOR)
def results_csv():
    """The same figures for a spreadsheet."""
    figures = _results()
    body = service.results_csv(figures["found"], titles=figures["titles"], missions=figures["missions"],
                               fewer=_("fewer than %(count)d", count=service.SMALLEST_SHOWN))
    return Response("\ufeff" + body, mimetype="text/csv",  # the mark lets spreadsheets read UTF-8 Chinese
                    headers={"Content-Disposition": "attachment; filename=satisfaction-surveys.csv",
                             "Cache-Control": "no-store"})
