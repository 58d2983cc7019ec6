"""workers take queued mail and jobs through partial indexes over what is still queued, oldest first,
however many messages have been sent since

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-02 02:00:00

On PostgreSQL the indexes are built CONCURRENTLY, outside a transaction, so the outbox stays writable
while they build.
"""
from alembic import op
import sqlalchemy as sa


revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None

INDEXES = {"ix_outbox_messages_queued": "outbox_messages", "ix_jobs_queued": "jobs"}
QUEUED = sa.text("status = 'queued'")


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade():
    if _postgresql():
        with op.get_context().autocommit_block():
            for name, table in INDEXES.items():
                op.create_index(name, table, ["id"], postgresql_where=QUEUED, postgresql_concurrently=True,
                                if_not_exists=True)
        return
    for name, table in INDEXES.items():
        op.create_index(name, table, ["id"], sqlite_where=QUEUED)


def downgrade():
    if _postgresql():
        with op.get_context().autocommit_block():
            for name, table in INDEXES.items():
                op.drop_index(name, table_name=table, postgresql_concurrently=True, if_exists=True)
        return
    for name, table in INDEXES.items():
        op.drop_index(name, table_name=table)
