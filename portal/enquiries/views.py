"""Asking a question of a mission."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from portal.core import policy
from portal.core.forms import choices
from portal.core.i18n import _, is_chinese
from portal.core.refusal import Refused
from portal.core.web import refuse
from portal.enquiries import service
from portal.enquiries.forms import EnquiryForm
from portal.extensions import db
from portal.missions.service import list_countries
from portal.stats import usage

bp = Blueprint("enquiries", __name__, url_prefix="/enquiries")


@bp.route("/new", methods=["GET", "POST"])
@policy.citizen_only
def new_enquiry():
    form = EnquiryForm()
    chinese = is_chinese()
    form.country_code.choices = choices([("", _("Choose a country"))] + [
        (c.code, c.name(chinese)) for c in list_countries(db.session, chinese=chinese)])
    if form.validate_on_submit():
        try:
            case, created = service.submit_enquiry(
                db.session, applicant=current_user, country_code=form.country_code.data, topic=form.topic.data,
                subject=form.subject.data, message=form.message.data, phone=form.phone.data,
                submission_token=form.submission_token.data)
        except Refused as error:
            refuse(error, form)
        else:
            if created:
                usage.count(usage.COMPLETE, "enquiry")
            else:
                flash(_("You had already sent this enquiry; here it is."), "info")
            return redirect(url_for("accounts.case_detail", reference=case.reference, sent=1 if created else None),
                            code=303)
    return render_template("enquiries/new.html", form=form)
