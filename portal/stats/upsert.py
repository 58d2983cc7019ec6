"""Adding to counter rows in bulk: one INSERT … ON CONFLICT DO UPDATE per few hundred rows, on
SQLite and PostgreSQL alike, so a rollup round is a handful of statements whatever it folds in."""

from collections import Counter

from sqlalchemy.dialects import postgresql, sqlite

#: rows per statement (PostgreSQL allows 65,535 parameters in one)
CHUNK = 500


def add_counts(session, model, counts: Counter) -> None:
    """Add each count to the row of `model` whose primary key is the counter's key (a tuple in the
    order of the primary key columns), making the rows that are missing."""
    table = model.__table__
    keys = [column.name for column in table.primary_key.columns]
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    rows = [dict(zip(keys, key, strict=True), count=count) for key, count in counts.items() if count]
    for start in range(0, len(rows), CHUNK):
        statement = insert(table).values(rows[start:start + CHUNK])
        session.execute(statement.on_conflict_do_update(
            index_elements=keys, set_={"count": table.c["count"] + statement.excluded["count"]}))
