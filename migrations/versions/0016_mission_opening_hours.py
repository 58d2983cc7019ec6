"""missions keep their counter's opening hours in both languages, for the "ready to collect" pages and mail

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 16:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

HOURS_ZH = "週一至週五 9:00–12:00、13:30–16:30（當地時間；當地假日休息）"
HOURS_EN = "Monday to Friday, 9:00–12:00 and 13:30–16:30 local time (closed on local public holidays)"


def upgrade():
    with op.batch_alter_table("missions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("opening_hours_zh", sa.String(length=200), nullable=False,
                                      server_default=HOURS_ZH))
        batch_op.add_column(sa.Column("opening_hours_en", sa.String(length=200), nullable=False,
                                      server_default=HOURS_EN))


def downgrade():
    with op.batch_alter_table("missions", schema=None) as batch_op:
        batch_op.drop_column("opening_hours_en")
        batch_op.drop_column("opening_hours_zh")
