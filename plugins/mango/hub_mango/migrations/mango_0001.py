"""The mango plugin's tables: robot references, call history, click-to-call commands."""

import sqlalchemy as sa
from alembic import op

revision = "mango_0001"
down_revision = None
branch_labels = ("mango",)
depends_on = "hub_base"


def upgrade() -> None:
    op.create_table(
        "mango_reference",
        sa.Column("token", sa.String(40), primary_key=True),
        sa.Column("clinic_id", sa.String(63), nullable=False),
        sa.Column("appointment_id", sa.String(255), nullable=False),
        sa.Column("message_id", sa.Integer, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answer_status", sa.Integer, nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("call_result", sa.String(40), nullable=True),
        sa.UniqueConstraint("clinic_id", "message_id", name="uq_mango_reference_message"),
    )
    op.create_table(
        "mango_call",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("clinic_id", sa.String(63), nullable=False),
        sa.Column("entry_id", sa.String(255), nullable=False),
        sa.Column("direction", sa.String(16), nullable=False),
        sa.Column("from_number", sa.String(64), nullable=True),
        sa.Column("from_extension", sa.String(32), nullable=True),
        sa.Column("to_number", sa.String(64), nullable=True),
        sa.Column("to_extension", sa.String(32), nullable=True),
        sa.Column("line_number", sa.String(64), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("talk_seconds", sa.Integer, nullable=False),
        sa.Column("answered", sa.Boolean, nullable=False),
        sa.Column("disconnect_reason", sa.Integer, nullable=True),
        sa.UniqueConstraint("clinic_id", "entry_id", name="uq_mango_call_entry"),
    )
    op.create_index("ix_mango_call_clinic_start", "mango_call", ["clinic_id", "started_at"])
    op.create_table(
        "mango_command",
        sa.Column("command_id", sa.String(64), primary_key=True),
        sa.Column("clinic_id", sa.String(63), nullable=False),
        sa.Column("phone", sa.String(64), nullable=False),
        sa.Column("extension", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("result", sa.Integer, nullable=True),
        sa.Column("result_at", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("mango_command")
    op.drop_index("ix_mango_call_clinic_start", "mango_call")
    op.drop_table("mango_call")
    op.drop_table("mango_reference")
