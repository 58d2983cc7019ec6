"""A backup of the PostgreSQL database, taken while the portal runs, restores into a database the portal
reads as it was: the documented commands (README, "Backups"), run for real."""

import shutil
import subprocess

import pytest
import sqlalchemy as sa


def test_a_dump_restores_into_a_database_the_portal_reads_as_it_was(app, citizen, make_enquiry, tmp_path):
    from sqlalchemy.engine import make_url

    from portal import create_app
    from portal.core.cases.models import Case
    from portal.extensions import db

    url = make_url(app.config["DATABASE_URL"])
    if not url.drivername.startswith("postgresql"):
        pytest.skip("pg_dump and pg_restore back up PostgreSQL: runs with PORTAL_TEST_DATABASE_URL")
    if not shutil.which("pg_dump"):
        pytest.fail("pg_dump is needed (the postgresql-client package)")
    reference = make_enquiry(citizen)
    libpq = url.set(drivername="postgresql").render_as_string(hide_password=False)
    restored = url.set(database=f"{url.database}_restored")
    dump = tmp_path / "portal.dump"
    subprocess.run(["pg_dump", "--format=custom", "--no-owner", "--file", str(dump), libpq], check=True)
    admin = sa.create_engine(url.set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{restored.database}"'))
        connection.execute(sa.text(f'CREATE DATABASE "{restored.database}"'))
    admin.dispose()
    subprocess.run(["pg_restore", "--no-owner", "--exit-on-error", "--dbname",
                    restored.set(drivername="postgresql").render_as_string(hide_password=False), str(dump)],
                   check=True)

    def facts(portal):
        with portal.app_context():
            session = db.session
            found = (session.scalar(sa.text("SELECT version_num FROM alembic_version")),
                     {table: session.scalar(sa.text(f"SELECT count(*) FROM {table}"))
                      for table in ("users", "cases", "case_events", "outbox_messages", "countries", "missions")},
                     session.scalar(sa.select(Case.status).where(Case.reference == reference)),
                     session.scalar(sa.text("SELECT count(*) FROM pg_indexes WHERE indexname = 'ix_hotline_calls_search'")))
            session.remove()
            return found

    copy = create_app({"DATABASE_URL": restored.render_as_string(hide_password=False)}, env="testing")
    try:
        assert facts(copy) == facts(app)
        assert facts(copy)[2] == "submitted" and facts(copy)[3] == 1
        with copy.test_client() as browser:  # the restored portal serves its pages
            assert browser.get("/readyz").status_code == 200
    finally:
        with copy.app_context():
            db.engine.dispose()
