"""survey comments a supervisor hid, with the reason; mailbox cases opened for dissatisfied
respondents who asked to be contacted; "was this page useful?" counts and comments

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 10:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "survey_hidden_comments",
        sa.Column("answer_id", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("hidden_by_id", sa.Integer(), nullable=True),
        sa.Column("hidden_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["answer_id"], ["survey_answers.id"],
                                name=op.f("fk_survey_hidden_comments_answer_id_survey_answers"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["hidden_by_id"], ["users.id"],
                                name=op.f("fk_survey_hidden_comments_hidden_by_id_users"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("answer_id", name=op.f("pk_survey_hidden_comments")),
    )
    op.create_table(
        "survey_contact_requests",
        sa.Column("mailbox_case_id", sa.Integer(), nullable=False),
        sa.Column("service", sa.String(length=32), nullable=False),
        sa.Column("mission_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.ForeignKeyConstraint(["mailbox_case_id"], ["cases.id"],
                                name=op.f("fk_survey_contact_requests_mailbox_case_id_cases"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["mission_id"], ["missions.id"],
                                name=op.f("fk_survey_contact_requests_mission_id_missions")),
        sa.PrimaryKeyConstraint("mailbox_case_id", name=op.f("pk_survey_contact_requests")),
    )
    op.create_table(
        "page_usefulness",
        sa.Column("path", sa.String(length=200), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("useful", sa.Integer(), nullable=False),
        sa.Column("not_useful", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("path", "day", name=op.f("pk_page_usefulness")),
    )
    op.create_table(
        "page_comments",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("path", sa.String(length=200), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_page_comments")),
    )
    with op.batch_alter_table("page_comments", schema=None) as batch_op:
        batch_op.create_index("ix_page_comments_day", ["day"], unique=False)


def downgrade():
    with op.batch_alter_table("page_comments", schema=None) as batch_op:
        batch_op.drop_index("ix_page_comments_day")
    op.drop_table("page_comments")
    op.drop_table("page_usefulness")
    op.drop_table("survey_contact_requests")
    op.drop_table("survey_hidden_comments")
