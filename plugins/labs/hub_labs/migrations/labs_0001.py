"""labs: orders, charges and barcode counters of the external-laboratories plugin.

Revision ID: labs_0001
Revises: (none; depends on hub_base)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "labs_0001"
down_revision = None
branch_labels = ("labs",)
depends_on = "hub_base"

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "labs_order",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "clinic_id",
            sa.String(63),
            sa.ForeignKey("clinic.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("order_id", sa.String(40), nullable=False),
        sa.Column("lab", sa.String(40), nullable=False),
        sa.Column("appointment_id", sa.String(100)),
        sa.Column("patient_id", sa.String(100), nullable=False),
        sa.Column("source", sa.String(10), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("lab_status", sa.String(20)),
        sa.Column("lab_reason", sa.Text),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text),
        sa.Column("send_after", TS, nullable=False),
        sa.Column("task_id", sa.String(64)),
        sa.Column("tests", sa.JSON, nullable=False),
        sa.Column("request_ids", sa.JSON),
        sa.Column("results_status", sa.String(10)),
        sa.Column("results", sa.JSON),
        sa.Column("pdfs", sa.JSON),
        sa.Column("unreported", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("sent_at", TS),
        sa.UniqueConstraint("clinic_id", "order_id", name="uq_labs_order_order_id"),
    )
    op.create_index("ix_labs_order_state", "labs_order", ["clinic_id", "state"])
    op.create_index("ix_labs_order_visit", "labs_order", ["clinic_id", "appointment_id"])
    op.create_table(
        "labs_charge",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "clinic_id",
            sa.String(63),
            sa.ForeignKey("clinic.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("appointment_id", sa.String(100), nullable=False),
        sa.Column("service_id", sa.String(100), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("lab", sa.String(40)),
        sa.Column("order_id", sa.String(40)),
        sa.Column("detail", sa.Text),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.UniqueConstraint("clinic_id", "appointment_id", "service_id", name="uq_labs_charge"),
    )
    op.create_index("ix_labs_charge_status", "labs_charge", ["clinic_id", "status"])
    op.create_table(
        "labs_barcode_counter",
        sa.Column(
            "clinic_id",
            sa.String(63),
            sa.ForeignKey("clinic.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("lab", sa.String(40), primary_key=True),
        sa.Column("last_used", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("labs_barcode_counter")
    op.drop_table("labs_charge")
    op.drop_table("labs_order")
