"""The consular KPIs, read from the monthly rollups (never from cases or events), with their targets,
the period before, and per-mission benchmarking; every table suppressed before anyone sees it."""

from collections import defaultdict
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app

from portal.advisories.regions import COUNTRY_REGION, REGIONS
from portal.core.cases.registry import all_kinds
from portal.core.cases.service import sla_days
from portal.core.db import DbSession
from portal.core.i18n import _, format_decimal, format_month, is_chinese
from portal.feedback.models import Outcome
from portal.feedback.workflow import MAILBOX
from portal.missions.service import HEADQUARTERS_CODE, list_missions
from portal.mobile.service import service_days_held
from portal.stats import rollups, usage
from portal.stats.disclosure import too_few
from portal.stats.models import MonthlyCount, MonthlyHistogram
from portal.stats.periods import Period
from portal.stats.tables import Bar, Cell, Chart, Table, count_cell, heading, share_cell, value_cell
from portal.surveys import service as surveys


@dataclass(frozen=True)
class Filters:
    period: Period
    region: str = ""
    mission_id: int | None = None
    kind: str = ""


@dataclass
class Headline:
    """One KPI as a sentence would give it: now, the period before, and the target."""

    title: str
    value: Cell
    previous: Cell
    target: str = ""
    met: bool | None = None
    #: the target as a number (per cent)
    aim: float | None = None


@dataclass
class Section:
    key: str
    title: str
    headlines: list[Headline]
    charts: list[Chart]
    tables: list[Table]
    note: str = ""


# --- targets ---------------------------------------------------------------------------------------

def coverage_target(roc_year: int) -> float | None:
    """The coverage target for a year: the latest the plan set for that year or before it."""
    steps = sorted((int(year), float(target)) for year, target in current_app.config["STATS_TARGETS"]["mobile_coverage"])
    set_by = [target for year, target in steps if year <= roc_year]
    return set_by[-1] if set_by else (steps[0][1] if steps else None)


def _percent(value: float) -> str:
    return f"{value:.0f} %"


def _target_text(aim: float | None) -> str:
    return _("target %(target)s", target=_percent(aim)) if aim is not None else ""


def target(name: str) -> float | None:
    value = current_app.config["STATS_TARGETS"].get(name)
    return float(value) if value is not None else None


# --- reading the rollups -------------------------------------------------------------------------

def _counts(session: DbSession, months: list[str]) -> dict[tuple[str, str, int], int]:
    """(measure, kind, mission) → the sum over the months."""
    rows = session.execute(
        sa.select(MonthlyCount.measure, MonthlyCount.kind, MonthlyCount.mission_id, sa.func.sum(MonthlyCount.count))
        .where(MonthlyCount.month.in_(months))
        .group_by(MonthlyCount.measure, MonthlyCount.kind, MonthlyCount.mission_id))
    return {(measure, kind, mission_id): int(total) for measure, kind, mission_id, total in rows}


#: the case measures followed month by month
TREND_MEASURES = (rollups.RECEIVED, rollups.DECIDED, rollups.IN_TIME)


def _monthly(session: DbSession, months: list[str]) -> dict[tuple[str, str, int, str], int]:
    """(measure, kind, mission, month) → count, for the case measures of a trend."""
    rows = session.execute(
        sa.select(MonthlyCount.measure, MonthlyCount.kind, MonthlyCount.mission_id, MonthlyCount.month,
                  MonthlyCount.count)
        .where(MonthlyCount.month.in_(months), MonthlyCount.measure.in_(TREND_MEASURES)))
    return {(measure, kind, mission_id, month): int(n) for measure, kind, mission_id, month, n in rows}


def _histograms(session: DbSession, months: list[str]) -> dict[tuple[str, str, int], dict[int, int]]:
    """(measure, kind, mission) → value → how many, over the months."""
    found: dict[tuple[str, str, int], dict[int, int]] = defaultdict(dict)
    for measure, kind, mission_id, value, total in session.execute(
            sa.select(MonthlyHistogram.measure, MonthlyHistogram.kind, MonthlyHistogram.mission_id,
                      MonthlyHistogram.value, sa.func.sum(MonthlyHistogram.count))
            .where(MonthlyHistogram.month.in_(months))
            .group_by(MonthlyHistogram.measure, MonthlyHistogram.kind, MonthlyHistogram.mission_id,
                      MonthlyHistogram.value)):
        found[(measure, kind, mission_id)][value] = int(total)
    return found


def percentile(histogram: dict[int, int], share: float) -> float | None:
    """The value at or below which `share` of the counted cases fall (nearest rank)."""
    total = sum(histogram.values())
    if not total:
        return None
    rank, seen = max(1, -(-int(share * total * 1000) // 1000)), 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen >= rank:
            return value
    return None


def _merge(histograms) -> dict[int, int]:
    merged: dict[int, int] = defaultdict(int)
    for histogram in histograms:
        for value, n in histogram.items():
            merged[value] += n
    return merged


class Figures:
    """The rollups of one period, summed over the missions the filters leave."""

    def __init__(self, session: DbSession, period: Period, mission_ids: set[int]):
        self.mission_ids = mission_ids
        self.months = period.months
        self.counts = _counts(session, period.months)
        self.histograms = _histograms(session, period.months)
        self.monthly = _monthly(session, period.months)

    def in_month(self, month: str, measure: str, kind: str | None = None) -> int:
        return sum(n for (m, k, mission, when), n in self.monthly.items()
                   if when == month and m == measure and (kind is None or k == kind) and mission in self.mission_ids)

    def count(self, measure: str, kind: str | None = None, mission_id: int | None = None) -> int:
        return sum(n for (m, k, mission), n in self.counts.items()
                   if m == measure and (kind is None or k == kind)
                   and (mission in self.mission_ids if mission_id is None else mission == mission_id))

    def unplaced(self, measure: str, kind: str | None = None) -> int:
        """A figure that belongs to no mission (usage, public checks)."""
        return sum(n for (m, k, _mission), n in self.counts.items() if m == measure and (kind is None or k == kind))

    def histogram(self, measure: str, kind: str | None = None, mission_id: int | None = None) -> dict[int, int]:
        return _merge(h for (m, k, mission), h in self.histograms.items()
                      if m == measure and (kind is None or k == kind)
                      and (mission in self.mission_ids if mission_id is None else mission == mission_id))


# --- the dashboard ------------------------------------------------------------------------------

def _kind_titles() -> dict[str, str]:
    return {k.workflow.kind: str(k.workflow.title) for k in all_kinds()}


def mission_scope(session: DbSession, filters: Filters):
    """The missions the filters leave, and every overseas mission in the region (the coverage base)."""
    missions = list_missions(session)
    overseas = [m for m in missions if m.code != HEADQUARTERS_CODE]
    if filters.region:
        overseas = [m for m in overseas if COUNTRY_REGION.get(m.country_code) == filters.region]
    if filters.mission_id:
        chosen = [m for m in missions if m.id == filters.mission_id]
        return chosen, [m for m in overseas if m.id == filters.mission_id]
    return (overseas if filters.region else missions), overseas


def coverage_section(session: DbSession, filters: Filters, now: Figures, before: Figures, chinese: bool) -> Section:
    period = filters.period
    _scope, overseas = mission_scope(session, filters)
    held_now = service_days_held(session, first=period.first_day, before=period.end)
    previous = period.previous
    held_before = service_days_held(session, first=previous.first_day, before=previous.end)
    ids = {m.id for m in overseas}

    def coverage(held) -> tuple[int, float | None]:
        running = len(ids & set(held))
        return running, (100 * running / len(ids) if ids else None)

    running, share = coverage(held_now)
    _before_running, share_before = coverage(held_before)
    aim = coverage_target(period.roc_year)
    headline = Headline(
        _("Missions that held a mobile service day"),
        Cell("–") if share is None else Cell(f"{share:.0f} %", round(share, 1)),
        Cell("–") if share_before is None else Cell(f"{share_before:.0f} %", round(share_before, 1)),
        target=_target_text(aim), aim=aim,
        met=None if share is None or aim is None else share >= aim)
    regions = []
    for key, (title, _codes) in REGIONS.items():
        members = [m for m in overseas if COUNTRY_REGION.get(m.country_code) == key]
        if members:
            ran = sum(1 for m in members if m.id in held_now)
            regions.append((str(title), len(members), ran))
    table = Table("coverage", _("Mobile consular service coverage by region"),
                  [_("Region"), _("Overseas missions"), _("Missions that held a service day"), _("Coverage")],
                  [[heading(title), count_cell(total), count_cell(ran), share_cell(ran, total, of_people=False)]
                   for title, total, ran in regions],
                  total=[heading(_("Every region")), count_cell(len(ids)), count_cell(running),
                         share_cell(running, len(ids), of_people=False)])
    booked = {m.id: (now.count(rollups.BOOKINGS, None, m.id), before.count(rollups.BOOKINGS, None, m.id))
              for m in overseas}
    by_mission = Table("coverage_missions", _("Mobile service days held and bookings made, by mission"),
                       [_("Mission"), _("Service days held"), _("The period before"), _("Bookings made"),
                        _("The period before")],
                       [[heading(m.name(chinese)), count_cell(held_now.get(m.id, 0)), count_cell(held_before.get(m.id, 0)),
                         count_cell(booked[m.id][0]), count_cell(booked[m.id][1])]
                        for m in overseas if held_now.get(m.id) or held_before.get(m.id) or any(booked[m.id])])
    chart = Chart("coverage-chart", _("Coverage by region, against the target"),
                  _("%(running)d of %(total)d overseas missions held at least one mobile service day: %(share)s.",
                    running=running, total=len(ids), share=headline.value.text)
                  + (" " + _("The target is %(target)s.", target=_percent(aim)) if aim is not None else ""),
                  [Bar(title, 100 * ran / total, f"{100 * ran / total:.0f} %") for title, total, ran in regions],
                  target=aim, target_text=_target_text(aim),
                  unit="%")
    return Section("coverage", _("Mobile consular service coverage"), [headline], [chart], [table, by_mission],
                   note=_("Share of overseas missions that held at least one mobile consular service day in the "
                          "period (counter days at the mission do not count). The plan's target was 30 %, rising to 45 %."))


def _case_row(figures: Figures, kind: str | None, mission_id: int | None) -> list[Cell]:
    decided = figures.count(rollups.DECIDED, kind, mission_id)
    in_time = figures.count(rollups.IN_TIME, kind, mission_id)
    days = figures.histogram(rollups.PROCESSING_DAYS, kind, mission_id)
    n = sum(days.values())
    return [count_cell(figures.count(rollups.RECEIVED, kind, mission_id)), count_cell(decided),
            share_cell(in_time, decided), value_cell(percentile(days, 0.5), n), value_cell(percentile(days, 0.9), n)]


def processing_section(session: DbSession, filters: Filters, now: Figures, before: Figures, chinese: bool,
                       scope) -> Section:
    titles = _kind_titles()
    kinds = [filters.kind] if filters.kind else sorted(titles)
    head = [_("Service"), _("Received"), _("Decided"), _("Decided within the service level"),
            _("Median working days"), _("90th percentile, working days"), _("Service level, working days")]
    rows = []
    for kind in kinds:
        workflow = next(k.workflow for k in all_kinds() if k.workflow.kind == kind)
        rows.append([heading(titles[kind]), *_case_row(now, kind, None), count_cell(sla_days(workflow))])
    by_kind = Table("processing", _("Volumes and processing times, by service"), head, rows)
    by_kind.suppress([2], {2: [3, 4, 5]})
    decided = now.count(rollups.DECIDED, filters.kind or None)
    in_time = now.count(rollups.IN_TIME, filters.kind or None)
    decided_before = before.count(rollups.DECIDED, filters.kind or None)
    in_time_before = before.count(rollups.IN_TIME, filters.kind or None)
    aim = target("within_service_level")
    share_now, share_before = share_cell(in_time, decided), share_cell(in_time_before, decided_before)
    headline = Headline(_("Decided within the service level"), share_now, share_before,
                        target=_target_text(aim), aim=aim,
                        met=None if share_now.number is None or aim is None else share_now.number >= aim)
    mission_rows = []
    for mission in scope:
        row = _case_row(now, filters.kind or None, mission.id)
        if row[0].number or row[1].number:
            mission_rows.append([heading(mission.name(chinese)), *row])
    missions_table = Table(
        "processing_missions", _("Volumes and processing times, by mission"), [_("Mission"), *head[1:6]], mission_rows,
        total=[heading(_("Every mission")), *_case_row(now, filters.kind or None, None)])
    missions_table.suppress([1, 2], {2: [3, 4, 5]})
    bars = [Bar(row[0].text, row[3].number, row[3].text) for row in by_kind.rows if row[3].number is not None]
    chart = Chart("processing-chart", _("Share decided within the service level, by service"),
                  _("%(in_time)s of %(decided)s cases decided in the period were decided within their service level.",
                    in_time=format_decimal(in_time), decided=format_decimal(decided))
                  if decided and not too_few(decided) else _("Too few cases were decided in the period to show."),
                  bars, target=aim, target_text=_target_text(aim),
                  unit="%")
    chosen = filters.kind or None
    trend = Table("processing_months", _("Cases by month"),
                  [_("Month"), _("Received"), _("Decided"), _("Decided within the service level")],
                  [[heading(format_month(month)), count_cell(now.in_month(month, rollups.RECEIVED, chosen)),
                    count_cell(now.in_month(month, rollups.DECIDED, chosen)),
                    share_cell(now.in_month(month, rollups.IN_TIME, chosen), now.in_month(month, rollups.DECIDED, chosen))]
                   for month in now.months],
                  total=[heading(_("The whole period")), count_cell(now.count(rollups.RECEIVED, chosen)),
                         count_cell(decided), share_cell(in_time, decided)])
    trend.suppress([1, 2], {2: [3]})
    busiest = max((row[1].number or 0 for row in trend.rows), default=0)
    trend_chart = Chart("processing-trend", _("Cases received, by month"),
                        _("%(received)s cases were received in the period.",
                          received=format_decimal(now.count(rollups.RECEIVED, chosen))),
                        [Bar(row[0].text, row[1].number, row[1].text) for row in trend.rows if row[1].number is not None],
                        scale=float(busiest) or 1.0)
    return Section("processing", _("Volumes and processing times"), [headline], [chart, trend_chart],
                   [by_kind, trend, missions_table],
                   note=_("Working days from submission to the decision (time waiting on the applicant included); "
                          "“within the service level” counts decisions by their due date, which waiting on the "
                          "applicant moves on."))


def satisfaction_section(session: DbSession, filters: Filters, chinese: bool, scope) -> Section:
    titles = _kind_titles()
    mission_ids = [m.id for m in scope]

    def totals(period: Period) -> dict[str, surveys.Cell]:
        summed: dict[str, surveys.Cell] = {}
        for result in surveys.results(session, months=period.months, mission_ids=mission_ids):
            if filters.kind and result.service != filters.kind:
                continue
            cell = summed.setdefault(result.service, surveys.Cell())
            for part in result.cells.values():
                cell.add(part)
        return summed

    now, before = totals(filters.period), totals(filters.period.previous)
    everything_now, everything_before = surveys.Cell(), surveys.Cell()
    for cell in now.values():
        everything_now.add(cell)
    for cell in before.values():
        everything_before.add(cell)

    def csat_cell(cell: surveys.Cell) -> Cell:
        satisfied = sum(c for points, c in cell.levels.items() if points >= 4)
        return share_cell(satisfied, cell.n)

    aim = target("satisfaction")
    headline_cell = csat_cell(everything_now)
    headline = Headline(_("Satisfied or very satisfied"), headline_cell, csat_cell(everything_before),
                        target=_target_text(aim), aim=aim,
                        met=None if headline_cell.number is None or aim is None else headline_cell.number >= aim)
    head = [_("Service"), _("Answers"), _("Satisfied or very satisfied"), _("The period before")]
    rows = [[heading(titles.get(service, service)), count_cell(cell.n), csat_cell(cell),
             csat_cell(before.get(service, surveys.Cell()))] for service, cell in sorted(now.items())]
    by_service = Table("satisfaction", _("Satisfaction, by service"), head, rows,
                       total=[heading(_("Every service")), count_cell(everything_now.n), headline_cell,
                              csat_cell(everything_before)])
    by_service.suppress([1], {1: [2]})
    per_mission: dict[int, surveys.Cell] = defaultdict(surveys.Cell)
    for result in surveys.results(session, months=filters.period.months, mission_ids=mission_ids):
        if not filters.kind or result.service == filters.kind:
            for (mission_id, _month), part in result.cells.items():
                per_mission[mission_id].add(part)
    missions_table = Table("satisfaction_missions", _("Satisfaction, by mission"), [_("Mission"), *head[1:3]],
                           [[heading(m.name(chinese)), count_cell(per_mission[m.id].n), csat_cell(per_mission[m.id])]
                            for m in scope if m.id in per_mission],
                           total=[heading(_("Every mission")), count_cell(everything_now.n), headline_cell])
    missions_table.suppress([1], {1: [2]})
    bars = [Bar(row[0].text, row[2].number, row[2].text) for row in by_service.rows if row[2].number is not None]
    chart = Chart("satisfaction-chart", _("Satisfied or very satisfied, by service"),
                  _("%(share)s of %(answers)s answers were satisfied or very satisfied.",
                    share=headline_cell.text, answers=format_decimal(everything_now.n))
                  if headline_cell.number is not None else _("Too few answers in the period to show."),
                  bars, target=aim, target_text=_target_text(aim),
                  unit="%")
    return Section("satisfaction", _("Satisfaction (CSAT)"), [headline], [chart], [by_service, missions_table],
                   note=_("Answers to the overall question of the survey sent when a service was completed."))


def mailbox_section(filters: Filters, now: Figures, before: Figures) -> Section:
    def rows_of(figures: Figures) -> list[Cell]:
        received = figures.count(rollups.RECEIVED, MAILBOX)
        decided = figures.count(rollups.DECIDED, MAILBOX)
        days = figures.histogram(rollups.PROCESSING_DAYS, MAILBOX)
        calls = figures.count(rollups.HOTLINE_CALLS)
        on_phone = figures.count(rollups.HOTLINE_CALLS, str(Outcome.ANSWERED))
        return [count_cell(received), count_cell(decided), share_cell(figures.count(rollups.IN_TIME, MAILBOX), decided),
                value_cell(percentile(days, 0.5), sum(days.values())), count_cell(calls), share_cell(on_phone, calls)]

    labels = [_("Mailbox messages received"), _("Mailbox messages answered"), _("Answered within the service level"),
              _("Median working days to answer"), _("Hotline calls logged"), _("Hotline calls answered on the phone")]
    current, previous = rows_of(now), rows_of(before)
    table = Table("mailbox_hotline", _("Director-General's mailbox and complaint hotline"),
                  [_("Figure"), _("This period"), _("The period before")],
                  [[heading(label), a, b] for label, a, b in zip(labels, current, previous, strict=True)])
    outcomes = Table("hotline_outcomes", _("Hotline calls by outcome"), [_("Outcome"), _("This period"), _("The period before")],
                     [[heading(outcome.title), count_cell(now.count(rollups.HOTLINE_CALLS, str(outcome))),
                       count_cell(before.count(rollups.HOTLINE_CALLS, str(outcome)))] for outcome in Outcome])
    aim = target("within_service_level")
    headline = Headline(_("Mailbox messages answered within the service level"), current[2], previous[2],
                        target=_target_text(aim), aim=aim,
                        met=None if current[2].number is None or aim is None else current[2].number >= aim)
    return Section("mailbox", _("Mailbox and hotline"), [headline], [], [table, outcomes])


def emergency_section(filters: Filters, now: Figures, before: Figures, chinese: bool, scope) -> Section:
    from portal.assistance.workflow import ASSISTANCE

    def minutes(figures: Figures, mission_id=None) -> tuple[Cell, Cell, int]:
        histogram = figures.histogram(rollups.FIRST_CONTACT_MINUTES, ASSISTANCE, mission_id)
        n = sum(histogram.values())
        return (value_cell(percentile(histogram, 0.5), n, " " + _("min")),
                value_cell(percentile(histogram, 0.9), n, " " + _("min")), n)

    median_now, p90_now, n_now = minutes(now)
    median_before, _p90, _n = minutes(before)
    headline = Headline(_("Median time to first contact"), median_now, median_before)
    head = [_("Mission"), _("Reports received"), _("Contacted"), _("Median time to first contact"),
            _("90th percentile")]
    rows = []
    for mission in scope:
        received = now.count(rollups.RECEIVED, ASSISTANCE, mission.id)
        median, p90, n = minutes(now, mission.id)
        if received or n:
            rows.append([heading(mission.name(chinese)), count_cell(received), count_cell(n), median, p90])
    table = Table("emergency", _("Emergency assistance, by mission"), head, rows,
                  total=[heading(_("Every mission")), count_cell(now.count(rollups.RECEIVED, ASSISTANCE)),
                         count_cell(n_now), median_now, p90_now])
    table.suppress([1, 2], {2: [3, 4]})
    return Section("emergency", _("Emergency assistance"), [headline], [], [table],
                   note=_("Minutes from the report to the first contact an officer recorded."))


def completion_section(now: Figures, before: Figures) -> Section:
    titles = {**_kind_titles(), "travel_registration": _("Overseas travel registration"),
              "mobile": _("Mobile service day booking")}
    rows, bars = [], []
    for journey in usage.JOURNEYS:
        started = now.unplaced(f"usage_{usage.START}", journey)
        done = now.unplaced(f"usage_{usage.COMPLETE}", journey)
        share = share_cell(min(done, started), started)
        rows.append([heading(titles.get(journey, journey)), count_cell(started), count_cell(done), share])
        if share.number is not None:
            bars.append(Bar(titles.get(journey, journey), share.number, share.text))
    started = sum(now.unplaced(f"usage_{usage.START}", j) for j in usage.JOURNEYS)
    done = sum(now.unplaced(f"usage_{usage.COMPLETE}", j) for j in usage.JOURNEYS)
    started_before = sum(before.unplaced(f"usage_{usage.START}", j) for j in usage.JOURNEYS)
    done_before = sum(before.unplaced(f"usage_{usage.COMPLETE}", j) for j in usage.JOURNEYS)
    overall = share_cell(min(done, started), started)
    table = Table("completion", _("Digital completion, by journey"),
                  [_("Journey"), _("Started"), _("Completed"), _("Completion rate")], rows,
                  total=[heading(_("Every journey")), count_cell(started), count_cell(done), overall])
    chart = Chart("completion-chart", _("Completion rate, by journey"),
                  _("%(done)s of %(started)s online journeys begun in the period were completed.",
                    done=format_decimal(done), started=format_decimal(started)) if started
                  else _("No online journey was begun in the period."), bars, unit="%")
    headline = Headline(_("Online journeys completed"), overall, share_cell(min(done_before, started_before),
                                                                           started_before))
    return Section("completion", _("Digital completion"), [headline], [chart], [table],
                   note=_("Journeys completed ÷ journeys started: a start is the first page of the form shown, a "
                          "completion the case, booking or registration made. Counted without knowing who."))


def usage_section(now: Figures, before: Figures) -> Section:
    names = {"home": _("Home page"), "missions": _("Missions"), "advisories": _("Travel advice"),
             "passport": _("Passports"), "document": _("Document authentication"), "verify": _("Verification page"),
             "mobile": _("Mobile consular services"), "assistance": _("Emergency assistance"),
             "cap": _("CAP alerts"), "openapi": _("API description"), "statistics": _("Statistics"),
             "visa": _("Visas")}
    events = {usage.VIEW: _("Page views"), usage.FEED: _("Feed reads"), usage.CALENDAR: _("Calendar reads"),
              usage.API: _("API reads"), usage.VERIFY: _("Verification code look-ups")}
    rows = []
    for event, event_title in events.items():
        services = sorted({k for (m, k, _mission) in now.counts if m == f"usage_{event}"}
                          | {k for (m, k, _mission) in before.counts if m == f"usage_{event}"})
        for service in services:
            rows.append([heading(f"{event_title}: {names.get(service, service)}"),
                         count_cell(now.unplaced(f"usage_{event}", service)),
                         count_cell(before.unplaced(f"usage_{event}", service))])
    table = Table("usage", _("Use of the public services"), [_("Use"), _("This period"), _("The period before")], rows)
    from portal.documents.models import CheckResult

    results = {CheckResult.VALID: _("Valid"), CheckResult.REVOKED: _("Revoked"), CheckResult.NOT_FOUND: _("Not found"),
               CheckResult.TYPO: _("Mistyped (caught by the check character)"), CheckResult.MALFORMED: _("Not a code")}
    checks = Table("verifications", _("Verifications of authentications, by result"),
                   [_("Result"), _("This period"), _("The period before")],
                   [[heading(title), count_cell(now.unplaced(rollups.VERIFICATIONS, str(result))),
                     count_cell(before.unplaced(rollups.VERIFICATIONS, str(result)))] for result, title in results.items()],
                   total=[heading(_("Every check")), count_cell(now.unplaced(rollups.VERIFICATIONS)),
                          count_cell(before.unplaced(rollups.VERIFICATIONS))])
    headline = Headline(_("Verification checks"), count_cell(now.unplaced(rollups.VERIFICATIONS)),
                        count_cell(before.unplaced(rollups.VERIFICATIONS)))
    return Section("usage", _("Use of the public services"), [headline], [], [table, checks])


def dashboard(session: DbSession, filters: Filters) -> list[Section]:
    chinese = is_chinese()
    scope, _overseas = mission_scope(session, filters)
    ids = {m.id for m in scope}
    now, before = Figures(session, filters.period, ids), Figures(session, filters.period.previous, ids)
    return [coverage_section(session, filters, now, before, chinese),
            satisfaction_section(session, filters, chinese, scope),
            processing_section(session, filters, now, before, chinese, scope),
            mailbox_section(filters, now, before),
            emergency_section(filters, now, before, chinese, scope),
            completion_section(now, before),
            usage_section(now, before)]


def every_table(sections: list[Section]) -> dict[str, Table]:
    return {table.key: table for section in sections for table in section.tables}
