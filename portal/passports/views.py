"""Passport pages: information, the eligibility check, the application steps with the photo,
"check your answers" and submission, and the photo itself for those allowed to see it."""

from datetime import date

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import SelectChoice

from portal.core import policy
from portal.core.audit import record_view
from portal.core.cases.service import case_by_reference
from portal.core.i18n import _, is_chinese
from portal.core.refusal import Refused
from portal.core.uploads import serve
from portal.core.web import private_response, public_cacheable, refuse
from portal.core.workdays import taipei_today
from portal.extensions import db
from portal.missions.service import mission_choices
from portal.passports import drafts, national_id, photos, rules, service
from portal.passports.forms import STEP_FORMS, DeclarationForm, EligibilityForm, PhotoForm
from portal.passports.models import ApplicationType
from portal.passports.workflow import PASSPORT_WORKFLOW
from portal.stats import usage

bp = Blueprint("passports", __name__)


def _fees() -> dict:
    return {"fees": rules.fee_table(), "processing_days": PASSPORT_WORKFLOW.sla_working_days,
            "photo": {"width": photos.MIN_WIDTH, "height": photos.MIN_HEIGHT,
                      "megabytes": photos.MAX_MB}}


@bp.route("/passports")
@policy.public
def info():
    """Types, eligibility, fees, validity, what to bring and how long it takes."""
    return public_cacheable(make_response(render_template("passports/info.html", types=list(ApplicationType),
                                                          **_fees())))


@bp.route("/passports/apply", methods=["GET", "POST"])
@policy.citizen_only
def apply():
    """The eligibility check and the kind of application; then the draft is made."""
    reopens = rules.cap_reopens_at(db.session)
    if reopens is not None:
        return render_template("passports/full.html", reopens=reopens, drafts=drafts.list_drafts(
            db.session, current_user))
    form = EligibilityForm()
    if form.validate_on_submit():
        reasons = rules.ineligibility_reasons(form.data)
        if reasons:
            return render_template("passports/not_online.html", reasons=reasons)
        draft = drafts.create_draft(db.session, applicant=current_user, application_type=form.application_type.data)
        return redirect(url_for("passports.step", token=draft.token, step="identity"), code=303)
    return render_template("passports/apply.html", form=form, **_fees()), 400 if form.errors else 200


def _draft(token: str):
    """The signed-in citizen's own unsent draft; 404 for anyone else's."""
    draft = drafts.draft_by_token(db.session, token)
    if draft is None or draft.applicant_id != current_user.id:
        abort(404)
    if not policy.can_edit_passport_draft(current_user, draft):
        flash(_("This application has already been sent; here it is."), "info")
        sent = url_for("accounts.case_detail", reference=draft.case.reference) if draft.case else url_for(
            "accounts.my_cases")
        abort(redirect(sent, code=303))
    return draft


def _progress(draft, step: str) -> dict:
    steps = drafts.steps_for(draft.application_type)
    return {"steps": steps, "number": steps.index(step) + 1 if step in steps else None, "total": len(steps),
            "back_url": _back_url(draft, step)}


def _case_page(draft) -> str:
    """Where an application already sent is answered from: its case page, at the mission's request."""
    return url_for("accounts.case_detail", reference=draft.case.reference, _anchor="more-information")


def _back_url(draft, step: str) -> str:
    """The step before (the answers, when changing one from there; the start, from the first)."""
    steps = drafts.steps_for(draft.application_type)
    if draft.case_id is not None:
        return _case_page(draft)
    if request.args.get("change"):
        return url_for("passports.check", token=draft.token)
    if step not in steps or steps.index(step) == 0:
        return url_for("passports.info")
    return url_for("passports.step", token=draft.token, step=steps[steps.index(step) - 1])


def _next_url(draft, step: str) -> str:
    steps = drafts.steps_for(draft.application_type)
    if draft.case_id is not None:  # a change the mission asked for: back to the request
        return _case_page(draft)
    if request.args.get("change") or step not in steps or step == steps[-1]:
        return url_for("passports.check", token=draft.token)
    return url_for("passports.step", token=draft.token, step=steps[steps.index(step) + 1])


def _pickup_choices():
    chinese = is_chinese()
    in_taiwan = _("In Taiwan")
    offices = [SelectChoice(f"office:{code}", names[0] if chinese else names[1], optgroup=in_taiwan)
               for code, names in drafts.DOMESTIC_OFFICES.items()]
    return [SelectChoice("", _("Choose a place")), *offices,
            *mission_choices(db.session, chinese=chinese, value=lambda m: f"mission:{m.code}")]


def _step_form(draft, step: str):
    form_class = STEP_FORMS[step]
    form = form_class() if request.method == "POST" else form_class(data=drafts.form_data(draft))
    if step == "previous":
        form.application_type = draft.application_type
    if step == "pickup":
        form.pickup.choices = _pickup_choices()
    if step == "identity" and draft.application_type is not ApplicationType.RENEWAL:
        del form.name_changed
    if step == "previous" and not form.is_replacement:
        for name in ("lost_on", "lost_where", "police_reported"):
            del form[name]
    return form


@bp.route("/passports/applications/<token>/<step>", methods=["GET", "POST"])
@policy.citizen_only
def step(token, step):
    """One step of the form; each one saved on the server as it is answered."""
    draft = _draft(token)
    if step == "photo":
        return photo(draft)
    if step not in STEP_FORMS or (step != "type" and step not in drafts.steps_for(draft.application_type)):
        abort(404)
    if step == "type" and draft.case_id is not None:
        abort(404)  # the kind of application is settled once it is sent
    form = _step_form(draft, step)
    if form.validate_on_submit():
        try:
            drafts.save_step(db.session, draft, step, form.service_data(), by=current_user)
        except Refused as error:
            refuse(error, form)
        else:
            return redirect(_next_url(draft, step), code=303)
    return render_template("passports/step.html", draft=draft, form=form, step=step,
                           change=request.args.get("change"), **_progress(draft, step)), 400 if form.errors else 200


def photo(draft):
    """The photo step: upload, preview and the reasons a photo is refused."""
    form = PhotoForm()
    if form.validate_on_submit():
        try:
            photos.save_photo(db.session, draft, photos.check_photo(form.photo.data), by=current_user)
        except Refused as error:
            refuse(error, form)
        else:
            flash(_("Your photo has been accepted. Check the preview below."), "success")
            return redirect(url_for("passports.step", token=draft.token, step="photo",
                                    change=request.args.get("change")), code=303)
    form.photo.description = _("A JPEG or PNG file of at most %(size)d MB, at least %(width)d × %(height)d pixels, "
                               "35 wide by 45 high, taken in the last six months.", size=photos.MAX_MB,
                               width=photos.MIN_WIDTH, height=photos.MIN_HEIGHT)
    return render_template("passports/photo.html", draft=draft, form=form, step="photo",
                           change=request.args.get("change"), next_url=_next_url(draft, "photo"),
                           **_progress(draft, "photo")), 400 if form.errors else 200


@bp.route("/passports/applications/<token>/check", methods=["GET", "POST"])
@policy.citizen_only
def check(token):
    """Check your answers, the declaration, and sending: one case however often it is sent."""
    draft = _draft(token)
    if draft.case_id is not None:  # sent: changes asked for are answered from the case page
        return redirect(_case_page(draft), code=303)
    form = DeclarationForm()
    if form.validate_on_submit():
        try:
            case, created = service.submit(db.session, draft, by=current_user)
        except Refused as error:
            refuse(error, form)
        else:
            if created:
                usage.count(usage.COMPLETE, "passport")
            return redirect(url_for("accounts.case_detail", reference=case.reference, sent=1 if created else None),
                            code=303)
    fee = rules.fee_for(draft.application_type, draft.birth_date)
    steps = drafts.steps_for(draft.application_type)
    return render_template("passports/check.html", draft=draft, form=form, fee=fee,
                           back_url=url_for("passports.step", token=draft.token, step=steps[-1]),
                           missing=drafts.missing_answers(draft),
                           pickup=drafts.pickup_name(draft, is_chinese()),
                           steps=drafts.steps_for(draft.application_type)), 400 if form.errors else 200


@bp.route("/staff/passports/<reference>/national-id", methods=["POST"])
@policy.staff_only()
def reveal_national_id(reference):
    """The full national ID of an application, shown on purpose and written to the personal-data log."""
    case = case_by_reference(db.session, reference, kind=PASSPORT_WORKFLOW.kind)
    if case is None or not policy.can_reveal_identifiers(current_user, case):
        abort(404)
    detail = service.detail_for(db.session, case)
    if detail is None:
        abort(404)
    record_view(db.session, viewer=current_user, case=case, field="national_id")
    return private_response(render_template("passports/national_id.html", case=case, detail=detail))


@bp.route("/passports/photos/<upload_id>")
@policy.signed_in
def photo_file(upload_id):
    """A passport photo, for its applicant and for staff who can see the case."""
    application = photos.photo_owner(db.session, upload_id)
    if application is None or not policy.can_see_passport_photo(current_user, application):
        abort(404)
    return serve(application.photo, inline=True)


@bp.app_template_global()
def passport_age(birth_date: date | None) -> int | None:
    return rules.age_on(birth_date, taipei_today()) if birth_date else None


bp.add_app_template_global(national_id.masked, "masked_national_id")
bp.add_app_template_global(drafts.pickup_name, "passport_pickup_name")
bp.add_app_template_global(service.collection_for, "passport_collection")
