"""Overseas travel registration pages: register, confirm, see, change and cancel trips."""

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user

from portal.advisories import queries, travel
from portal.advisories.forms import TripForm
from portal.core import policy
from portal.core.forms import choices
from portal.core.i18n import _, get_locale, is_chinese
from portal.core.refusal import Refused
from portal.core.web import private_response, refuse
from portal.extensions import db, limiter
from portal.stats import usage

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


def _regions_to_ask(form: TripForm) -> bool:
    """Whether the chosen country's own areas must be put to the traveller before the trip is saved:
    they have not been shown for this country yet (the form was shown for none, or for another one,
    whose areas are dropped). Works without JavaScript: the form simply comes back with the question."""
    country = form.country_code.data or ""
    if form.regions_for.data == country:
        return False
    form.regions.data, form.regions_for.data = [], country
    return bool(form.regions.choices)


@bp.route("", methods=["GET", "POST"])
@policy.public
@limiter.limit("20 per hour", methods=["POST"])
def register():
    form = TripForm(country_code=request.args.get("country", ""))
    _fill_choices(form, form.country_code.data)
    if request.method == "GET":
        form.regions_for.data = form.country_code.data or ""  # arriving from a country's advice page
    citizen = policy.citizen_or_none(current_user)
    signed_in = citizen is not None
    asking_regions = None  # the name of the country whose areas are asked about
    if form.validate_on_submit():
        if not signed_in and not form.email.data:
            form.email.errors.append(_("Enter your email address."))
        elif _regions_to_ask(form):
            asking_regions = next(c.label for c in form.country_code.choices if c.value == form.country_code.data)
        else:
            try:
                trip = travel.register_trip(db.session, user=citizen, email=form.email.data or "",
                                            locale=str(get_locale()), country_code=form.country_code.data,
                                            submission_token=form.submission_token.data, **_trip_fields(form))
            except Refused as error:
                refuse(error, form)
            else:
                # After the POST, a page of its own: reloading it registers nothing again.
                session["registered_trip"] = trip.id
                usage.count(usage.COMPLETE, "travel_registration")
                return redirect(url_for("travel.registered"), code=303)
    trips = travel.trips_of(db.session, citizen) if signed_in else []
    return render_template("advisories/trip_form.html", form=form, signed_in=signed_in, trips=trips,
                           retention=travel.retention_days(), editing=None, asking_regions=asking_regions)


@bp.route("/registered")
@policy.public
def registered():
    trip = travel.trip_by_id(db.session, session.get("registered_trip"))
    if trip is None:
        return redirect(url_for("travel.register"))
    return private_response(render_template("advisories/trip_registered.html", trip=trip,
                                            signed_in=trip.user_id is not None))


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
