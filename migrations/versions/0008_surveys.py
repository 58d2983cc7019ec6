"""surveys: versions, invitations (the only link to a case), invitation counts, anonymous answers;
the citizen's choice to receive survey emails

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 10:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("survey_emails", sa.Boolean(), server_default=sa.true(), nullable=False))
    op.create_table(
        "survey_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("service", sa.String(length=32), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("questions", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_versions")),
        sa.UniqueConstraint("service", "number", name="uq_survey_versions_service_number"),
    )
    op.create_table(
        "survey_invitations",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("service", sa.String(length=32), nullable=False),
        sa.Column("mission_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("channel", sa.Enum("online", "mobile", name="channel", native_enum=False, create_constraint=True,
                                     length=16), nullable=False),
        sa.Column("token_cipher", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_survey_invitations_case_id_cases"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["mission_id"], ["missions.id"],
                                name=op.f("fk_survey_invitations_mission_id_missions")),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_survey_invitations")),
        sa.UniqueConstraint("case_id", name=op.f("uq_survey_invitations_case_id")),
    )
    with op.batch_alter_table("survey_invitations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_survey_invitations_expires_at"), ["expires_at"], unique=False)
    op.create_table(
        "survey_invitation_counts",
        sa.Column("service", sa.String(length=32), nullable=False),
        sa.Column("mission_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("invited", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["mission_id"], ["missions.id"],
                                name=op.f("fk_survey_invitation_counts_mission_id_missions")),
        sa.PrimaryKeyConstraint("service", "mission_id", "month", name=op.f("pk_survey_invitation_counts")),
    )
    op.create_table(
        "survey_answers",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("service", sa.String(length=32), nullable=False),
        sa.Column("mission_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("overall", sa.Integer(), nullable=False),
        sa.Column("improvement", sa.Text(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["mission_id"], ["missions.id"], name=op.f("fk_survey_answers_mission_id_missions")),
        sa.ForeignKeyConstraint(["version_id"], ["survey_versions.id"],
                                name=op.f("fk_survey_answers_version_id_survey_versions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_answers")),
    )
    with op.batch_alter_table("survey_answers", schema=None) as batch_op:
        batch_op.create_index("ix_survey_answers_results", ["service", "mission_id", "month"], unique=False)


def downgrade():
    with op.batch_alter_table("survey_answers", schema=None) as batch_op:
        batch_op.drop_index("ix_survey_answers_results")
    op.drop_table("survey_answers")
    op.drop_table("survey_invitation_counts")
    with op.batch_alter_table("survey_invitations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_survey_invitations_expires_at"))
    op.drop_table("survey_invitations")
    op.drop_table("survey_versions")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("survey_emails")
