"""`flask --app wsgi stats refresh | demo`: bring the statistics up to date now, without waiting for
the worker; write a demonstration history of cases (for `make run` and the benchmarks)."""

import time

import click
from flask.cli import AppGroup

from portal.core.db import unit_of_work
from portal.extensions import db
from portal.stats import rollups, service

stats = AppGroup("stats", help="Usage statistics and the KPI rollups.")


@stats.command("refresh")
def refresh_command():
    """Fold waiting usage counts in and bring every rollup up to date."""
    click.echo(f"{service.maintenance(db.session)} source rows folded in")


@stats.command("demo")
@click.option("--cases", default=2000, show_default=True, help="How many cases to write.")
@click.option("--months", default=15, show_default=True, help="Over how many months, up to today.")
def demo_command(cases, months):
    """Write a demonstration history of cases and their events at the overseas missions (bulk SQL),
    then count it into the rollups."""
    from portal.missions.service import overseas_missions
    from portal.stats.demo import generate

    started = time.perf_counter()
    with unit_of_work() as session:
        written, events = generate(session, cases=cases, months=months, context=True,
                                   mission_ids=[m.id for m in overseas_missions(session)])
    click.echo(f"{written} cases and {events} events written in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    read = rollups.bring_up_to_date(db.session, settled=True)
    click.echo(f"{read} rows counted into the rollups in {time.perf_counter() - started:.1f} s")


commands = [stats]
