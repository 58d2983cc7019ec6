"""The KPI dashboard at scale: a history of BENCH_STATS_CASES cases (default 100,000; the issue's
figure is 1,000,000 on PostgreSQL) written in bulk, BENCH_USAGE_ROWS usage-day rows (PostgreSQL
only), the rollups counted from nothing, then one busy minute of new activity counted incrementally,
and the dashboard's figures and page for several filters (best of three each).

Run by `make bench` after the booking benchmark; alone with
`BENCH_DATABASE_URL=… .venv/bin/python bench/stats.py` on a database that `flask db upgrade` and
`flask seed` have prepared.
"""

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

#: 0 measures the history already in the database
CASES = int(os.environ.get("BENCH_STATS_CASES", "100000"))
USAGE_ROWS = int(os.environ.get("BENCH_USAGE_ROWS", "0"))
#: a busy minute: cases opened and moved across every mission
MINUTE_CASES = int(os.environ.get("BENCH_MINUTE_CASES", "300"))


def _timed(fn, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best


def _usage_rows(session, rows: int) -> None:
    """Synthetic usage: one row per day, event and service, spread over ten years (PostgreSQL)."""
    import sqlalchemy as sa

    services = max(1, rows // (3650 * 7))
    session.execute(sa.text(
        "INSERT INTO stats_usage_days (event, day, dimension, count) "
        "SELECT e, DATE '2017-01-01' + d, 'service' || s, 1 + (d * s) % 97 "
        "FROM unnest(ARRAY['view','start','complete','feed','calendar','api','verify']) AS e, "
        "generate_series(0, 3649) AS d, generate_series(1, :services) AS s ON CONFLICT DO NOTHING"),
        {"services": services})


def kpis_at_scale(app) -> None:
    import sqlalchemy as sa
    from flask_login import login_user

    from portal.accounts.models import User
    from portal.core.cases.models import Case, CaseEvent
    from portal.core.db import unit_of_work, utcnow
    from portal.core.roles import Role
    from portal.extensions import db
    from portal.missions.service import overseas_missions
    from portal.stats import kpis, rollups
    from portal.stats.demo import generate
    from portal.stats.models import MonthlyCount, MonthlyHistogram, RollupPosition
    from portal.stats.periods import roc_year_of
    from portal.stats.views import _filters

    with app.app_context():
        missions = [m.id for m in overseas_missions(db.session)]
        if CASES:  # 0: measure the history already in the database
            started = time.perf_counter()
            with unit_of_work() as session:
                written, events = generate(session, cases=CASES, mission_ids=missions)
            print(f"generated {written:,} cases and {events:,} events in {time.perf_counter() - started:.0f} s")
        with unit_of_work() as session:  # the rollups start from nothing (usage is folded apart: kept)
            session.execute(sa.delete(MonthlyCount).where(MonthlyCount.measure.not_like("usage_%")))
            session.execute(sa.delete(MonthlyHistogram))
            session.execute(sa.delete(RollupPosition).where(RollupPosition.source.in_(list(rollups.SOURCES))))
        if USAGE_ROWS and db.engine.dialect.name == "postgresql":
            started = time.perf_counter()
            with unit_of_work() as session:
                _usage_rows(session, USAGE_ROWS)
            count = db.session.scalar(sa.text("SELECT count(*) FROM stats_usage_days"))
            print(f"usage-day rows: {count:,} written in {time.perf_counter() - started:.0f} s")
        started = time.perf_counter()
        read = rollups.bring_up_to_date(db.session, settled=True)
        print(f"rollups counted from nothing: {read:,} rows in {time.perf_counter() - started:.1f} s")
        totals = db.session.execute(sa.select(sa.func.count(Case.id))).scalar(), \
            db.session.execute(sa.select(sa.func.count(CaseEvent.id))).scalar()
        print(f"in the database: {totals[0]:,} cases, {totals[1]:,} events")

        # One busy minute: new cases and their moves, then the worker's round.
        with unit_of_work() as session:
            _new, new_events = generate(session, cases=MINUTE_CASES, months=1, mission_ids=missions, seed=2)
        elapsed = _timed(lambda: rollups.bring_up_to_date(db.session, settled=True), repeat=1)
        print(f"a minute of activity ({MINUTE_CASES} cases, {new_events} events) counted in {elapsed * 1000:.0f} ms")
        elapsed = _timed(lambda: rollups.bring_up_to_date(db.session, settled=True))
        print(f"a round with nothing new: {elapsed * 1000:.1f} ms")

        supervisor = db.session.scalar(sa.select(User).where(User.role == Role.SUPERVISOR))
        year = roc_year_of(utcnow().date())
        queries = [("the year", f"year={year}"), ("a quarter", f"year={year}&quarter=1"),
                   ("a month", f"year={year}&month=3"), ("a region", f"year={year}&region=europe"),
                   ("a mission", f"year={year}&mission_id={missions[0]}"), ("a service", f"year={year}&kind=passport")]
        view = app.view_functions["stats.dashboard"]
        print(f"{'dashboard':12} {'figures':>10} {'page':>10}")
        for name, query in queries:
            with app.test_request_context(f"/staff/stats?{query}"):
                login_user(supervisor)
                chosen = _filters()[1]
                figures = _timed(lambda chosen=chosen: kpis.dashboard(db.session, chosen))
                page = _timed(view)
            print(f"{name:12} {figures * 1000:8.0f} ms {page * 1000:8.0f} ms")

if __name__ == "__main__":
    from portal import create_app

    kpis_at_scale(create_app())
