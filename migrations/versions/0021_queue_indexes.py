"""the staff queue reads open cases only: partial indexes over the open backlog in the queue's order
(highest priority, soonest due, oldest id), one per view (all, a mission, a kind, a kind's status, and
those per mission), in place of one index over all history whose order did not match the sort

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-01 23:00:00

On PostgreSQL the indexes are built CONCURRENTLY, outside a transaction, so the cases table stays
writable while they build; the old index is dropped the same way.
"""
from alembic import op
import sqlalchemy as sa


revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

VIEWS = {"ix_cases_open_queue": (), "ix_cases_open_mission": ("mission_id",), "ix_cases_open_kind": ("kind",),
         "ix_cases_open_kind_status": ("kind", "status"), "ix_cases_open_mission_kind": ("mission_id", "kind"),
         "ix_cases_open_mission_kind_status": ("mission_id", "kind", "status")}
ORDER = (sa.text("(-priority)"), "due_at", "id")
OPEN = sa.text("closed_at IS NULL")


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade():
    if _postgresql():
        with op.get_context().autocommit_block():
            for name, leading in VIEWS.items():
                op.create_index(name, "cases", [*leading, *ORDER], postgresql_where=OPEN,
                                postgresql_concurrently=True, if_not_exists=True)
            op.drop_index("ix_cases_queue", table_name="cases", postgresql_concurrently=True, if_exists=True)
        return
    for name, leading in VIEWS.items():
        op.create_index(name, "cases", [*leading, *ORDER], sqlite_where=OPEN)
    op.drop_index("ix_cases_queue", table_name="cases")


def downgrade():
    if _postgresql():
        with op.get_context().autocommit_block():
            op.create_index("ix_cases_queue", "cases", ["closed_at", "priority", "due_at", "id"],
                            postgresql_concurrently=True, if_not_exists=True)
            for name in VIEWS:
                op.drop_index(name, table_name="cases", postgresql_concurrently=True, if_exists=True)
        return
    op.create_index("ix_cases_queue", "cases", ["closed_at", "priority", "due_at", "id"])
    for name in VIEWS:
        op.drop_index(name, table_name="cases")
