"""Emergency assistance: phones first, then the situation, then the form. No account needed."""

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user

from portal.assistance import service
from portal.assistance.forms import AssistanceForm
from portal.assistance.models import Situation
from portal.assistance.workflow import ASSISTANCE
from portal.core import policy
from portal.core.cases.actions import followed_case_page
from portal.core.cases.forms import CaseActionForm
from portal.core.cases.service import case_by_reference
from portal.core.forms import choices
from portal.core.i18n import _, get_locale, is_chinese
from portal.core.refusal import Refused
from portal.core.web import private_response, refuse
from portal.extensions import db, limiter
from portal.missions.service import country_by_code, covering_mission, list_countries
from portal.stats import usage

bp = Blueprint("assistance", __name__, url_prefix="/assistance")


def _chosen_country():
    code = request.values.get("country", "") or request.values.get("country_code", "")
    return country_by_code(db.session, code)


@bp.route("")
@policy.public
def start():
    """Who to call now, and what has happened."""
    chinese = is_chinese()
    country = _chosen_country()
    return render_template("assistance/start.html", situations=list(Situation), country=country,
                           mission=covering_mission(db.session, country.code) if country else None,
                           countries=list_countries(db.session, chinese=chinese))


@bp.route("/<situation>", methods=["GET", "POST"])
@policy.public
@limiter.limit("10 per hour", methods=["POST"])
def report(situation):
    if situation not in {s.value for s in Situation}:
        abort(404)
    form = AssistanceForm(situation=situation, country_code=request.args.get("country", ""))
    chinese = is_chinese()
    form.country_code.choices = choices([("", _("Choose a country"))] + [
        (c.code, c.name(chinese)) for c in list_countries(db.session, chinese=chinese)])
    if form.validate_on_submit():
        applicant = policy.citizen_or_none(current_user)
        try:
            case, created = service.request_assistance(
                db.session, applicant=applicant, situation=situation, country_code=form.country_code.data,
                location=form.location.data, name=form.name.data, phone=form.phone.data,
                email=form.email.data or "", details=form.details.data, locale=str(get_locale()),
                submission_token=form.submission_token.data)
        except Refused as error:
            refuse(error, form)
        else:
            if created:
                usage.count(usage.COMPLETE, "assistance")
            return redirect(url_for("assistance.sent", reference=case.reference), code=303)
    country = _chosen_country()
    return render_template("assistance/report.html", form=form, situation=Situation(situation),
                           mission=covering_mission(db.session, country.code) if country else None)


@bp.route("/sent/<reference>")
@policy.public
def sent(reference):
    """The confirmation shows only the reference and the phones, never the details sent."""
    case = case_by_reference(db.session, reference, kind=ASSISTANCE)
    if case is None:
        abort(404)
    return render_template("assistance/sent.html", case=case, mission=case.mission)


@bp.route("/track/<token>", methods=["GET", "POST"])
@policy.public
@limiter.limit("30 per hour", methods=["POST"])
def track(token):
    """A reporter without an account follows the request from the emailed link."""
    found = service.case_for_link(db.session, token)
    if found is None:
        again = (url_for("assistance.start"), _("Ask for help again, or call the emergency number"))
        return private_response(render_template("accounts/link_invalid.html", again=again), 404)
    case, detail = found
    return followed_case_page(db.session, CaseActionForm(), case, detail, template="assistance/track.html",
                              token=token, mission=case.mission)
