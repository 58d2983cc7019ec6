"""Command-line tools: `flask --app wsgi seed | users create | worker | translate | demo scale | documents …`."""

import signal
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from portal.core.db import alone, unit_of_work
from portal.core.refusal import Refused
from portal.extensions import db

ROOT = Path(__file__).resolve().parent.parent


@click.command("seed")
@with_appcontext
def seed_command():
    """Load countries, missions and the headquarters; in development also the demo accounts and cases."""
    from portal.demo import load_demo_accounts
    from portal.missions.service import load_countries, load_headquarters, load_missions

    with unit_of_work() as session:
        countries = load_countries(session)
        missions = load_missions(session) + load_headquarters(session)
        accounts = load_demo_accounts(session) if current_app.config["LOAD_DEMO_ACCOUNTS"] else 0
    if accounts:
        from portal.missions.service import overseas_missions
        from portal.stats.demo import generate
        from portal.stats.rollups import bring_up_to_date

        with unit_of_work() as session:  # a year and a quarter of cases, for the KPI dashboard
            generate(session, cases=1500, context=True, mission_ids=[m.id for m in overseas_missions(session)])
        bring_up_to_date(db.session, settled=True)
    click.echo(f"{countries} countries, {missions} missions, {accounts} demo accounts added.")


users = AppGroup("users", help="Manage staff accounts.")


@users.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", type=click.Choice(["staff", "supervisor", "admin"]), required=True)
@click.option("--mission", "mission_code", help="Mission code, e.g. tokyo (required for staff).")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def create_user(email, name, role, mission_code, password):
    """Create a staff, supervisor or admin account."""
    import sqlalchemy as sa

    from portal.accounts import service
    from portal.core.roles import Role
    from portal.missions.models import Mission

    with unit_of_work() as session:
        mission_id = None
        if mission_code:
            mission = session.scalar(sa.select(Mission).where(Mission.code == mission_code))
            if mission is None:
                raise click.ClickException(f"No mission with code {mission_code!r}.")
            mission_id = mission.id
        try:
            user = service.create_staff(session, name=name, email=email, role=Role(role), mission_id=mission_id,
                                        password=password)
        except Refused as error:
            raise click.ClickException(str(error.message)) from None
    click.echo(f"Created {user.role.value} {user.email}. A second factor is set up at first sign-in.")


def maintenance_round(session) -> dict:
    """One round of background work: scheduled publishing, mailbox time limits, erasure and usage
    rollups (by one worker at a time), then queued jobs (shared by every worker). Commits."""
    from portal.accounts.service import erase_unconfirmed_accounts
    from portal.advisories.alerts import erase_unconfirmed as erase_unconfirmed_subscriptions
    from portal.advisories.service import publish_due
    from portal.advisories.travel import erase_expired
    from portal.core.jobs import give_up_on_abandoned as give_up_on_abandoned_jobs
    from portal.core.jobs import run_due_jobs
    from portal.core.outbox import give_up_on_abandoned as give_up_on_abandoned_mail
    from portal.feedback.service import close_expired, drop_unconfirmed
    from portal.mobile import service as mobile
    from portal.passports.drafts import erase_stale_drafts
    from portal.stats import service as stats
    from portal.surveys import service as surveys

    published = closed = erased = 0
    with alone("housekeeping") as housekeeper:
        if housekeeper:
            with unit_of_work():
                published = publish_due(session)
                closed = close_expired(session)
                surveys.remind_due(session)
                mobile.maintenance(session)
                give_up_on_abandoned_jobs(session)
                give_up_on_abandoned_mail(session)
                erased = (erase_expired(session) + drop_unconfirmed(session) + surveys.erase_expired(session)
                          + erase_stale_drafts(session) + erase_unconfirmed_accounts(session)
                          + erase_unconfirmed_subscriptions(session))
            stats.maintenance(session)
    jobs = run_due_jobs(session)
    return {"published": published, "closed": closed, "erased": erased, "jobs": jobs}


@click.command("worker")
@with_appcontext
@click.option("--once", is_flag=True, help="Do what is due and stop.")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between rounds.")
def worker_command(once, interval):
    """Publish scheduled advice, run queued jobs (alert fan-out), erase expired trips, and deliver
    queued email over SMTP when PORTAL_SMTP_HOST is set. Several workers can run at once on
    PostgreSQL: they share jobs and mail, and one at a time does the housekeeping. While mail is
    waiting a worker keeps sending; it pauses only when a round found nothing to do. A database that
    goes away is waited for, with growing pauses (at most a minute), never a reason to stop."""
    from sqlalchemy.exc import DBAPIError

    from portal.core.db import stopping
    from portal.core.outbox import deliver_pending

    # SIGTERM (a deployment, systemd, docker stop) ends the worker after the message in hand, with every
    # "sent" saved and what it had taken given back, so a restart sends nothing twice and waits for nothing.
    if not once:
        signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    pause = interval
    while not stopping.is_set():
        try:
            done = maintenance_round(db.session)
            sent, failed = deliver_pending(db.session, seconds=float("inf") if once else max(interval, 1))
        except DBAPIError as error:
            db.session.rollback()
            db.session.remove()
            click.echo(f"database unavailable ({type(error.orig).__name__}); trying again in {pause:.0f} s", err=True)
            if once:
                sys.exit(1)
            stopping.wait(pause)
            pause = min(max(pause, 1) * 2, 60)
            continue
        pause = interval
        if any(done.values()) or sent or failed:
            click.echo(f"published {done['published']}, closed {done['closed']}, erased {done['erased']}, "
                       f"jobs {done['jobs']}, sent {sent}, failed {failed}")
        if once:
            return
        if not sent and not done["jobs"]:
            stopping.wait(interval)


@click.command("translate")
@with_appcontext
@click.option("--check", is_flag=True, help="Fail when the catalogs are out of date.")
def translate_command(check):
    """Extract strings, update both catalogs, fill English with the source text, compile."""
    from portal.translations import update_catalogs

    problems = update_catalogs(ROOT, check=check)
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        sys.exit(1)


demo = AppGroup("demo", help="Demonstration data.")


@demo.command("scale")
@click.option("--cases", default=1_000_000, show_default=True, help="Cases, each with the events of its workflow.")
@click.option("--hotline-calls", default=200_000, show_default=True, help="Calls in the hotline log.")
@click.option("--subscribers", default=100_000, show_default=True, help="Confirmed alert subscribers.")
@click.option("--months", default=24, show_default=True, help="Over how many months, up to today.")
def demo_scale_command(cases, hotline_calls, subscribers, months):
    """A ministry's worth of data in bulk, added to what is there (after `flask seed`): cases with
    their events, survey answers and held mobile days, hotline calls and alert subscribers; then the
    rollups, so the dashboard shows it. For trying the portal, and its benchmarks, at scale."""
    import time

    import sqlalchemy as sa

    from portal.advisories.demo import load_demo_subscribers
    from portal.feedback.demo import load_demo_calls
    from portal.missions.service import overseas_missions
    from portal.stats.demo import generate
    from portal.stats.rollups import bring_up_to_date

    mission_ids = [m.id for m in overseas_missions(db.session)]
    if not mission_ids:
        raise click.ClickException("There are no missions yet: run `flask --app wsgi seed` first.")
    steps = {
        "cases": lambda session: "{:,} cases and {:,} events".format(
            *generate(session, cases=cases, months=months, context=True, mission_ids=mission_ids)),
        "hotline": lambda session: "{:,} hotline calls".format(
            load_demo_calls(session, calls=hotline_calls, months=months, mission_ids=mission_ids)),
        "subscribers": lambda session: "{:,} subscribers".format(
            load_demo_subscribers(session, subscribers=subscribers)),
    }
    for write in steps.values():
        started = time.perf_counter()
        with unit_of_work() as session:
            written = write(session)
        click.echo(f"{written} written in {time.perf_counter() - started:.1f} s")
    if db.engine.dialect.name == "postgresql":
        # What autovacuum would do later: statistics for the planner, and the visibility map without which
        # the queue's counts read every open case's row instead of its index alone (35 ms → 10 ms at 50,000)
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(sa.text("VACUUM ANALYZE"))
    started = time.perf_counter()
    read = bring_up_to_date(db.session, settled=True)
    click.echo(f"{read:,} rows counted into the rollups in {time.perf_counter() - started:.1f} s")


def init_app(app) -> None:
    """The portal's own commands, and each domain's (the `commands` of its `cli` module)."""
    from portal import _domain_modules, domain_packages

    domain_commands = [command for domain in domain_packages()
                       for module in _domain_modules(domain, lambda name: name == "cli")
                       for command in getattr(module, "commands", ())]
    for command in (seed_command, users, worker_command, translate_command, demo, *domain_commands):
        app.cli.add_command(command)
