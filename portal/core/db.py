"""Model base, time helpers, and the units of work outside a request.

Services add and flush; a request is committed once by its boundary (portal.core.boundary), a CLI
command or worker step by unit_of_work(), so outbox rows are saved with the change they announce.
"""

import threading
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


#: the session a service is given: the request's (Flask-SQLAlchemy's scoped one) or a command's own
DbSession = Session | scoped_session[Any]


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on every engine (SQLite stores naive values)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(UTC).replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def str_enum(enum_cls, length: int = 32) -> sa.Enum:
    """A StrEnum stored as its value in a VARCHAR with a CHECK constraint, alike on every engine."""
    return sa.Enum(
        enum_cls,
        native_enum=False,
        create_constraint=True,
        length=length,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    # SQLite needs foreign keys switched on per connection; WAL makes commits ~5x cheaper
    # and lets readers run beside the one writer.
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()


@event.listens_for(Engine, "savepoint")
def _sqlite_transaction_before_savepoint(connection, name):
    # pysqlite opens a transaction only before a write; a SAVEPOINT outside one starts a transaction
    # that its RELEASE then commits. A savepoint taken as a request's first write (opening a case,
    # the first count of the day) would be saved even if the request is refused afterwards.
    if connection.dialect.name == "sqlite":
        dbapi_connection = connection.connection.dbapi_connection
        if not dbapi_connection.in_transaction:
            dbapi_connection.execute("BEGIN")


def insert_rows(session, model, rows: list[dict]) -> None:
    """Insert plain rows into a model's table in one executemany: for bulk data, where the ORM's bulk
    insert (with the table's defaults fetched back) would send the rows one statement at a time."""
    if rows:
        session.connection().execute(sa.insert(sa.inspect(model).local_table), rows)


def count_up(session, model, key: dict, column: str) -> None:
    """Add one to a counter row (model with `key` as its primary key), making the row if it is the
    first: an UPDATE, else an INSERT in a savepoint, and the UPDATE again if another request made the
    row at the same moment. Counts are kept this way rather than as one row per event."""
    from sqlalchemy.exc import IntegrityError

    def add_one() -> int:
        statement = sa.update(model).where(*(getattr(model, name) == value for name, value in key.items()))
        return session.execute(statement.values({column: getattr(model, column) + 1})).rowcount

    if add_one():
        return
    try:
        with session.begin_nested():
            session.add(model(**key, **{column: 1}))
    except IntegrityError:
        add_one()


@contextmanager
def unit_of_work(session=None):
    """For CLI commands and worker steps: commit on success, roll back on any error."""
    if session is None:
        from portal.extensions import db

        session = db.session
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise


@contextmanager
def separate_transaction():
    """A short transaction of its own, on its own connection, committed at once: for a record that
    must be kept even when the request around it is refused and rolled back (a failed sign-in is
    counted; a session's last-seen time moves on)."""
    from sqlalchemy.orm import Session

    from portal.extensions import db

    with Session(db.engine, expire_on_commit=False) as session, session.begin():
        yield session


#: set by the worker on SIGTERM: delivery stops after the message in hand, jobs after the job in hand
stopping = threading.Event()


@contextmanager
def alone(name: str):
    """Yields whether this process is the only one doing `name` now, so that several workers can run
    and the housekeeping they share is done by one at a time. On PostgreSQL: an advisory lock held on a
    connection of its own for the block (a worker that dies lets go with its connection). SQLite runs a
    single worker."""
    from portal.extensions import db

    if db.engine.dialect.name != "postgresql":
        yield True
        return
    with db.engine.connect() as connection:
        key = sa.func.hashtext(name)
        held = bool(connection.scalar(sa.select(sa.func.pg_try_advisory_lock(key))))
        connection.commit()  # the lock is the session's: no transaction is kept open while holding it
        try:
            yield held
        finally:
            if held:
                connection.execute(sa.select(sa.func.pg_advisory_unlock(key)))
                connection.commit()
