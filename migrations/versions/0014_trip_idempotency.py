"""trip registrations keep their form's submission token, so the same form sent twice registers one trip

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 15:19:50.008057

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0014"
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('travel_registrations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('idempotency_key', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_travel_registrations_idempotency_key'), ['idempotency_key'])


def downgrade():
    with op.batch_alter_table('travel_registrations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_travel_registrations_idempotency_key'), type_='unique')
        batch_op.drop_column('idempotency_key')
