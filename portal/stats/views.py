"""The KPI dashboard for supervisors, with every table as CSV and all of them as one workbook."""

from flask import Blueprint, abort, render_template, request

from portal.advisories.regions import REGION_CHOICES
from portal.core import policy
from portal.core.cases.registry import all_kinds
from portal.core.export import csv_download, csv_text, xlsx_bytes, xlsx_download
from portal.core.forms import choices
from portal.core.i18n import _, is_chinese
from portal.core.roles import Role
from portal.core.text import is_digits
from portal.core.workdays import taipei_today
from portal.extensions import db
from portal.missions.service import mission_choices
from portal.stats import kpis, rollups, usage
from portal.stats.forms import DashboardFilterForm
from portal.stats.periods import Period, roc_year_of

bp = Blueprint("stats", __name__)
bp.after_app_request(usage.after_request)

#: how many ROC years back the year filter offers
YEARS_SHOWN = 6


def _number(value: str | None, low: int, high: int) -> int | None:
    return int(value) if value and is_digits(value) and low <= int(value) <= high else None


def _filters() -> tuple[DashboardFilterForm, kpis.Filters]:
    """The form as the supervisor filled it, and the filters it means (anything unknown left out)."""
    form = DashboardFilterForm(request.args)
    this_year = roc_year_of(taipei_today())
    years = list(range(this_year, this_year - YEARS_SHOWN, -1))
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
    year = _number(form.year.data, years[-1], years[0]) or this_year
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
