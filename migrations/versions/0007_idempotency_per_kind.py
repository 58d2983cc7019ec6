"""idempotency keys of cases are unique per kind

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 10:00:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_constraint("uq_cases_idempotency_key", type_="unique")
        batch_op.create_unique_constraint("uq_cases_kind_idempotency_key", ["kind", "idempotency_key"])
    # Passport submissions carried their kind in the key itself; the scope now does.
    op.execute("UPDATE cases SET idempotency_key = substr(idempotency_key, 10) "
               "WHERE kind = 'passport' AND idempotency_key LIKE 'passport-%'")


def downgrade():
    op.execute("UPDATE cases SET idempotency_key = 'passport-' || idempotency_key "
               "WHERE kind = 'passport' AND idempotency_key IS NOT NULL")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_constraint("uq_cases_kind_idempotency_key", type_="unique")
        batch_op.create_unique_constraint("uq_cases_idempotency_key", ["idempotency_key"])
