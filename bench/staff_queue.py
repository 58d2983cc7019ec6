"""The staff queue at scale (PostgreSQL): BENCH_QUEUE_CASES cases (default 1,000,000) written by one
INSERT … SELECT over generate_series, BENCH_QUEUE_OPEN_SHARE of them open (default 5 %), across every
kind, open status and overseas mission; then EXPLAIN ANALYZE of the queue's page query, as a
supervisor, for every view (all, a mission, a kind, a kind's status, a mission's kind, a mission's
kind's status), on the first page and on page 500 (or the view's last page; cursor from the row before), best of three.

Run by `make bench`; alone with `BENCH_DATABASE_URL=postgresql://… .venv/bin/python bench/staff_queue.py`
on a database that `flask db upgrade` and `flask seed` have prepared (its cases are replaced).
"""

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CASES = int(os.environ.get("BENCH_QUEUE_CASES", "1000000"))
OPEN_SHARE = float(os.environ.get("BENCH_QUEUE_OPEN_SHARE", "0.05"))
DEEP_PAGE = 500


def _generate(session, cases: int) -> None:
    """Replace every case with `cases` generated ones: kinds and statuses from the registered workflows."""
    import sqlalchemy as sa

    from portal.core.cases.registry import all_kinds
    from portal.missions.service import overseas_missions

    pairs = [(k.workflow.kind, s.name, s.is_closed) for k in all_kinds() for s in k.workflow.statuses
             if s.name not in k.workflow.hidden_statuses]
    open_pairs = [(kind, name) for kind, name, closed in pairs if not closed]
    closed_pairs = [(kind, name) for kind, name, closed in pairs if closed]
    missions = [m.id for m in overseas_missions(session)]
    session.execute(sa.text("TRUNCATE cases CASCADE"))
    session.execute(sa.text("""
        INSERT INTO cases (kind, reference, status, summary, priority, mission_id, submitted_at, due_at, closed_at,
                           version)
        SELECT pair[1], 'BQ-' || lpad(n::text, 12, '0'), pair[2], 'Benchmark case', p, m,
               t, t + interval '7 days', CASE WHEN is_open THEN NULL ELSE t + interval '5 days' END, 1
        FROM (SELECT n, (n % 10000) < :open_per_10000 AS is_open,
                     CASE WHEN n % 97 = 0 THEN 100 ELSE (n % 3) END AS p,
                     (CAST(:missions AS integer[]))[1 + n % :mission_count] AS m,
                     timestamptz '2020-01-01 00:00+00' + (n * interval '3 minutes') AS t
              FROM generate_series(1, :cases) AS n) AS g,
             LATERAL (SELECT CASE WHEN g.is_open THEN (CAST(:open_pairs AS text[]))[1 + g.n % :open_count]
                                  ELSE (CAST(:closed_pairs AS text[]))[1 + g.n % :closed_count] END) AS chosen(flat),
             LATERAL (SELECT string_to_array(chosen.flat, '|')) AS split(pair)
    """), {"cases": cases, "open_per_10000": int(OPEN_SHARE * 10000), "missions": missions,
           "open_pairs": [f"{k}|{s}" for k, s in open_pairs], "closed_pairs": [f"{k}|{s}" for k, s in closed_pairs],
           "mission_count": len(missions), "open_count": len(open_pairs), "closed_count": len(closed_pairs)})


def explain_ms(session, query) -> float:
    """Execution time in ms of the query as PostgreSQL runs it (EXPLAIN ANALYZE), best of three."""
    compiled = query.compile(dialect=session.get_bind().dialect, compile_kwargs={"render_postcompile": True})
    connection = session.connection()
    best = float("inf")
    for _ in range(3):
        plan = connection.exec_driver_sql("EXPLAIN (ANALYZE, FORMAT JSON) " + str(compiled), compiled.params)
        best = min(best, _execution_ms(plan))
    return best


def _execution_ms(result) -> float:
    value = result.scalar()
    document = json.loads(value) if isinstance(value, str) else value
    return float(document[0]["Execution Time"])


def queue_at_scale(app) -> None:
    import sqlalchemy as sa

    from portal.accounts.models import User
    from portal.core.cases.models import Case
    from portal.core.db import unit_of_work
    from portal.core.roles import Role
    from portal.extensions import db
    from portal.staff.queries import PAGE_SIZE, QueueFilter, encode_cursor, page_query

    with app.test_request_context():
        if db.engine.dialect.name != "postgresql":
            print("queue benchmark: skipped (needs PostgreSQL: BENCH_DATABASE_URL=postgresql://…)")
            return
        if CASES:
            import time

            started = time.perf_counter()
            with unit_of_work() as session:
                _generate(session, CASES)
            # as autovacuum would, after such a load: statistics, and the visibility map for index-only counts
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(sa.text("VACUUM ANALYZE cases"))
            print(f"queue: {CASES:,} cases generated in {time.perf_counter() - started:.1f} s")
        session = db.session
        supervisor = User(id=0, email="bench@example.tw", name="Bench", role=Role.SUPERVISOR)
        opened = session.scalar(sa.select(sa.func.count()).select_from(Case).where(Case.closed_at.is_(None)))
        sample = session.execute(sa.select(Case.mission_id, Case.kind, Case.status)
                                 .where(Case.closed_at.is_(None)).limit(1)).one()
        views = {"all": QueueFilter(), "mission": QueueFilter(mission_id=sample.mission_id),
                 "kind": QueueFilter(kind=sample.kind),
                 "kind + status": QueueFilter(status_kind=sample.kind, status=sample.status),
                 "mission + kind": QueueFilter(mission_id=sample.mission_id, kind=sample.kind),
                 "mission + kind + status": QueueFilter(mission_id=sample.mission_id, status_kind=sample.kind,
                                                        status=sample.status)}
        print(f"queue page query, {opened:,} open cases (EXPLAIN ANALYZE, ms; goal under 5):")
        for name, filters in views.items():
            first = explain_ms(session, page_query(supervisor, filters))
            matching = session.scalar(sa.select(sa.func.count()).select_from(
                page_query(supervisor, filters).limit(None).order_by(None).subquery()))
            deep_page = max(2, min(DEEP_PAGE, -(-matching // PAGE_SIZE)))  # page 500, or the last there is
            before = session.scalars(page_query(supervisor, filters).limit(None)
                                     .offset(PAGE_SIZE * (deep_page - 1) - 1).limit(1)).first()
            deep = explain_ms(session, page_query(supervisor, filters, after=encode_cursor(before)))
            print(f"  {name:24} {matching:7,} open   page 1 {first:5.2f}   page {deep_page:3} {deep:5.2f}")
        session.rollback()


if __name__ == "__main__":
    from portal import create_app

    if os.environ.get("BENCH_DATABASE_URL"):
        os.environ["PORTAL_DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
    queue_at_scale(create_app())
