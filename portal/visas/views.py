"""Public visa pages: the requirements look-up for foreigners, a nationality's rules with their
history, the visa treatment of Taiwan passport holders abroad, and the visitor visa application."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal.advisories.public_cache import public_response
from portal.core import policy
from portal.core.cases.service import case_by_reference
from portal.core.refusal import Refused
from portal.core.uploads import serve
from portal.core.web import body_limit, refuse
from portal.documents.service import check_scans, mask_name
from portal.documents.views import choice_label
from portal.core.forms import choices
from portal.core.i18n import _, is_chinese
from portal.extensions import db
from portal.missions.service import country_by_code, list_countries, mission_choices
from portal.stats import usage
from portal.visas import requirements, service
from portal.visas.forms import LookupForm, ScansForm, VisaApplicationForm
from portal.visas.nationalities import is_nationality, nationalities
from portal.visas.models import OUTBOUND_PURPOSE, VISIT_PURPOSES, Direction, Entries, Purpose, Treatment
from portal.visas.workflow import VISA

bp = Blueprint("visas", __name__)


def _country_or_404(code: str):
    country = country_by_code(db.session, code)
    if country is None or not is_nationality(country.code):
        abort(404)
    return country


def _lookup_form() -> LookupForm:
    form = LookupForm(request.args)
    chinese = is_chinese()
    form.nationality.choices = choices([("", _("Choose a nationality"))] + [
        (c.code, c.name(chinese)) for c in nationalities(db.session, chinese=chinese)])
    return form


@bp.route("/visas")
@policy.public
def lookup():
    """For a nationality and a purpose: visa-free, on arrival, eVisa, or a visa from a mission."""
    def render():
        form, country, requirement = _lookup_form(), None, None
        if "nationality" in request.args:
            country = country_by_code(db.session, form.nationality.data)
            if country is None or not is_nationality(country.code):
                form.nationality.errors = [_("Choose your nationality from the list.")]
                country = None
            if form.purpose.data not in {p.value for p in Purpose}:
                form.purpose.errors = [_("Choose why you are coming from the list.")]
            elif country is not None:
                requirement = requirements.requirements_for(db.session, Direction.INBOUND, country.code)[
                    Purpose(form.purpose.data)]
        return render_template("visas/lookup.html", form=form, country=country, requirement=requirement,
                               purpose=Purpose(form.purpose.data) if requirement else None,
                               can_apply=_can_apply_online(requirement, form.purpose.data))

    return public_response(db.session, render)


def _can_apply_online(requirement, purpose: str | None) -> bool:
    """The visitor visa is what the portal takes online: for a short visit that needs one."""
    return (requirement is not None and requirement.current is not None
            and requirement.current.treatment is Treatment.VISA and purpose in {p.value for p in VISIT_PURPOSES})


@bp.route("/visas/<code>")
@policy.public
def nationality(code):
    """Every purpose for one nationality: the rule now, changes to come, and what applied before."""
    if code != code.upper():
        return redirect(url_for(request.endpoint, code=code.upper()), code=301)

    def render():
        country = _country_or_404(code)
        found = requirements.requirements_for(db.session, Direction.INBOUND, country.code)
        return render_template("visas/nationality.html", country=country, found=found,
                               can_apply={p: _can_apply_online(r, p.value) for p, r in found.items()})

    return public_response(db.session, render)


@bp.route("/visas/for-citizens")
@policy.public
def for_citizens():
    """Visa treatment of Taiwan passport holders in every country, with the changes to come."""
    wanted = request.args.get("treatment", "")

    def render():
        chinese = is_chinese()
        current = requirements.current_rules(db.session, Direction.OUTBOUND)
        rows = [(country, current.get((country.code, OUTBOUND_PURPOSE)))
                for country in list_countries(db.session, chinese=chinese)]
        rows = [(country, rule) for country, rule in rows if rule is not None]
        counts = {t: sum(1 for _country, rule in rows if rule.treatment is t) for t in Treatment}
        chosen = Treatment(wanted) if wanted in {t.value for t in Treatment} else None
        if chosen is not None:
            rows = [(country, rule) for country, rule in rows if rule.treatment is chosen]
        return render_template("visas/for_citizens.html", rows=rows, counts=counts, chosen=chosen,
                               upcoming=requirements.upcoming_rules(db.session, Direction.OUTBOUND))

    return public_response(db.session, render)


@bp.app_template_global()
def visa_treatment_abroad(country_code: str):
    """For a country's travel advice: what a Taiwan passport holder needs there, now and to come."""
    return requirements.requirements_for(db.session, Direction.OUTBOUND, country_code).get(
        OUTBOUND_PURPOSE)


# --- the visitor visa application ---------------------------------------------------------------

def _prepare(form: VisaApplicationForm) -> None:
    chinese = is_chinese()
    form.nationality_code.choices = choices([("", _("Choose a nationality"))] + [
        (c.code, c.name(chinese)) for c in nationalities(db.session, chinese=chinese)])
    form.mission_id.choices = mission_choices(db.session, chinese=chinese, blank=_("Choose a mission"))


def _render_form(form, status=200):
    return render_template("visas/apply.html", form=form), status


def _render_check(form, status=200):
    data = form.service_data()
    config = current_app.config
    form.scans.description = _("PDF, JPEG or PNG, up to %(size)d MB each and %(count)d files in all. A clear phone "
                               "photo of every page will do.", size=config["DOCUMENT_MAX_FILE_MB"],
                               count=config["DOCUMENT_MAX_FILES"])
    return render_template("visas/check.html", form=form, data=data, choice_label=choice_label,
                           fee=service.fee_for(Entries(data["entries"]))), status


@bp.route("/visas/apply", methods=["GET", "POST"])
@policy.citizen_only
def apply():
    """Step 1: the answers; then "check your answers"."""
    form = VisaApplicationForm()
    _prepare(form)
    if request.method == "GET":
        form.nationality_code.data = form.nationality_code.data or request.args.get("nationality", "")
        if request.args.get("purpose") in {p.value for p in VISIT_PURPOSES}:
            form.purpose.data = request.args["purpose"]
    elif "change" not in request.form and form.validate():
        try:
            service.check_answers(db.session, form.service_data())
        except Refused as error:
            refuse(error, form)
        else:
            return _render_check(form)
    return _render_form(form, 400 if form.errors or form.form_errors else 200)


def _scans_megabytes(config) -> int:
    return config["DOCUMENT_MAX_FILES"] * config["DOCUMENT_MAX_FILE_MB"] + 1


@bp.route("/visas/apply/send", methods=["POST"])
@policy.citizen_only
@body_limit(_scans_megabytes)
def send():
    """Step 2: the checked answers with the scans; one case however often it is sent."""
    form = VisaApplicationForm()
    _prepare(form)
    if not form.validate():
        return _render_form(form, 400)
    try:
        scans = check_scans(request.files.getlist(form.scans.name))
        case, created = service.submit_application(db.session, applicant=current_user, data=form.service_data(),
                                                   scans=scans, submission_token=form.submission_token.data)
    except Refused as error:
        refuse(error, form)
        if error.field and error.field != "scans":
            return _render_form(form, 400)
        return _render_check(form, 400)
    if created:
        usage.count(usage.COMPLETE, "visa")
    else:
        flash(_("You had already sent this application; here it is."), "info")
    return redirect(url_for("accounts.case_detail", reference=case.reference, sent=1 if created else None), code=303)


def _visa_case(reference: str):
    case = case_by_reference(db.session, reference, kind=VISA)
    if case is None or not policy.can_view_case(current_user, case):
        abort(404)
    return case


@bp.route("/visas/applications/<reference>/scans", methods=["GET", "POST"])
@policy.citizen_only
@body_limit(_scans_megabytes)
def add_scans(reference):
    """While the mission waits for more information, the applicant can add scans."""
    case = _visa_case(reference)
    if not service.can_add_scans(current_user, case):
        flash(_("You can add scans only while the mission is waiting for more information."), "error")
        return redirect(url_for("accounts.case_detail", reference=case.reference), code=303)
    form = ScansForm()
    if form.validate_on_submit():
        try:
            service.add_scans(db.session, case, by=current_user,
                              scans=check_scans(request.files.getlist(form.scans.name)))
        except Refused as error:
            refuse(error, form)
        else:
            flash(_("Your scans have been added. Send your reply when you are ready."), "success")
            return redirect(url_for("accounts.case_detail", reference=case.reference), code=303)
    page = render_template("cases/add_scans.html", case=case, form=form, back=_("Back to your application"),
                           intro=_("Add what the mission asked for. Then send your reply on the application page."))
    return page, 400 if form.errors else 200


@bp.route("/visas/files/<upload_id>")
@policy.signed_in
def download(upload_id):
    """A scan, for its applicant and for staff who can see the case."""
    found = service.file_and_case(db.session, upload_id)
    if found is None or not policy.can_view_case(current_user, found[1]):
        abort(404)
    return serve(found[0].upload, download_name=found[0].upload.original_name or None)


bp.add_app_template_global(service.can_add_scans, "can_add_visa_scans")
bp.add_app_template_global(service.visa_state, "visa_state")


@bp.app_template_global()
def holder_of_visa(visa) -> str:
    """Enough of the holder's name to match it against the passport, too little to learn it."""
    application = visa.application
    return mask_name(f"{application.given_names} {application.surname}".strip())

