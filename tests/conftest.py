"""Test setup: one database built by running the real migrations, emptied after every test.

SQLite by default; PostgreSQL when PORTAL_TEST_DATABASE_URL is set.
"""

import os
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
import time_machine
from flask.testing import FlaskClient

#: every module in tests/fixtures gives its fixtures to all tests: a new kind adds its own file there
pytest.register_assert_rewrite("tests.fixtures")
pytest_plugins = sorted(f"tests.fixtures.{path.stem}" for path in (Path(__file__).parent / "fixtures").glob("*.py")
                        if path.stem != "__init__")

REFERENCE_TABLES = {"countries", "missions", "mission_countries", "alembic_version"}


def pytest_addoption(parser):
    parser.addoption("--clock-ahead", type=int, default=0, metavar="DAYS",
                     help="run every test with the clock this many days ahead of today (finds tests that "
                          "only pass on the day they were written)")


def pytest_configure(config):
    days = config.getoption("--clock-ahead")
    if days:
        # Started before any fixture, so the app, its sessions and every thread see the moved clock;
        # a test's own time_machine.travel() nests inside it.
        config._moved_clock = time_machine.travel(datetime.now(UTC) + timedelta(days=days), tick=True)
        config._moved_clock.start()


def pytest_sessionfinish(session, exitstatus):
    from tests.fixtures.html_check import report

    terminal = session.config.pluginmanager.get_plugin("terminalreporter")
    if terminal is not None and not session.config.option.collectonly:
        report(session, terminal)


def pytest_report_header(config):
    days = config.getoption("--clock-ahead")
    return f"clock moved {days} days ahead: today is {datetime.now(UTC):%Y-%m-%d}" if days else None


def database_url(tmp_dir: str) -> str:
    return os.environ.get("PORTAL_TEST_DATABASE_URL") or f"sqlite:///{tmp_dir}/portal-test.db"


def reset_postgres(url: str) -> None:
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as connection:
        connection.execute(sa.text("DROP SCHEMA public CASCADE"))
        connection.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


class EnglishClient(FlaskClient):
    """Tests read English text unless they ask for Chinese (the portal's default)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.environ_base.setdefault("HTTP_ACCEPT_LANGUAGE", "en")


@pytest.fixture(scope="session")
def app():
    from flask_migrate import upgrade

    from portal import create_app
    from portal.core.db import unit_of_work
    from portal.missions.service import load_countries, load_missions

    tmp_dir = tempfile.mkdtemp(prefix="portal-tests-")
    url = database_url(tmp_dir)
    if url.startswith("postgresql"):
        reset_postgres(url)
    app = create_app({"DATABASE_URL": url, "WTF_CSRF_ENABLED": False, "SERVER_NAME": None}, env="testing")
    with app.app_context():
        upgrade()
        with unit_of_work() as session:
            load_countries(session)
            load_missions(session)
    app.test_client_class = EnglishClient
    from tests.fixtures.html_check import RECORDER

    RECORDER.install(app)
    yield app
    from portal.extensions import db

    with app.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def clean_database(app):
    """Each test starts with only the reference data (countries and missions)."""
    yield
    from portal.extensions import cache, db, limiter

    with app.app_context():
        db.session.remove()
        with db.engine.begin() as connection:
            for table in reversed(db.metadata.sorted_tables):
                if table.name not in REFERENCE_TABLES:
                    connection.execute(table.delete())
        limiter.reset()
        cache.clear()


@pytest.fixture
def app_context(app):
    with app.app_context():
        yield
        from portal.extensions import db

        db.session.remove()


@pytest.fixture
def session(app_context):
    from portal.extensions import db

    return db.session


@pytest.fixture
def client(app):
    return app.test_client()
