"""Migrations upgrade to head, downgrade to base and upgrade again, on this run's database engine."""

import os
import tempfile
import warnings
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

    from portal.core.cases.models import QUEUE_VIEWS
    from portal.extensions import db

    expression_indexes = {*QUEUE_VIEWS, "ix_hotline_calls_search"}  # the hotline's: PostgreSQL only

    with app.app_context(), db.engine.connect() as connection, warnings.catch_warnings():
        # Expression indexes (the queue's, on -priority; the hotline search's) are compared by name below:
        # SQLite's cannot be reflected.
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based index")
        warnings.filterwarnings("ignore", "autogenerate skipping metadata-specified expression-based index")
        context = MigrationContext.configure(connection, opts={"render_as_batch": True})
        differences = [d for d in compare_metadata(context, db.metadata)
                       if not (d[0] == "remove_table" and d[1].name == "alembic_version")
                       and not (d[0] in ("add_index", "remove_index") and d[1].name in expression_indexes)]
        indexes = {index.name for index in db.metadata.tables["cases"].indexes}
        postgresql = db.engine.dialect.name == "postgresql"
        built = set(connection.execute(sa.text(
            "SELECT indexname FROM pg_indexes WHERE tablename IN ('cases', 'hotline_calls')" if postgresql
            else "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'cases'")).scalars())
    assert differences == []
    assert set(QUEUE_VIEWS) <= indexes and set(QUEUE_VIEWS) <= built
    assert ("ix_hotline_calls_search" in built) == postgresql


def test_revision_files_are_numbered_in_order():
    names = sorted(p.name for p in VERSIONS.glob("*.py"))
    assert names and all(name[:4].isdigit() and name[4] == "_" for name in names)
    assert [int(name[:4]) for name in names] == list(range(1, len(names) + 1))


def _fill(connection, table: str, **given):
    """Insert a row, giving every required column without a value one of its type; returns its id."""
    from datetime import UTC, date, datetime

    row = dict(given)
    for column in sa.inspect(connection).get_columns(table):
        if column["name"] in row or column["nullable"] or column.get("default") is not None \
                or column.get("autoincrement") is True or column["name"] == "id":
            continue
        kind = str(column["type"]).upper()
        row[column["name"]] = (1 if "INT" in kind else False if "BOOL" in kind else
                               datetime(2026, 11, 1, tzinfo=UTC) if "TIME" in kind else date(2026, 11, 1)
                               if "DATE" in kind else b"x" if "BLOB" in kind or "BYTEA" in kind else
                               "{}" if "JSON" in kind else "x")
    columns = ", ".join(row)
    values = ", ".join(f":{name}" for name in row)
    result = connection.execute(sa.text(f"INSERT INTO {table} ({columns}) VALUES ({values})"), row)
    return result.lastrowid if connection.dialect.name == "sqlite" else None


def test_upgrading_keeps_the_rows_that_point_at_rebuilt_tables():
    """Rebuilding a table (SQLite's batch mode) must not cascade into the tables that point at it."""
    from flask_migrate import upgrade

    from portal import create_app
    from portal.extensions import db

    url = migration_database_url()
    app = create_app({"DATABASE_URL": url}, env="testing")
    with app.app_context():
        upgrade(revision="0006")
        with db.engine.begin() as connection:
            connection.execute(sa.text("INSERT INTO countries (code, name_zh, name_en) VALUES ('JP', '日本', 'Japan')"))
            mission = _fill(connection, "missions", code="tokyo", country_code="JP")
            mission = mission or connection.execute(sa.text("SELECT id FROM missions")).scalar()
            user = _fill(connection, "users", email="amy@example.tw", role="citizen", mission_id=None)
            user = user or connection.execute(sa.text("SELECT id FROM users")).scalar()
            case = _fill(connection, "cases", kind="passport", reference="PPT-AAAA-BBBB-C", status="submitted",
                         mission_id=mission, applicant_id=user, assignee_id=None,
                         idempotency_key="passport-0123456789abcdef")
            case = case or connection.execute(sa.text("SELECT id FROM cases")).scalar()
            _fill(connection, "case_events", case_id=case, actor_id=user, action="submit", to_status="submitted")
            _fill(connection, "user_sessions", token_hash="h" * 64, user_id=user)
        upgrade()
        with db.engine.connect() as connection:
            counts = {table: connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar()
                      for table in ("cases", "case_events", "user_sessions")}
            applicant, key = connection.execute(sa.text("SELECT applicant_id, idempotency_key FROM cases")).one()
        db.session.remove()
        db.engine.dispose()
    assert counts == {"cases": 1, "case_events": 1, "user_sessions": 1}
    assert applicant == user and key == "0123456789abcdef"
