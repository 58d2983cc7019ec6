"""Migrations upgrade to head, downgrade to base and upgrade again, on this run's database engine."""

import os
import tempfile
from pathlib import Path

import sqlalchemy as sa

VERSIONS = Path(__file__).resolve().parents[1] / "migrations" / "versions"


def migration_database_url() -> str:
    url = os.environ.get("PORTAL_TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tempfile.mkdtemp(prefix='portal-migrations-')}/m.db"
    # A database of its own beside the test database, so the suite's schema is left alone.
    admin = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")
    name = url.rsplit("/", 1)[1] + "_migrations"
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.rsplit("/", 1)[0] + "/" + name


def test_migrations_go_up_down_and_up_again():
    from flask_migrate import downgrade, upgrade

    from portal import create_app
    from portal.extensions import db

    app = create_app({"DATABASE_URL": migration_database_url()}, env="testing")
    with app.app_context():
        upgrade()
        tables = set(sa.inspect(db.engine).get_table_names())
        assert {"users", "cases", "case_events", "outbox_messages", "enquiries", "countries"} <= tables
        downgrade(revision="base")
        assert set(sa.inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        assert set(sa.inspect(db.engine).get_table_names()) == tables
        db.session.remove()
        db.engine.dispose()


def test_the_models_match_the_migrations(app):
    """No model change without its migration."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from portal.extensions import db

    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"render_as_batch": True})
        differences = [d for d in compare_metadata(context, db.metadata)
                       if not (d[0] == "remove_table" and d[1].name == "alembic_version")]
    assert differences == []


def test_revision_files_are_numbered_in_order():
    names = sorted(p.name for p in VERSIONS.glob("*.py"))
    assert names and all(name[:4].isdigit() and name[4] == "_" for name in names)
    assert [int(name[:4]) for name in names] == list(range(1, len(names) + 1))
