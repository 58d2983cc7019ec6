"""hotline search reads a trigram index (pg_trgm) over the text it looks in on PostgreSQL, instead of
the whole table with an ILIKE per column

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-02 02:30:00

Built CONCURRENTLY, outside a transaction, so calls can be logged while it builds. SQLite has no
such index: its search reads the table. Downgrading drops the index and leaves the extension, which
other databases' objects may use.
"""
from alembic import op


revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None

SEARCHED = ("(coalesce(summary, '') || ' ' || coalesce(caller_name, '') || ' ' || coalesce(caller_phone, '') "
            "|| ' ' || reference)")


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    with op.get_context().autocommit_block():
        op.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_hotline_calls_search ON hotline_calls "
                   f"USING gin ({SEARCHED} gin_trgm_ops)")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    with op.get_context().autocommit_block():
        op.execute("DROP INDEX CONCURRENTLY IF EXISTS ix_hotline_calls_search")
