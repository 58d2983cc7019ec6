"""Overseas travel registration pages: register, confirm, see, change and cancel trips."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal.advisories import queries, travel
from portal.advisories.forms import TripForm
from portal.core import policy
from portal.core.forms import choices
from portal.core.i18n import _, get_locale, is_chinese
from portal.core.refusal import Refused
from portal.core.web import refuse
from portal.extensions import db, limiter

bp = Blueprint("travel", __name__, url_prefix="/travel-registration")


def _fill_choices(form: TripForm, country_code: str | None) -> None:
    chinese = is_chinese()
    form.country_code.choices = choices([("", _("Choose a country"))] + [
        (c.code, c.name(chinese)) for c in sorted(queries.countries(db.session), key=lambda c: c.name(chinese))])
    edition = queries.current_edition(db.session, country_code) if country_code else None
    form.regions.choices = choices((r.name_en, r.name(chinese)) for r in (edition.regions if edition else []))


def _trip_fields(form: TripForm) -> dict:
    return {"regions": form.regions.data or [], "starts_on": form.starts_on.data, "ends_on": form.ends_on.data,
            "phone_abroad": form.phone_abroad.data, "email_abroad": form.email_abroad.data or "",
            "contact_name": form.contact_name.data, "contact_phone": form.contact_phone.data}


@bp.route("", methods=["GET", "POST"])
@policy.public
@limiter.limit("20 per hour", methods=["POST"])
def register():
    form = TripForm(country_code=request.args.get("country", ""))
    _fill_choices(form, form.country_code.data)
    citizen = policy.citizen_or_none(current_user)
    signed_in = citizen is not None
    if form.validate_on_submit():
        if not signed_in and not form.email.data:
            form.email.errors.append(_("Enter your email address."))
        else:
            try:
                trip = travel.register_trip(db.session, user=citizen,
                                            email=form.email.data or "", locale=str(get_locale()),
                                            country_code=form.country_code.data, **_trip_fields(form))
            except Refused as error:
                refuse(error, form)
            else:
                return render_template("advisories/trip_registered.html", trip=trip, signed_in=signed_in)
    trips = travel.trips_of(db.session, citizen) if signed_in else []
    return render_template("advisories/trip_form.html", form=form, signed_in=signed_in, trips=trips,
                           retention=travel.retention_days(), editing=None)


@bp.route("/confirm/<token>")
@policy.public
def confirm(token):
    trip = travel.confirm_trip(db.session, token)
    if trip is None:
        again = (url_for("travel.register"), _("Register your trip again"))
        return render_template("accounts/link_invalid.html", again=again), 400
    flash(_("Your trip is registered. We will contact you if the situation there changes."), "success")
    return redirect(url_for("travel.edit", token=token))


def _trip_or_404(token: str):
    """Whoever holds the emailed link may manage the trip; a signed-in traveller's trips only by them."""
    trip = travel.find_trip(db.session, token)
    if trip is None or not policy.can_manage_trip(current_user, trip):
        abort(404)
    return trip


@bp.route("/<token>", methods=["GET", "POST"])
@policy.public
def edit(token):
    trip = _trip_or_404(token)
    form = TripForm(obj=trip)
    _fill_choices(form, trip.country_code)
    form.country_code.data = trip.country_code
    if form.validate_on_submit():
        try:
            travel.update_trip(db.session, trip, **_trip_fields(form))
        except Refused as error:
            refuse(error, form)
        else:
            flash(_("Your trip has been updated."), "success")
            return redirect(url_for("travel.edit", token=token), code=303)
    return render_template("advisories/trip_form.html", form=form, signed_in=trip.user_id is not None,
                           trips=[], retention=travel.retention_days(), editing=trip)


@bp.route("/<token>/cancel", methods=["POST"])
@policy.public
def cancel(token):
    trip = _trip_or_404(token)
    travel.cancel_trip(db.session, trip)
    flash(_("Your trip registration is cancelled and will be erased."), "success")
    return redirect(url_for("travel.register"), code=303)
