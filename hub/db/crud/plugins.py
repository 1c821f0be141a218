"""Plugin configuration rows, the settings audit log and plugin health."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from hub.db.models import PluginConfig, PluginHealth, SettingsAudit


async def get_config(session: AsyncSession, *, clinic_id: str, plugin: str) -> PluginConfig | None:
    return await session.get(PluginConfig, (clinic_id, plugin))


async def configs_of(session: AsyncSession, *, clinic_id: str) -> dict[str, PluginConfig]:
    rows = (
        await session.execute(
            sa.select(PluginConfig).where(col(PluginConfig.clinic_id) == clinic_id)
        )
    ).scalars()
    return {row.plugin: row for row in rows}


async def audit(
    session: AsyncSession,
    *,
    clinic_id: str,
    plugin: str,
    actor: str,
    action: str,
    fields: list[str],
    at: dt.datetime,
) -> None:
    session.add(
        SettingsAudit(
            clinic_id=clinic_id, plugin=plugin, actor=actor, action=action, fields=fields, at=at
        )
    )


async def audit_log(
    session: AsyncSession, *, clinic_id: str, plugin: str | None = None, limit: int = 200
) -> Sequence[SettingsAudit]:
    query = sa.select(SettingsAudit).where(col(SettingsAudit.clinic_id) == clinic_id)
    if plugin is not None:
        query = query.where(col(SettingsAudit.plugin) == plugin)
    query = query.order_by(col(SettingsAudit.id).desc()).limit(limit)
    return list((await session.execute(query)).scalars())


async def health(session: AsyncSession) -> dict[str, list[PluginHealth]]:
    rows = (
        await session.execute(sa.select(PluginHealth).order_by(col(PluginHealth.at).desc()))
    ).scalars()
    out: dict[str, list[PluginHealth]] = {}
    for row in rows:
        out.setdefault(row.plugin, []).append(row)
    return out
