"""Editing travel advice: drafts by any officer, publishing by another supervisor, reviews,
banners, and what each alert's delivery looks like."""

from datetime import datetime

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal.advisories import alerts, queries, service
from portal.advisories.forms import BannerForm, EditionForm, PublishForm, ReviewForm
from portal.advisories.levels import SECTIONS
from portal.advisories.models import Alert, Edition, EditionStatus
from portal.core import policy
from portal.core.i18n import TAIPEI, _
from portal.core.refusal import Refused
from portal.core.roles import Role
from portal.core.web import refuse
from portal.core.workdays import taipei_today
from portal.extensions import db
from portal.missions.service import country_by_code

bp = Blueprint("advisory_staff", __name__, url_prefix="/staff/advisories")


def _edition_or_404(edition_id: int) -> Edition:
    edition = db.session.get(Edition, edition_id)
    if edition is None:
        abort(404)
    return edition


def _taipei(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=TAIPEI) if moment else None


@bp.route("")
@policy.staff_only()
def overview():
    editions = queries.current_editions(db.session)
    recent = db.session.scalars(sa.select(Alert).order_by(Alert.created_at.desc()).limit(20)).all()
    return render_template("advisories/staff/overview.html", pending=queries.pending_editions(db.session),
                           overdue=service.overdue_reviews(editions), review_due_at=service.review_due_at,
                           countries=sorted(queries.countries(db.session), key=lambda c: c.code),
                           alerts=recent, counts=alerts.delivery_counts(db.session, [a.id for a in recent]),
                           banner=queries.active_banner(db.session), banner_form=BannerForm(),
                           can_banner=current_user.role.at_least(Role.SUPERVISOR))


@bp.route("/<code>")
@policy.staff_only()
def country(code):
    country = country_by_code(db.session, code)
    if country is None:
        abort(404)
    current = queries.current_edition(db.session, country.code)
    today = taipei_today()
    travellers = {"": queries.travellers_in(db.session, country.code, on=today)}
    for region in current.regions if current else []:
        travellers[region.name_en] = queries.travellers_in(db.session, country.code, on=today, region=region.name_en)
    return render_template("advisories/staff/country.html", country=country, current=current,
                           editions=queries.editions_of(db.session, country.code),
                           actions=queries.actions_of(db.session, country.code), travellers=travellers,
                           review_form=ReviewForm())


@bp.route("/<code>/draft", methods=["POST"])
@policy.staff_only()
def start_draft(code):
    try:
        draft = service.start_draft(db.session, code.upper(), by=current_user)
    except Refused:
        abort(404)
    return redirect(url_for("advisory_staff.edit_edition", edition_id=draft.id), code=303)


@bp.route("/<code>/review", methods=["POST"])
@policy.staff_only()
def review(code):
    form = ReviewForm()
    if form.validate_on_submit():
        try:
            service.mark_reviewed(db.session, code.upper(), by=current_user, comment=form.comment.data)
        except Refused as error:
            refuse(error)
        else:
            flash(_("Marked as reviewed and still correct."), "success")
    return redirect(url_for("advisory_staff.country", code=code.upper()), code=303)


def _form_texts(form: EditionForm) -> dict:
    return {lang: {key: getattr(form, f"{key}_{lang}").data or "" for key in ("summary", *SECTIONS)}
            for lang in ("zh", "en")}


def _parse_regions(text: str) -> list[tuple[str, str, str]]:
    regions = []
    for line in (text or "").splitlines():
        if line.strip():
            parts = [p.strip() for p in line.split("|")]
            regions.append((parts[0], parts[1], parts[2]) if len(parts) == 3 else ("", "", ""))
    return regions


@bp.route("/editions/<int:edition_id>/edit", methods=["GET", "POST"])
@policy.staff_only()
def edit_edition(edition_id):
    edition = _edition_or_404(edition_id)
    if edition.status is not EditionStatus.DRAFT:
        return redirect(url_for("advisory_staff.show_edition", edition_id=edition.id))
    form = EditionForm()
    if request.method == "GET":
        form.level.data, form.update_type.data = edition.level.value, edition.update_type.value
        form.indicators.data = list(edition.indicators)
        for lang in ("zh", "en"):
            for key in ("summary", *SECTIONS):
                getattr(form, f"{key}_{lang}").data = edition.text(lang == "zh", key)
        form.change_note_zh.data, form.change_note_en.data = edition.change_note_zh, edition.change_note_en
        form.regions.data = "\n".join(f"{r.name_zh} | {r.name_en} | {r.level.value}" for r in edition.regions)
    if form.validate_on_submit():
        try:
            service.update_draft(db.session, edition, by=current_user, level=form.level.data,
                                 update_type=form.update_type.data, indicators=form.indicators.data or [],
                                 texts=_form_texts(form), change_note_zh=form.change_note_zh.data or "",
                                 change_note_en=form.change_note_en.data or "",
                                 regions=_parse_regions(form.regions.data), comment=form.comment.data or "")
        except Refused as error:
            refuse(error, form)
        else:
            flash(_("Draft saved."), "success")
            return redirect(url_for("advisory_staff.show_edition", edition_id=edition.id), code=303)
    return render_template("advisories/staff/edit.html", form=form, edition=edition, sections=SECTIONS)


@bp.route("/editions/<int:edition_id>")
@policy.staff_only()
def show_edition(edition_id):
    edition = _edition_or_404(edition_id)
    compared = db.session.get(Edition, edition.based_on_id) if edition.based_on_id else None
    return render_template("advisories/staff/edition.html", edition=edition, compared=compared,
                           changes=service.diff(compared, edition), publish_form=PublishForm(),
                           can_publish=policy.can_publish_advice(current_user, edition))


@bp.route("/editions/<int:edition_id>/publish", methods=["POST"])
@policy.staff_only(Role.SUPERVISOR)
def publish(edition_id):
    edition = _edition_or_404(edition_id)
    form = PublishForm()
    if form.validate_on_submit():
        try:
            if form.when.data:
                service.schedule(db.session, edition, by=current_user, when=_taipei(form.when.data),
                                 comment=form.comment.data or "")
                message = _("Scheduled. It will be published at the time you chose.")
            else:
                service.publish(db.session, edition, by=current_user, comment=form.comment.data or "")
                message = _("Published. Subscribers will be told of a major update.")
        except Refused as error:
            refuse(error)
        else:
            flash(message, "success")
    return redirect(url_for("advisory_staff.show_edition", edition_id=edition.id), code=303)


@bp.route("/editions/<int:edition_id>/unschedule", methods=["POST"])
@policy.staff_only(Role.SUPERVISOR)
def unschedule(edition_id):
    edition = _edition_or_404(edition_id)
    try:
        service.unschedule(db.session, edition, by=current_user)
    except Refused as error:
        refuse(error)
    else:
        flash(_("No longer scheduled; it is a draft again."), "success")
    return redirect(url_for("advisory_staff.show_edition", edition_id=edition.id), code=303)


@bp.route("/banners", methods=["POST"])
@policy.staff_only(Role.SUPERVISOR)
def create_banner():
    form = BannerForm()
    if form.validate_on_submit():
        try:
            service.create_banner(db.session, by=current_user, message_zh=form.message_zh.data or "",
                                  message_en=form.message_en.data or "", starts_at=_taipei(form.starts_at.data),
                                  ends_at=_taipei(form.ends_at.data))
        except Refused as error:
            refuse(error)
        else:
            flash(_("The banner is scheduled."), "success")
    else:
        for errors in form.errors.values():
            for message in errors:
                flash(message, "error")
    return redirect(url_for("advisory_staff.overview"), code=303)
