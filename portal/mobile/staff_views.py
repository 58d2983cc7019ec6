"""Mobile service days for staff: plan, publish, change, cancel, and see who is booked."""

from datetime import time

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal.core import policy
from portal.core.forms import choices
from portal.core.i18n import _, _l, is_chinese
from portal.core.refusal import Refused
from portal.core.export import csv_download, csv_text
from portal.core.web import refuse
from portal.core.text import is_digits
from portal.extensions import db
from portal.missions.models import Mission
from portal.missions.service import overseas_missions
from portal.mobile import counters, on_the_day, queries, service
from portal.mobile.forms import ConfirmForm, CounterForm, DayForm, ReasonForm, TicketForm
from portal.mobile.models import BookingStatus, DayStatus, MobileService, ServiceDay, WalkInTicket

bp = Blueprint("mobile_staff", __name__, url_prefix="/staff/mobile-services")


@bp.context_processor
def _services():
    return {"services": MobileService}


def _day_or_404(day_id: int) -> ServiceDay:
    day = db.session.get(ServiceDay, day_id)
    if day is None or not policy.can_manage_service_day(current_user, day):
        abort(404)
    return day


def _missions() -> list[Mission]:
    """The missions this officer may plan for: their own, or every mission abroad for supervisors."""
    missions = overseas_missions(db.session)
    if policy.sees_all_missions(current_user):
        return missions
    return [m for m in missions if m.id == current_user.mission_id]


def _prepare(form: DayForm, missions: list[Mission]) -> None:
    chinese = is_chinese()
    form.mission_id.choices = choices([("", _("Choose a mission"))] * (len(missions) > 1)
                                      + [(str(m.id), m.name(chinese)) for m in missions])
    chosen = next((m for m in missions if str(m.id) == (form.mission_id.data or "")), missions[0] if missions else None)
    countries = sorted({c.code: c for m in missions for c in [m.country, *m.countries]}.values(),
                       key=lambda c: c.name(chinese))
    form.country_code.choices = choices([("", _("Choose a country"))] + [(c.code, c.name(chinese)) for c in countries])
    form.timezone.choices = choices((name, name) for name in queries.timezone_names())
    if not form.timezone.data and chosen is not None:
        form.timezone.data = chosen.timezone
    if not form.country_code.data and chosen is not None:
        form.country_code.data = chosen.country_code


def _edit_sessions(form) -> bool:
    """"Add a session" and "Remove" change the form without saving it. True when one was pressed."""
    if "add_session" in request.form:
        if len(form.sessions) < queries.MAX_SESSIONS:
            form.sessions.append_entry()
        return True
    remove = request.form.get("remove_session", "")
    if is_digits(remove):
        kept = [entry for entry in form.sessions.entries if entry.name != f"sessions-{remove}"]
        if kept:
            form.sessions.entries = kept
        return True
    return False


@bp.route("")
@policy.staff_only()
def days():
    mission_id = None if policy.sees_all_missions(current_user) else current_user.mission_id
    return render_template("mobile/staff/days.html", days=queries.days_of_missions(db.session, mission_id),
                           statuses=DayStatus, chinese=is_chinese(), can_plan=bool(_missions()))


@bp.route("/new", methods=["GET", "POST"])
@policy.staff_only()
def new_day():
    missions = _missions()
    if not missions:
        abort(403)
    form = DayForm()
    if request.method == "GET" and len(missions) == 1:
        form.mission_id.data = str(missions[0].id)
    _prepare(form, missions)
    if request.method == "POST" and not _edit_sessions(form) and form.validate():
        mission = next((m for m in missions if str(m.id) == form.mission_id.data), None)
        if mission is None:
            form.mission_id.errors = [_("Choose the mission holding the day.")]
        else:
            try:
                day = service.plan_day(db.session, mission_id=mission.id, by=current_user, plan=form.plan())
            except Refused as error:
                refuse(error, form)
            else:
                flash(_("The day is saved as a draft. Publish it when it is ready."), "success")
                return redirect(url_for("mobile_staff.day", day_id=day.id), code=303)
    return render_template("mobile/staff/day_form.html", form=form, day=None, services=MobileService,
                           max_sessions=queries.MAX_SESSIONS), 400 if form.errors else 200


@bp.route("/<int:day_id>")
@policy.staff_only()
def day(day_id):
    service_day = _day_or_404(day_id)
    return render_template("mobile/staff/day.html", day=service_day, services=MobileService, statuses=DayStatus,
                           bookings=queries.bookings_of_day(db.session, service_day),
                           waiting=queries.waiting_counts(db.session, service_day), booking_statuses=BookingStatus,
                           form=ConfirmForm(version=service_day.version),
                           cancel_form=ReasonForm(version=service_day.version), chinese=is_chinese())


@bp.route("/<int:day_id>/edit", methods=["GET", "POST"])
@policy.staff_only()
def edit_day(day_id):
    service_day = _day_or_404(day_id)
    if service_day.status not in (DayStatus.DRAFT, DayStatus.PUBLISHED):
        flash(_("A day that was cancelled or held cannot be changed."), "error")
        return redirect(url_for("mobile_staff.day", day_id=service_day.id), code=303)
    missions = [service_day.mission]
    if request.method == "GET":
        # The day's sessions fill the session fieldsets; their places are filled from the quotas below.
        form = DayForm(obj=service_day, version=service_day.version, mission_id=str(service_day.mission_id))
        for entry, service_session in zip(form.sessions.entries, service_day.sessions, strict=False):
            entry.form.session_id.data = str(service_session.id)
            entry.form.starts_at.data, entry.form.ends_at.data = service_session.starts_at, service_session.ends_at
            quotas = {q.service: q for q in service_session.quotas}
            for service_name, booked, walk_in in entry.form.place_fields():
                quota = quotas.get(service_name)
                booked.data = quota.booking_places if quota else 0
                walk_in.data = quota.walk_in_places if quota else 0
    else:
        form = DayForm()
    form.mission_id.data = str(service_day.mission_id)
    _prepare(form, missions)
    if request.method == "POST" and not _edit_sessions(form) and form.validate():
        try:
            told = service.change_day(db.session, service_day, plan=form.plan(),
                                      expected_version=form.expected_version)
        except Refused as error:
            refuse(error, form)
        else:
            flash(_("Your changes are saved. Everyone booked is being told.") if told
                  else _("Your changes are saved."), "success")
            return redirect(url_for("mobile_staff.day", day_id=service_day.id), code=303)
    return render_template("mobile/staff/day_form.html", form=form, day=service_day, services=MobileService,
                           max_sessions=queries.MAX_SESSIONS), 400 if form.errors else 200


@bp.route("/<int:day_id>/publish", methods=["POST"])
@policy.staff_only()
def publish(day_id):
    service_day = _day_or_404(day_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            service.publish_day(db.session, service_day, expected_version=form.expected_version)
        except Refused as error:
            refuse(error)
        else:
            flash(_("The day is published: citizens can see it and book."), "success")
    return redirect(url_for("mobile_staff.day", day_id=service_day.id), code=303)


@bp.route("/<int:day_id>/held", methods=["POST"])
@policy.staff_only()
def mark_held(day_id):
    service_day = _day_or_404(day_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            service.mark_held(db.session, service_day)
        except Refused as error:
            refuse(error)
        else:
            flash(_("The day is recorded as held."), "success")
    return redirect(url_for("mobile_staff.day", day_id=service_day.id), code=303)


@bp.route("/<int:day_id>/cancel", methods=["GET", "POST"])
@policy.staff_only()
def cancel_day(day_id):
    service_day = _day_or_404(day_id)
    form = ReasonForm()
    form.reason.label.text = _("Why is the day cancelled?")
    form.reason.description = _("Everyone booked receives this in their email.")
    if request.method == "GET":
        form.version.data = str(service_day.version)
    elif form.validate_on_submit():
        try:
            cancelled = service.cancel_day(db.session, service_day, reason=form.reason.data,
                                           expected_version=form.expected_version)
        except Refused as error:
            refuse(error, form)
        else:
            flash(_("The day is cancelled. %(count)d bookings were cancelled and their citizens are being told.",
                    count=cancelled), "success")
            return redirect(url_for("mobile_staff.day", day_id=service_day.id), code=303)
    return render_template("mobile/staff/cancel.html", day=service_day, form=form), 400 if form.errors else 200


# --- on the day -----------------------------------------------------------------------------------

def _ticket_form(service_day: ServiceDay) -> TicketForm:
    form = TicketForm()
    form.quota.choices = choices(
        [("", _("Choose the service and the session"))]
        + [(str(q.id), _("%(time)s · %(service)s · %(count)d left", time=s.starts_at.strftime("%H:%M"),
                         service=MobileService(q.service).title, count=q.walk_ins_left))
           for s in service_day.sessions for q in s.quotas if q.walk_in_places])
    return form


@bp.route("/<int:day_id>/check-in")
@policy.staff_only()
def check_in_list(day_id):
    """On the day, on a phone at the venue: find who arrives, hand out walk-in numbers, record services."""
    service_day = _day_or_404(day_id)
    search = request.args.get("q", "")
    found, tickets = on_the_day.check_in_list(db.session, service_day, search=search)
    return render_template("mobile/staff/check_in.html", day=service_day, bookings=found, tickets=tickets,
                           search=search, form=ConfirmForm(), ticket_form=_ticket_form(service_day),
                           booking_statuses=BookingStatus, chinese=is_chinese())


def _back_to_list(service_day: ServiceDay):
    return redirect(url_for("mobile_staff.check_in_list", day_id=service_day.id, q=request.args.get("q") or None),
                    code=303)


@bp.route("/<int:day_id>/bookings/<reference>/<any(arrived, absent, served):action>", methods=["POST"])
@policy.staff_only()
def booking_action(day_id, reference, action):
    service_day = _day_or_404(day_id)
    booking = queries.booking_by_reference(db.session, reference)
    if booking is None or queries.day_of(booking).id != service_day.id:
        abort(404)
    form = ConfirmForm()
    if form.validate_on_submit():
        name = booking.user.name if booking.user else booking.reference
        try:
            if action == "arrived":
                on_the_day.check_in(db.session, booking)
                flash(_("%(name)s has arrived.", name=name), "success")
            elif action == "absent":
                on_the_day.mark_no_show(db.session, booking)
                flash(_("%(name)s is marked as not come.", name=name), "success")
            else:
                case = on_the_day.record_service(db.session, by=current_user, booking=booking)
                flash(_("Service recorded for %(name)s: case %(reference)s.", name=name, reference=case.reference),
                      "success")
        except Refused as error:
            refuse(error)
    return _back_to_list(service_day)


@bp.route("/<int:day_id>/tickets", methods=["POST"])
@policy.staff_only()
def issue_ticket(day_id):
    service_day = _day_or_404(day_id)
    form = _ticket_form(service_day)
    if form.validate_on_submit():
        quota = queries.quota_of_day(service_day, form.quota.data)
        if quota is None or not quota.walk_in_places:
            flash(_("Choose the service and the session."), "error")
        else:
            try:
                ticket = on_the_day.issue_ticket(db.session, quota, by=current_user, name=form.name.data)
            except Refused as error:
                refuse(error)
            else:
                flash(_("Ticket %(ticket)s: %(service)s. %(count)d left.", ticket=ticket.label,
                        service=MobileService(quota.service).title, count=quota.walk_ins_left), "success")
    else:
        for message in (m for messages in form.errors.values() for m in messages):
            flash(message, "error")
    return _back_to_list(service_day)


@bp.route("/<int:day_id>/tickets/<int:ticket_id>/served", methods=["POST"])
@policy.staff_only()
def ticket_served(day_id, ticket_id):
    service_day = _day_or_404(day_id)
    ticket = db.session.get(WalkInTicket, ticket_id)
    if ticket is None or ticket.quota.service_session.day_id != service_day.id:
        abort(404)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            case = on_the_day.record_service(db.session, by=current_user, ticket=ticket)
        except Refused as error:
            refuse(error)
        else:
            flash(_("Service recorded for ticket %(ticket)s: case %(reference)s.", ticket=ticket.label,
                    reference=case.reference), "success")
    return _back_to_list(service_day)


@bp.route("/<int:day_id>/list.csv")
@policy.staff_only()
def download_list(day_id):
    """The check-in list, to print or keep on a laptop where the venue has no network."""
    service_day = _day_or_404(day_id)
    return csv_download(csv_text(on_the_day.day_list_rows(db.session, service_day)),
                        f"service-day-{service_day.day.isoformat()}-{service_day.id}.csv")


@bp.route("/<int:day_id>/report")
@policy.staff_only()
def report(day_id):
    service_day = _day_or_404(day_id)
    return render_template("mobile/staff/report.html", day=service_day,
                           report=on_the_day.day_report(db.session, service_day), chinese=is_chinese())


# --- the mission's own counter ---------------------------------------------------------------------

WEEKDAYS = (_l("Monday"), _l("Tuesday"), _l("Wednesday"), _l("Thursday"), _l("Friday"), _l("Saturday"), _l("Sunday"))


@bp.route("/counter", methods=["GET", "POST"])
@policy.staff_only()
def counter():
    """The mission's counter as bookable times: opening days and places set once, days made ahead."""
    missions = _missions()
    chosen = next((m for m in missions if str(m.id) == request.args.get("mission", "")), None)
    mission = chosen or next((m for m in missions if m.id == current_user.mission_id), missions[0] if missions else None)
    if mission is None:
        abort(403)
    schedule = counters.counter_schedule(db.session, mission.id)
    if request.method == "GET" and schedule is not None:
        form = CounterForm(weekdays=schedule.weekdays, weeks_ahead=schedule.weeks_ahead, is_open=schedule.is_open)
        while len(form.sessions) < len(schedule.sessions):
            form.sessions.append_entry()
        for entry, planned in zip(form.sessions.entries, schedule.sessions, strict=False):
            entry.form.starts_at.data = time.fromisoformat(planned["starts"])
            entry.form.ends_at.data = time.fromisoformat(planned["ends"])
            for service_name, booked, walk_in in entry.form.place_fields():
                booked.data, walk_in.data = planned["places"].get(service_name, (0, 0))
    else:
        form = CounterForm()
    form.weekdays.choices = [(number, str(title)) for number, title in enumerate(WEEKDAYS, 1)]
    if request.method == "POST" and not _edit_sessions(form) and form.validate():
        try:
            counters.save_counter_schedule(db.session, mission=mission, by=current_user, weekdays=form.weekdays.data,
                                          sessions=form.plans(), weeks_ahead=form.weeks_ahead.data,
                                          is_open=form.is_open.data)
        except Refused as error:
            refuse(error, form)
        else:
            flash(_("The counter's opening is saved. Its days are open for booking."), "success")
            return redirect(url_for("mobile_staff.counter", mission=chosen.id if chosen else None), code=303)
    return render_template("mobile/staff/counter.html", form=form, mission=mission, missions=missions,
                           days=queries.upcoming_days(db.session, mission_id=mission.id, counter=True),
                           max_sessions=queries.MAX_SESSIONS, chinese=is_chinese()), 400 if form.errors else 200
