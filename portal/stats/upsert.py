"""Adding to counter rows in bulk: one INSERT … ON CONFLICT DO UPDATE sent with many rows at once
(executemany of a statement compiled once), on SQLite and PostgreSQL alike, so a rollup round is a
handful of round trips whatever it folds in."""

from collections import Counter

from sqlalchemy.dialects import postgresql, sqlite


def add_counts(session, model, counts: Counter) -> None:
    """Add each count to the row of `model` whose primary key is the counter's key (a tuple in the
    order of the primary key columns), making the rows that are missing."""
    table = model.__table__
    keys = [column.name for column in table.primary_key.columns]
    rows = [dict(zip(keys, key, strict=True), count=count) for key, count in counts.items() if count]
    if not rows:
        return
    insert = (postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert)(table)
    session.execute(insert.on_conflict_do_update(
        index_elements=keys, set_={"count": table.c["count"] + insert.excluded["count"]}), rows)
