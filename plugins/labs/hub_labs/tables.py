"""The plugin's own tables (Alembic branch ``labs``, in ``migrations/``).

    labs_order            one order at one laboratory: its tests and tubes, state, attempts,
                          the laboratory's Task and ServiceRequest ids, results and PDF
    labs_charge           every charged service and what became of it (ordered, unmapped,
                          no laboratory...): one row per visit and service, so a repeated
                          charge event changes nothing
    labs_barcode_counter  the last barcode number used per clinic and laboratory

No patient names are kept here: they are read from the hub when an order is sent or a
label printed.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

TS = sa.DateTime(timezone=True)

order = sa.Table(
    "labs_order",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("clinic_id", sa.String(63), nullable=False),
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
    sa.Index("ix_labs_order_state", "clinic_id", "state"),
    sa.Index("ix_labs_order_visit", "clinic_id", "appointment_id"),
)

charge = sa.Table(
    "labs_charge",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("clinic_id", sa.String(63), nullable=False),
    sa.Column("appointment_id", sa.String(100), nullable=False),
    sa.Column("service_id", sa.String(100), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("lab", sa.String(40)),
    sa.Column("order_id", sa.String(40)),
    sa.Column("detail", sa.Text),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("updated_at", TS, nullable=False),
    sa.UniqueConstraint("clinic_id", "appointment_id", "service_id", name="uq_labs_charge"),
    sa.Index("ix_labs_charge_status", "clinic_id", "status"),
)

barcode_counter = sa.Table(
    "labs_barcode_counter",
    metadata,
    sa.Column("clinic_id", sa.String(63), primary_key=True),
    sa.Column("lab", sa.String(40), primary_key=True),
    sa.Column("last_used", sa.Integer, nullable=False),
)
