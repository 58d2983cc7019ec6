"""the citizen service white paper of each ROC year: the commentary as drafted and as published, and every
revision of it

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01 18:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('white_papers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('roc_year', sa.Integer(), nullable=False),
    sa.Column('draft', sa.JSON(), nullable=False),
    sa.Column('published', sa.JSON(), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_white_papers')),
    sa.UniqueConstraint('roc_year', name=op.f('uq_white_papers_roc_year'))
    )
    op.create_table('white_paper_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('paper_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('sections', sa.JSON(), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['by_id'], ['users.id'], name=op.f('fk_white_paper_revisions_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['paper_id'], ['white_papers.id'], name=op.f('fk_white_paper_revisions_paper_id_white_papers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_white_paper_revisions'))
    )
    with op.batch_alter_table('white_paper_revisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_white_paper_revisions_paper_id'), ['paper_id'], unique=False)



def downgrade():
    with op.batch_alter_table('white_paper_revisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_white_paper_revisions_paper_id'))

    op.drop_table('white_paper_revisions')
    op.drop_table('white_papers')
