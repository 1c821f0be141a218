"""Reading and writing the plugin's tables (:mod:`hub_labs.tables`) through
``ctx.tables()``: SQLAlchemy Core on an ``AsyncConnection`` in one transaction.

    lock_lab / allot_barcodes   the per-laboratory counter row: taken first, it also
                                serialises concurrent charges of one laboratory
    open_order                  the order of a visit still collecting charges
    insert_order / update_order / get_order / orders_in_state / visit_orders
    charge / record_charge / charges
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from hub_labs import barcodes, const
from hub_labs.settings import LabConfig
from hub_labs.tables import barcode_counter, charge, order
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

Row = dict[str, Any]


def new_order_id() -> str:
    """A short, unguessable id for a new order (``lo-`` and 12 hex digits)."""
    return "lo-" + secrets.token_hex(6)


async def lock_lab(conn: AsyncConnection, clinic_id: str, lab: str) -> int | None:
    """Take the laboratory's counter row (creating it) and return its last number used.

    The UPDATE holds the row until the transaction ends, so two charges of one
    laboratory are handled one after the other (PostgreSQL; SQLite writes are serial).
    """
    where = (barcode_counter.c.clinic_id == clinic_id) & (barcode_counter.c.lab == lab)
    touch = sa.update(barcode_counter).where(where).values(last_used=barcode_counter.c.last_used)
    if (await conn.execute(touch)).rowcount == 0:
        try:
            async with conn.begin_nested():
                await conn.execute(
                    sa.insert(barcode_counter).values(clinic_id=clinic_id, lab=lab, last_used=-1)
                )
            return None
        except IntegrityError:  # another transaction created it first: wait for its row
            await conn.execute(touch)
    last = (await conn.execute(sa.select(barcode_counter.c.last_used).where(where))).scalar_one()
    return None if last < 0 else int(last)


async def allot_barcodes(
    conn: AsyncConnection, clinic_id: str, lab: LabConfig, count: int
) -> list[str]:
    """``count`` new barcodes of ``lab`` (call inside the transaction that uses them)."""
    if count == 0:
        return []
    last = await lock_lab(conn, clinic_id, lab.id)
    found = barcodes.allot(lab.barcode_prefix, last, count, lab.barcode_first, lab.barcode_last)
    number = int(found[-1][len(lab.barcode_prefix) :])
    await conn.execute(
        sa.update(barcode_counter)
        .where((barcode_counter.c.clinic_id == clinic_id) & (barcode_counter.c.lab == lab.id))
        .values(last_used=number)
    )
    return found


def _row(value: Any) -> Row:
    return dict(value._mapping)


async def open_order(
    conn: AsyncConnection, clinic_id: str, appointment_id: str, lab: str
) -> Row | None:
    """The visit's order at ``lab`` that has not been sent yet (new charges join it)."""
    found = (
        await conn.execute(
            sa.select(order)
            .where(
                order.c.clinic_id == clinic_id,
                order.c.appointment_id == appointment_id,
                order.c.lab == lab,
                order.c.state == const.STATE_NEW,
                order.c.attempts == 0,
                order.c.source == "charge",
            )
            .order_by(order.c.id)
            .limit(1)
        )
    ).first()
    return None if found is None else _row(found)


async def insert_order(conn: AsyncConnection, **values: Any) -> Row:
    await conn.execute(sa.insert(order).values(**values))
    found = await get_order(conn, values["clinic_id"], values["order_id"])
    assert found is not None
    return found


async def update_order(conn: AsyncConnection, row_id: int, **values: Any) -> None:
    await conn.execute(sa.update(order).where(order.c.id == row_id).values(**values))


async def get_order(conn: AsyncConnection, clinic_id: str, order_id: str) -> Row | None:
    found = (
        await conn.execute(
            sa.select(order).where(order.c.clinic_id == clinic_id, order.c.order_id == order_id)
        )
    ).first()
    return None if found is None else _row(found)


async def orders_in_state(
    conn: AsyncConnection,
    clinic_id: str,
    state: str,
    *,
    due_by: dt.datetime | None = None,
    lab: str | None = None,
    limit: int = 200,
) -> list[Row]:
    query = sa.select(order).where(order.c.clinic_id == clinic_id, order.c.state == state)
    if due_by is not None:
        query = query.where(order.c.send_after <= due_by)
    if lab is not None:
        query = query.where(order.c.lab == lab)
    rows = (await conn.execute(query.order_by(order.c.id).limit(limit))).all()
    return [_row(r) for r in rows]


async def visit_orders(conn: AsyncConnection, clinic_id: str, appointment_id: str) -> list[Row]:
    rows = (
        await conn.execute(
            sa.select(order)
            .where(order.c.clinic_id == clinic_id, order.c.appointment_id == appointment_id)
            .order_by(order.c.id)
        )
    ).all()
    return [_row(r) for r in rows]


async def get_charge(
    conn: AsyncConnection, clinic_id: str, appointment_id: str, service_id: str
) -> Row | None:
    found = (
        await conn.execute(
            sa.select(charge).where(
                charge.c.clinic_id == clinic_id,
                charge.c.appointment_id == appointment_id,
                charge.c.service_id == service_id,
            )
        )
    ).first()
    return None if found is None else _row(found)


async def record_charge(
    conn: AsyncConnection,
    clinic_id: str,
    appointment_id: str,
    service_id: str,
    *,
    status: str,
    now: dt.datetime,
    lab: str | None = None,
    order_id: str | None = None,
    detail: str | None = None,
) -> None:
    """Insert or update the charge's row (one per visit and service)."""
    values = {
        "status": status,
        "lab": lab,
        "order_id": order_id,
        "detail": detail,
        "updated_at": now,
    }
    existing = await get_charge(conn, clinic_id, appointment_id, service_id)
    if existing is None:
        await conn.execute(
            sa.insert(charge).values(
                clinic_id=clinic_id,
                appointment_id=appointment_id,
                service_id=service_id,
                created_at=now,
                **values,
            )
        )
    else:
        await conn.execute(sa.update(charge).where(charge.c.id == existing["id"]).values(**values))


async def charges(
    conn: AsyncConnection,
    clinic_id: str,
    statuses: Sequence[str] | None = None,
    *,
    since: dt.datetime | None = None,
    limit: int = 500,
) -> list[Row]:
    query = sa.select(charge).where(charge.c.clinic_id == clinic_id)
    if statuses:
        query = query.where(charge.c.status.in_(list(statuses)))
    if since is not None:
        query = query.where(charge.c.created_at >= since)
    rows = (await conn.execute(query.order_by(charge.c.id.desc()).limit(limit))).all()
    return [_row(r) for r in rows]


async def counts(conn: AsyncConnection, clinic_id: str) -> dict[str, dict[str, int]]:
    """Orders by state and charges by status (for the plugin's status page)."""
    orders = await conn.execute(
        sa.select(order.c.state, sa.func.count())
        .where(order.c.clinic_id == clinic_id)
        .group_by(order.c.state)
    )
    charged = await conn.execute(
        sa.select(charge.c.status, sa.func.count())
        .where(charge.c.clinic_id == clinic_id)
        .group_by(charge.c.status)
    )
    return {
        "orders": {str(k): int(v) for k, v in orders.all()},
        "charges": {str(k): int(v) for k, v in charged.all()},
    }
