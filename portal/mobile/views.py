"""Mobile consular service days for citizens: the list of upcoming days, a page per day, calendar
feeds, and booking, moving and cancelling a place."""

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal.core import policy
from portal.core.cases.registry import workflow_for
from portal.core.forms import choices
from portal.core.i18n import _, format_day, is_chinese, ngettext
from portal.core.refusal import Refused
from portal.core.web import private_response, public_cacheable, refuse
from portal.core.text import is_digits
from portal.extensions import db, limiter
from portal.advisories.regions import COUNTRY_REGION, REGION_CHOICES
from portal.missions.service import country_by_code, list_countries, mission_by_code
from portal.mobile import bookings, counters, ical, on_the_day, queries
from portal.mobile.forms import BookForm, ConfirmForm, MoveForm, ReasonForm
from portal.mobile.models import CHANGEABLE, BookingStatus, MobileService
from portal.stats import usage

bp = Blueprint("mobile", __name__)


@bp.context_processor
def _services():
    return {"services": MobileService, "statuses": BookingStatus, "changeable": CHANGEABLE}


def _public_day(uid: str):
    day = queries.day_by_uid(db.session, uid)
    if day is None or not day.is_public:
        abort(404)
    return day


@bp.route("/mobile-services")
@policy.public
def index():
    """Upcoming days by region and country, with the places left for each service."""
    chinese = is_chinese()
    country = country_by_code(db.session, request.args.get("country"))
    region = request.args.get("region") if request.args.get("region") in dict(REGION_CHOICES) else None
    every_day = queries.upcoming_days(db.session)
    days = [d for d in every_day if (country is None or d.country_code == country.code)
            and (region is None or COUNTRY_REGION.get(d.country_code) == region)]
    countries = {c.code: c for c in list_countries(db.session, chinese=chinese)}
    offered_in = sorted({d.country_code for d in every_day} & countries.keys(),
                        key=lambda code: countries[code].name(chinese))
    regions_offered = {COUNTRY_REGION.get(d.country_code) for d in every_day}
    page = render_template("mobile/index.html", groups=queries.by_region_and_country(days, countries, chinese=chinese),
                           country=country, region=region, chinese=chinese,
                           region_choices=[(key, title) for key, title in REGION_CHOICES if key in regions_offered],
                           country_choices=[(code, countries[code].name(chinese)) for code in offered_in])
    response = Response(page)
    # Places change as people book: a short shared life, and none for signed-in pages.
    return public_cacheable(response, max_age=60) if not current_user.is_authenticated else response


@bp.route("/mobile-services/<uid>")
@policy.public
def day(uid):
    """One day: where, when, what it offers, what to bring, and the places left."""
    service_day = _public_day(uid)
    return render_template("mobile/day.html", day=service_day, services=MobileService,
                           waiting=queries.waiting_counts(db.session, service_day),
                           open_sessions=[s for s in service_day.sessions if queries.is_bookable(s)], chinese=is_chinese(),
                           notice_hours=current_app.config["MOBILE_BOOKING_NOTICE_HOURS"])


def _calendar_response(days, name: str, filename: str):
    response = Response(ical.day_feed(days, name=name), mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.cache_control.public = True
    response.cache_control.max_age = 300
    return response


@bp.route("/mobile-services/calendar.ics")
@policy.public
def calendar():
    return _calendar_response(queries.calendar_days(db.session), _("Mobile consular services"),
                              "mobile-services.ics")


@bp.route("/missions/<code>/mobile-services.ics")
@policy.public
def mission_calendar(code):
    mission = mission_by_code(db.session, code)
    if mission is None:
        abort(404)
    name = _("Mobile consular services: %(mission)s", mission=mission.name(is_chinese()))
    return _calendar_response(queries.calendar_days(db.session, mission_id=mission.id), name,
                              f"mobile-services-{mission.code}.ics")


# --- booking ----------------------------------------------------------------------------------------

def _times(service_session) -> str:
    return f"{service_session.starts_at:%H:%M}–{service_session.ends_at:%H:%M}"


def _quota_label(quota, waiting: dict) -> str:
    title, times = MobileService(quota.service).title, _times(quota.service_session)
    if quota.places_left:
        return ngettext("%(times)s · %(service)s · %(num)d place left", "%(times)s · %(service)s · %(num)d places left",
                        quota.places_left, times=times, service=title)
    return _("%(times)s · %(service)s · full, %(count)d waiting", times=times, service=title,
             count=waiting.get(quota.id, 0))


def _bookable_quotas(service_day, *, service_name: str | None = None):
    return [q for s in service_day.sessions if queries.is_bookable(s) for q in s.quotas
            if q.booking_places and (service_name is None or q.service == service_name)]


def _book_choices(form, service_day, service_name: str | None = None):
    waiting = queries.waiting_counts(db.session, service_day)
    form.quota.choices = choices((str(q.id), _quota_label(q, waiting))
                                 for q in _bookable_quotas(service_day, service_name=service_name))


@bp.route("/missions/<code>/counter")
@policy.public
def counter(code):
    """The mission's own counter: book a time to hand in an application or collect a passport or documents."""
    mission = mission_by_code(db.session, code)
    if mission is None or not counters.mission_offers_counter_booking(db.session, mission.id):
        abort(404)
    wanted = request.args.get("service") if request.args.get("service") in set(MobileService) else None
    return render_template("mobile/counter.html", mission=mission, chinese=is_chinese(), wanted=wanted,
                           days=queries.upcoming_days(db.session, mission_id=mission.id, counter=True))


@bp.route("/mobile-services/<uid>/book", methods=["GET", "POST"])
@policy.citizen_only
def book(uid):
    """Choose a session and a service, then confirm. A full one offers its waiting list."""
    service_day = _public_day(uid)
    form = BookForm()
    if request.method == "GET" and is_digits(request.args.get("quota")):
        form.quota.data = request.args["quota"]
    # A link for one service (collecting, from the "ready" email) shows only that service's sessions.
    wanted = request.args.get("service") if request.args.get("service") in set(MobileService) else None
    _book_choices(form, service_day, wanted)
    if not form.quota.choices:
        return render_template("mobile/closed.html", day=service_day), 200
    if form.validate_on_submit():
        quota = next((q for q in _bookable_quotas(service_day) if str(q.id) == form.quota.data), None)
        if quota is None:
            form.quota.errors = [_("Choose a session and a service.")]
        elif "confirm" in request.form:
            try:
                booking, created = bookings.book(db.session, user=current_user, quota=quota,
                                                idempotency_key=form.submission_token.data,
                                                waitlist=form.waitlist.data == "1")
            except bookings.SessionFull as error:
                refuse(error, form)
                form.waitlist.data = "1"  # the page's button now joins the waiting list
                return render_template("mobile/confirm.html", day=service_day, form=form, quota=quota,
                                       full=True), 409
            except Refused as error:
                refuse(error, form)
                _book_choices(form, service_day)
            else:
                if created:
                    usage.count(usage.COMPLETE, "mobile")
                else:
                    flash(_("You had already sent this booking; here it is."), "info")
                return redirect(url_for("mobile.booking", reference=booking.reference), code=303)
        else:
            form.waitlist.data = "" if quota.places_left else "1"
            return render_template("mobile/confirm.html", day=service_day, form=form, quota=quota,
                                   full=not quota.places_left)
    return render_template("mobile/book.html", day=service_day, form=form), 400 if form.errors else 200


def _own_booking(reference: str):
    booking = queries.booking_by_reference(db.session, reference)
    if booking is None or not policy.owns_booking(current_user, booking):
        abort(404)
    return booking


@bp.route("/mobile-services/bookings")
@policy.citizen_only
def my_bookings():
    return render_template("mobile/my_bookings.html", bookings=queries.bookings_of(db.session, current_user),
                           day_of=queries.day_of)


@bp.route("/mobile-services/bookings/<reference>")
@policy.citizen_only
def booking(reference):
    found = _own_booking(reference)
    return render_template("mobile/booking.html", booking=found, day=queries.day_of(found),
                           service_session=found.quota.service_session,
                           form=ConfirmForm(version=found.version))


@bp.route("/mobile-services/bookings/<reference>/invitation.ics")
@policy.citizen_only
def invitation(reference):
    found = _own_booking(reference)
    if found.status not in (BookingStatus.BOOKED, BookingStatus.OFFERED):
        abort(404)
    response = Response(ical.invitation(found, method="REQUEST", attendee=current_user.email,
                                        locale=current_user.locale), mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'attachment; filename="{found.reference}.ics"'
    return response


@bp.route("/mobile-services/bookings/<reference>/confirm", methods=["POST"])
@policy.citizen_only
def confirm_place(reference):
    """Take the place the waiting list offered."""
    found = _own_booking(reference)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            bookings.confirm_offer(db.session, found)
        except Refused as error:
            refuse(error)
        else:
            flash(_("Your place is booked."), "success")
    return redirect(url_for("mobile.booking", reference=found.reference), code=303)


@bp.route("/mobile-services/bookings/<reference>/cancel", methods=["GET", "POST"])
@policy.citizen_only
def cancel(reference):
    found = _own_booking(reference)
    return _cancel_page(found, done_url=url_for("mobile.booking", reference=found.reference))


def _cancel_page(found, *, done_url: str, private: bool = False):
    form = ReasonForm()
    if request.method == "GET":
        form.version.data = str(found.version)
    elif form.validate_on_submit():
        try:
            bookings.cancel_booking(db.session, found, reason=form.reason.data,
                                   expected_version=form.expected_version)
        except Refused as error:
            refuse(error, form)
        else:
            flash(_("Your booking %(reference)s is cancelled.", reference=found.reference), "success")
            return redirect(done_url, code=303)
    form.reason.label.text = _("Why are you cancelling? (optional)")
    form.reason.description = _("It helps the mission plan its next service days.")
    page = render_template("mobile/cancel.html", booking=found, day=queries.day_of(found), form=form,
                           service_session=found.quota.service_session)
    status = 400 if form.errors else 200
    return private_response(page, status) if private else (page, status)


@bp.route("/mobile-services/bookings/<reference>/move", methods=["GET", "POST"])
@policy.citizen_only
def move(reference):
    """Move a booked place to another session of the same service, on this day or another of the mission's."""
    found = _own_booking(reference)
    current_day = queries.day_of(found)
    days = queries.upcoming_days(db.session, mission_id=current_day.mission_id)
    options = [q for d in days for q in _bookable_quotas(d, service_name=found.quota.service)
               if q.id != found.quota_id and q.places_left]
    form = MoveForm()
    form.quota.choices = choices(
        (str(q.id), ngettext("%(day)s, %(times)s at %(venue)s · %(num)d place left",
                             "%(day)s, %(times)s at %(venue)s · %(num)d places left", q.places_left,
                             day=format_day(q.service_session.service_day.day), times=_times(q.service_session),
                             venue=q.service_session.service_day.venue)) for q in options)
    if request.method == "GET":
        form.version.data = str(found.version)
    elif form.validate_on_submit():
        target = next((q for q in options if str(q.id) == form.quota.data), None)
        if target is None:
            form.quota.errors = [_("Choose the session to move to.")]
        else:
            try:
                bookings.move_booking(db.session, found, to=target,
                                     expected_version=form.expected_version)
            except Refused as error:
                refuse(error, form)
            else:
                flash(_("Your booking has moved. A new calendar invitation is on its way."), "success")
                return redirect(url_for("mobile.booking", reference=found.reference), code=303)
    return render_template("mobile/move.html", booking=found, day=current_day, form=form,
                           can_move=found.status == BookingStatus.BOOKED and bool(options)), 400 if form.errors else 200


@bp.route("/mobile-services/manage/<secret>", methods=["GET", "POST"])
@policy.public
@limiter.limit(lambda: current_app.config["MOBILE_LINK_RATE_LIMIT"], methods=["POST"])
def manage(secret):
    """The emailed link: see and cancel a booking without signing in."""
    found = queries.booking_by_link(db.session, secret)
    if found is None:
        return private_response(render_template("mobile/link_invalid.html"), 404)
    return _cancel_page(found, done_url=url_for("mobile.manage", secret=secret), private=True)


def mobile_service_title(name: str):
    return MobileService(name).title


def collection_booking_path(case) -> str | None:
    """For a passport or documents waiting to be collected at a mission that takes counter bookings:
    the page to book a time to collect them (the case's email links to it)."""
    kind_move = on_the_day.PICKUP_MOVES.get(case.kind)
    if kind_move is None or workflow_for(case.kind).transition(case.status, kind_move) is None:
        return None
    if not counters.mission_offers_counter_booking(db.session, case.mission_id):
        return None
    return url_for("mobile.counter", code=case.mission.code, service=MobileService.DOCUMENT_PICKUP.value)


# The case pages of other blueprints show a mobile case's detail; the emails say what to bring and
# where to book a collection time.
bp.add_app_template_global(queries.what_to_bring, "what_to_bring")
bp.add_app_template_global(mobile_service_title, "mobile_service_title")
bp.add_app_template_global(collection_booking_path, "collection_booking_path")
