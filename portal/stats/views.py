"""The KPI dashboard for supervisors, with every table as CSV and all of them as one workbook; the
white paper they write and publish; the public statistics page."""

from flask import Blueprint, abort, flash, g, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from portal.advisories.regions import REGION_CHOICES
from portal.core import policy
from portal.core.cases.registry import all_kinds
from portal.core.export import csv_download, csv_text, xlsx_bytes, xlsx_download
from portal.core.forms import choices
from portal.core.i18n import _, is_chinese
from portal.core.refusal import Refused
from portal.core.roles import Role
from portal.core.text import is_digits
from portal.core.web import public_cacheable, refuse
from portal.extensions import cache, db, limiter
from portal.missions.service import mission_choices
from portal.stats import kpis, pdf, rollups, usage, white_paper
from portal.stats.forms import DashboardFilterForm, WhitePaperForm
from portal.stats.periods import Period

bp = Blueprint("stats", __name__)
bp.after_app_request(usage.after_request)

#: a PDF not yet in the cache takes about a second to make: one address may not ask for many at once
PDF_PER_ADDRESS = "20 per minute"


def _number(value: str | None, low: int, high: int) -> int | None:
    return int(value) if value and is_digits(value) and low <= int(value) <= high else None


def _filters() -> tuple[DashboardFilterForm, kpis.Filters]:
    """The form as the supervisor filled it, and the filters it means (anything unknown left out)."""
    form = DashboardFilterForm(request.args)
    # Every year since the plan set its KPIs, newest first: the same years a white paper may cover.
    years = white_paper.years_open()
    chinese = is_chinese()
    form.year.choices = choices([(str(y), Period(y).title) for y in years])
    form.quarter.choices = choices([("", _("The whole year"))] + [(str(q), _("Quarter %(number)d", number=q))
                                                                 for q in range(1, 5)])
    form.month.choices = choices([("", _("Every month"))] + [(str(m), f"{m}月" if chinese else
                                                             _("Month %(number)d", number=m)) for m in range(1, 13)])
    form.region.choices = choices([("", _("Every region"))] + REGION_CHOICES)
    form.mission_id.choices = mission_choices(db.session, chinese=chinese, overseas_only=False, blank=_("Every mission"))
    kinds = [(k.workflow.kind, k.workflow.title) for k in all_kinds()]
    form.kind.choices = choices([("", _("Every service"))] + kinds)
    year = _number(form.year.data, years[-1], years[0]) or years[0]
    form.year.data = str(year)
    month = _number(form.month.data, 1, 12)
    quarter = None if month else _number(form.quarter.data, 1, 4)
    region = form.region.data if form.region.data in dict(REGION_CHOICES) else ""
    kind = form.kind.data if form.kind.data in dict(kinds) else ""
    mission_id = _number(request.args.get("mission_id"), 1, 2**31 - 1)
    return form, kpis.Filters(Period(year, quarter=quarter, month=month), region=region, mission_id=mission_id,
                              kind=kind)


@bp.route("/staff/stats")
@policy.staff_only(Role.SUPERVISOR)
def dashboard():
    """The consular KPIs for a period, against their targets and the period before."""
    form, filters = _filters()
    sections = kpis.dashboard(db.session, filters)
    return render_template("stats/dashboard.html", form=form, filters=filters, sections=sections,
                           up_to=rollups.figures_up_to(db.session), args=request.args.to_dict())


@bp.route("/staff/stats/<key>.csv")
@policy.staff_only(Role.SUPERVISOR)
def table_csv(key):
    """One table of the dashboard, as shown (suppressed cells included as such)."""
    _form, filters = _filters()
    table = kpis.every_table(kpis.dashboard(db.session, filters)).get(key)
    if table is None:
        abort(404)
    return csv_download(csv_text(table.as_rows(plain=True)), f"{key}-{filters.period.roc_year}.csv")


@bp.route("/staff/stats.xlsx")
@policy.staff_only(Role.SUPERVISOR)
def workbook():
    """Every table of the dashboard, one sheet each."""
    _form, filters = _filters()
    tables = kpis.every_table(kpis.dashboard(db.session, filters))
    body = xlsx_bytes({table.title: table.as_rows() for table in tables.values()})
    return xlsx_download(body, f"consular-kpis-{filters.period.roc_year}.xlsx")


# --- the white paper -------------------------------------------------------------------------------

def _paper_page(roc_year: int, *, sections: dict | None, paper, preview: bool = False, pdf: bool = False):
    chinese = is_chinese()
    texts = {key: white_paper.commentary(sections, key, chinese=chinese) for key in white_paper.SECTIONS}
    return render_template("stats/white_paper.html", roc_year=roc_year, period=Period(roc_year), paper=paper,
                           texts=texts, figures=white_paper.figures(db.session, roc_year), preview=preview,
                           pdf=pdf, up_to=rollups.figures_up_to(db.session))


@bp.route("/staff/stats/white-paper/<int:roc_year>", methods=["GET", "POST"])
@policy.staff_only(Role.SUPERVISOR)
def edit_white_paper(roc_year):
    """Write the year's commentary, save it as a draft, publish it; with the history of both."""
    if roc_year not in white_paper.years_open():
        abort(404)
    paper = white_paper.paper_for(db.session, roc_year)
    form = WhitePaperForm()
    if request.method == "GET" and paper is not None:
        form.fill(paper.draft)
        form.version.data = str(paper.version)
    if form.validate_on_submit():
        version = int(form.version.data) if is_digits(form.version.data or "") else None
        try:
            paper = white_paper.save_draft(db.session, roc_year, form.sections(), by=current_user,
                                           expected_version=version)
            if form.action.data == "publish":
                white_paper.publish(db.session, paper, by=current_user)
        except Refused as error:
            refuse(error, form)
        else:
            flash(_("The white paper is published.") if form.action.data == "publish"
                  else _("The draft is saved."), "success")
            return redirect(url_for("stats.edit_white_paper", roc_year=roc_year), code=303)
    return render_template("stats/white_paper_edit.html", form=form, roc_year=roc_year, paper=paper,
                           sections=white_paper.SECTIONS, years=white_paper.years_open(),
                           year_title=Period(roc_year).title, year_of=lambda year: Period(year).title,
                           history=white_paper.history(db.session, paper) if paper else []), \
        400 if form.errors or g.get("refused") else 200


@bp.route("/staff/stats/white-paper/<int:roc_year>/preview")
@policy.staff_only(Role.SUPERVISOR)
def preview_white_paper(roc_year):
    """The paper as it would read with the draft published."""
    if roc_year not in white_paper.years_open():
        abort(404)
    paper = white_paper.paper_for(db.session, roc_year)
    return _paper_page(roc_year, sections=paper.draft if paper else {}, paper=paper, preview=True)


def _published_paper(roc_year: int):
    paper = white_paper.paper_for(db.session, roc_year)
    if paper is None or not paper.is_published:
        abort(404)
    return paper


@bp.route("/statistics")
@policy.public
def statistics():
    """The transparency page: the published white papers and the latest one's headline figures."""
    papers = white_paper.published_papers(db.session)
    latest = papers[0] if papers else None
    page = render_template("stats/statistics.html", papers=papers, latest=latest,
                           period_title=lambda year: Period(year).title,
                           figures=white_paper.figures(db.session, latest.roc_year) if latest else [])
    return public_cacheable(make_response(page), max_age=300)


@bp.route("/statistics/white-paper/<int:roc_year>")
@policy.public
def white_paper_page(roc_year):
    paper = _published_paper(roc_year)
    page = _paper_page(roc_year, sections=paper.published, paper=paper)
    return public_cacheable(make_response(page), max_age=300)


@bp.route("/statistics/white-paper/<int:roc_year>.pdf")
@policy.public
@limiter.limit(PDF_PER_ADDRESS)
def white_paper_pdf(roc_year):
    """The published paper as a PDF in the reader's language (WeasyPrint), kept a while in the cache."""
    paper = _published_paper(roc_year)
    language = "zh" if is_chinese() else "en"
    key = f"white-paper-pdf:{roc_year}:{language}:{paper.published_at}:{rollups.figures_up_to(db.session)}"
    body = cache.get(key)
    if body is None:
        body = pdf.render(_paper_page(roc_year, sections=paper.published, paper=paper, pdf=True))
        cache.set(key, body, timeout=3600)
    response = make_response(body)
    response.mimetype = "application/pdf"
    response.headers["Content-Disposition"] = f"inline; filename=white-paper-{roc_year}-{language}.pdf"
    return public_cacheable(response, max_age=300)
