"""Plugin state: per-clinic key/value data a plugin keeps through ``ctx.state``."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlmodel import col

from hub.db.engine import Database
from hub.db.models import PluginState


async def get(db: Database, clinic_id: str, plugin: str, key: str, default: Any) -> Any:
    async with db.session() as session:
        row = await session.get(PluginState, (clinic_id, plugin, key))
        return default if row is None else row.value


async def put(
    db: Database, clinic_id: str, plugin: str, key: str, value: Any, now: dt.datetime
) -> None:
    async with db.session() as session:
        row = await session.get(PluginState, (clinic_id, plugin, key))
        if row is None:
            session.add(
                PluginState(
                    clinic_id=clinic_id, plugin=plugin, key=key, value=value, updated_at=now
                )
            )
        else:
            row.value, row.updated_at = value, now


async def delete(db: Database, clinic_id: str, plugin: str, key: str) -> bool:
    async with db.session() as session:
        result = await session.execute(
            sa.delete(PluginState).where(
                col(PluginState.clinic_id) == clinic_id,
                col(PluginState.plugin) == plugin,
                col(PluginState.key) == key,
            )
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


async def items(db: Database, clinic_id: str, plugin: str, prefix: str) -> dict[str, Any]:
    async with db.session() as session:
        query = sa.select(col(PluginState.key), col(PluginState.value)).where(
            col(PluginState.clinic_id) == clinic_id,
            col(PluginState.plugin) == plugin,
        )
        if prefix:
            query = query.where(col(PluginState.key).startswith(prefix))
        rows = (await session.execute(query.order_by(col(PluginState.key)))).all()
        return {key: value for key, value in rows}
