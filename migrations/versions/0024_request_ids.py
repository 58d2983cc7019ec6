"""jobs and outbox messages keep the id of the request that queued them, which the worker logs with
what it does for them

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-02 03:00:00

Nullable columns without a default: on PostgreSQL adding them changes the catalogue only, without
rewriting or long-locking the outbox.
"""
from alembic import op
import sqlalchemy as sa


revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade():
    for table in ("jobs", "outbox_messages"):
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column("request_id", sa.String(length=64), nullable=True))


def downgrade():
    for table in ("jobs", "outbox_messages"):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column("request_id")
