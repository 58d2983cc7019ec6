"""The survey a completed service's link opens, the citizen's choice about survey emails, and the
results for supervisors."""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeTimedSerializer

from portal.core import policy
from portal.core.export import csv_download
from portal.core.cases.registry import all_kinds, workflow_for
from portal.core.i18n import _, get_locale, is_chinese
from portal.core.refusal import Refused
from portal.core.roles import Role
from portal.core.text import is_digits
from portal.core.web import private_response, refuse
from portal.extensions import db, limiter
from portal.missions.service import list_missions
from portal.surveys import service
from portal.surveys.forms import (
    ContactForm,
    HideCommentForm,
    PageFeedbackForm,
    QuestionsForm,
    SurveyEmailsForm,
    own_answers,
    survey_form_for,
)
from portal.surveys.models import Satisfaction

bp = Blueprint("surveys", __name__)
bp.add_app_template_global(service.page_name, "page_name")

#: how long after a dissatisfied answer the offer to be contacted stands
CONTACT_OFFER_SECONDS = 30 * 60
#: the offer is a signed cookie of its own: only the respondent's browser holds the case it is about,
#: and signing in (which starts a fresh session) keeps it
CONTACT_COOKIE = "survey_contact"


def _offers() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="survey-contact")


def _offered_case() -> int | None:
    try:
        return int(_offers().loads(request.cookies.get(CONTACT_COOKIE, ""), max_age=CONTACT_OFFER_SECONDS)["case"])
    except (BadSignature, KeyError, TypeError, ValueError):
        return None


@bp.route("/surveys/<token>", methods=["GET", "POST"])
@policy.public
@limiter.limit("30 per hour", methods=["POST"])
def answer(token):
    """The survey: two questions every service asks, answered once."""
    invitation = service.open_invitation(db.session, token)
    if invitation is None:
        return private_response(render_template("surveys/link_spent.html"), 410)
    service_title = workflow_for(invitation.service).title
    current = service.current_version(db.session, invitation.service)
    current_id = current.id
    form = survey_form_for(current, chinese=is_chinese())
    if form.validate_on_submit():
        try:
            shown = form.version.data
            answered = service.answer(db.session, token, service.AnswerData(
                overall=form.overall.data, improvement=form.improvement.data or "", answers=own_answers(form),
                version_id=int(shown) if is_digits(shown) else None))
        except Refused as error:
            refuse(error, form)
            if service.open_invitation(db.session, token) is None:  # spent by another send a moment ago
                return private_response(render_template("surveys/link_spent.html"), 410)
            form.version.data = str(current_id)  # the form now shows the questions as they are
        else:
            offer = answered.dissatisfied and answered.has_account
            response = private_response(render_template("surveys/thanks.html", dissatisfied=answered.dissatisfied,
                                                offer_contact=offer, contact_form=ContactForm()))
            if offer:
                # The case stays in the respondent's own signed cookie, never beside the answer.
                response.set_cookie(CONTACT_COOKIE, _offers().dumps({"case": answered.case_id}),
                                    max_age=CONTACT_OFFER_SECONDS, httponly=True, samesite="Lax",
                                    secure=current_app.config.get("SESSION_COOKIE_SECURE", False))
            return response
    return private_response(render_template("surveys/answer.html", form=form, service=service_title),
                    400 if form.errors else 200)


@bp.route("/surveys/contact", methods=["GET", "POST"])
@policy.citizen_only
@limiter.limit("10 per hour", methods=["POST"])
def contact():
    """A dissatisfied respondent asks to be contacted: a mailbox case in their name, by consent only.
    They sign in first, so that nobody else holding the link writes in their name."""
    offered = _offered_case()
    if offered is None:
        return private_response(render_template("surveys/contact_expired.html"), 410)
    form = ContactForm()
    if form.validate_on_submit():
        try:
            case = service.request_contact(db.session, offered, by=current_user, message=form.message.data,
                                           locale=str(get_locale()))
        except Refused as error:
            refuse(error, form)
        else:
            response = private_response(render_template("surveys/contact_sent.html", case=case))
            response.delete_cookie(CONTACT_COOKIE)
            return response
    return private_response(render_template("surveys/thanks.html", dissatisfied=True, offer_contact=True,
                                    contact_form=form), 400 if form.errors else 200)


@bp.route("/feedback", methods=["GET", "POST"])
@policy.public
@limiter.limit("10 per hour", methods=["POST"])
def page_feedback():
    """"Was this page useful?": the footer's yes or no lands here; sending counts it, with what went wrong."""
    form = PageFeedbackForm(data={"page": request.args.get("page", ""), "useful": request.args.get("useful", "")}
                            if request.method == "GET" else None)
    page = service.page_of(form.page.data)
    if page is None or form.useful.data not in ("yes", "no"):
        return render_template("surveys/page_feedback_unknown.html"), 400
    if form.validate_on_submit():
        try:
            service.rate_page(db.session, page, useful=form.useful.data == "yes", comment=form.comment.data or "")
        except Refused as error:
            refuse(error, form)
        else:
            return render_template("surveys/page_feedback_sent.html", page=page)
    return render_template("surveys/page_feedback.html", form=form, page=page), 400 if form.errors else 200


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


def _service_titles() -> dict:
    return {k.workflow.kind: k.workflow.title for k in all_kinds()}


def _figures(months: list[str]) -> dict:
    """What the results page and its CSV both show."""
    chinese = is_chinese()
    return {"found": service.results(db.session, months=months), "months": months, "titles": _service_titles(),
            "missions": {m.id: m.name(chinese) for m in list_missions(db.session)}}


@bp.route("/staff/surveys")
@policy.staff_only(Role.SUPERVISOR)
def results():
    """Satisfaction per service, mission and month, with small numbers suppressed."""
    months = service.last_months(12)
    return render_template("surveys/results.html", levels=list(Satisfaction), smallest=service.SMALLEST_SHOWN,
                           hide_form=HideCommentForm(), comments=service.comments(db.session, months=months),
                           contacts=service.contact_figures(db.session, months=months),
                           pages=service.page_figures(db.session), **_figures(months))


@bp.route("/staff/surveys/<kind>/questions", methods=["GET", "POST"])
@policy.staff_only(Role.SUPERVISOR)
def questions(kind):
    """A supervisor's own questions for one service: saving makes a new version of its survey."""
    titles = _service_titles()
    if kind not in titles:
        abort(404)
    current = service.current_version(db.session, kind)
    if request.method == "GET":
        data = [{"type": q["type"], "zh": q["zh"], "en": q["en"],
                 "options": "\n".join(f"{o['zh']} | {o['en']}" for o in q["options"])} for q in current.questions]
        form = QuestionsForm(data={"questions": data + [{}] * (service.MAX_QUESTIONS - len(data))})
    else:
        form = QuestionsForm()
    if form.validate_on_submit():
        wanted = [q for q in (entry.form.question() for entry in form.questions) if q is not None]
        try:
            version = service.define_questions(db.session, kind, wanted)
        except Refused as error:
            refuse(error, form)
        else:
            flash(_("Saved as version %(number)d of the survey. Answers given before keep the version they answered.",
                    number=version.number), "success")
            return redirect(url_for("surveys.questions", kind=kind), code=303)
    return render_template("surveys/questions.html", form=form, kind=kind, title=titles[kind], version=current), \
        400 if form.errors else 200


@bp.route("/staff/surveys/comments/<answer_id>/hide", methods=["POST"])
@policy.staff_only(Role.SUPERVISOR)
def hide_comment(answer_id):
    """A supervisor keeps a comment off the page, with a reason (the answer still counts)."""
    form = HideCommentForm()
    if form.validate_on_submit():
        try:
            service.hide_comment(db.session, answer_id, by=current_user, reason=form.reason.data)
        except Refused as error:
            refuse(error)
        else:
            flash(_("The comment is hidden."), "success")
    else:
        for message in form.reason.errors:
            flash(message, "error")
    return redirect(url_for("surveys.results", _anchor="comments"), code=303)


@bp.route("/staff/surveys.csv")
@policy.staff_only(Role.SUPERVISOR)
def results_csv():
    """The same figures for a spreadsheet."""
    figures = _figures(service.last_months(12))
    body = service.results_csv(figures["found"], titles=figures["titles"], missions=figures["missions"],
                               fewer=_("fewer than %(count)d", count=service.SMALLEST_SHOWN))
    return csv_download(body, "satisfaction-surveys.csv")
