"""statistics: usage per day, monthly rollups of counts and histograms, and how far each source is read

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01 18:23:55

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('stats_monthly_counts',
    sa.Column('measure', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('mission_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('count', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('measure', 'kind', 'mission_id', 'month', name=op.f('pk_stats_monthly_counts'))
    )
    with op.batch_alter_table('stats_monthly_counts', schema=None) as batch_op:
        batch_op.create_index('ix_stats_monthly_counts_month', ['month'], unique=False)

    op.create_table('stats_monthly_histograms',
    sa.Column('measure', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('mission_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.Column('count', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('measure', 'kind', 'mission_id', 'month', 'value', name=op.f('pk_stats_monthly_histograms'))
    )
    with op.batch_alter_table('stats_monthly_histograms', schema=None) as batch_op:
        batch_op.create_index('ix_stats_monthly_histograms_month', ['month'], unique=False)

    op.create_table('stats_rollup_positions',
    sa.Column('source', sa.String(length=80), nullable=False),
    sa.Column('last_id', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('source', name=op.f('pk_stats_rollup_positions'))
    )
    op.create_table('stats_usage_days',
    sa.Column('event', sa.String(length=24), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('dimension', sa.String(length=40), nullable=False),
    sa.Column('count', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('event', 'day', 'dimension', name=op.f('pk_stats_usage_days'))
    )


def downgrade():
    op.drop_table('stats_usage_days')
    op.drop_table('stats_rollup_positions')
    with op.batch_alter_table('stats_monthly_histograms', schema=None) as batch_op:
        batch_op.drop_index('ix_stats_monthly_histograms_month')

    op.drop_table('stats_monthly_histograms')
    with op.batch_alter_table('stats_monthly_counts', schema=None) as batch_op:
        batch_op.drop_index('ix_stats_monthly_counts_month')

    op.drop_table('stats_monthly_counts')
