"""Id mappings: (hub id, external id) pairs of a plugin's mapping kind for a clinic.

One generic store for every plugin (``id_mapping``): ONDOC's doctors, services and
specialties to the portal's, Labs' services to lab tests (both ways: many-to-many).
Plugins reach it through ``ctx.mappings``, admins through ``GET/PUT/DELETE
/api/v1/clinics/{clinic}/plugins/{plugin}/mappings/{kind}``.  Every function here
takes its session, clinic, plugin and kind; whether the kind exists is the caller's
check (:func:`hub.plugins.PluginHost` knows the declared kinds).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from hub.db.models import IdMapping
from hub.types import Mapping

#: Longest ids: the hub side is a clinic-system id, the external side anything.
MAX_HUB_ID = 100
MAX_EXTERNAL_ID = 255


def clean_pairs(pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """The pairs, stripped and without repeats (first order kept).

    :raises ValueError: naming the first blank, non-string or too long id.
    """
    out: dict[tuple[str, str], None] = {}
    for index, pair in enumerate(pairs):
        try:
            hub_id, external_id = pair
        except (TypeError, ValueError):
            raise ValueError(f"pair {index}: give (hub_id, external_id), got {pair!r}") from None
        for name, value, limit in (
            ("hub_id", hub_id, MAX_HUB_ID),
            ("external_id", external_id, MAX_EXTERNAL_ID),
        ):
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"pair {index}: {name} must be a non-empty string")
            if len(value.strip()) > limit:
                raise ValueError(f"pair {index}: {name} is longer than {limit} characters")
        out[(hub_id.strip(), external_id.strip())] = None
    return list(out)


def _where(
    clinic_id: str,
    plugin: str,
    kind: str,
    hub_id: str | None = None,
    external_id: str | None = None,
) -> list[sa.ColumnElement[bool]]:
    cond = [
        col(IdMapping.clinic_id) == clinic_id,
        col(IdMapping.plugin) == plugin,
        col(IdMapping.kind) == kind,
    ]
    if hub_id is not None:
        cond.append(col(IdMapping.hub_id) == hub_id)
    if external_id is not None:
        cond.append(col(IdMapping.external_id) == external_id)
    return cond


async def rows(
    session: AsyncSession,
    clinic_id: str,
    plugin: str,
    kind: str,
    *,
    hub_id: str | None = None,
    external_id: str | None = None,
) -> list[Mapping]:
    """The pairs of ``kind``, optionally only those of one hub id or external id,
    ordered by hub id then external id."""
    query = (
        sa.select(col(IdMapping.hub_id), col(IdMapping.external_id))
        .where(*_where(clinic_id, plugin, kind, hub_id, external_id))
        .order_by(col(IdMapping.hub_id), col(IdMapping.external_id))
    )
    return [Mapping(hub_id=h, external_id=e) for h, e in (await session.execute(query)).all()]


async def put(
    session: AsyncSession,
    clinic_id: str,
    plugin: str,
    kind: str,
    pairs: Sequence[tuple[str, str]],
    *,
    replace: bool,
    now: dt.datetime,
) -> int:
    """Add ``pairs`` (already :func:`clean_pairs`); with ``replace`` first drop every
    pair of the kind not among them.  Returns how many pairs were new."""
    existing = {(m.hub_id, m.external_id) for m in await rows(session, clinic_id, plugin, kind)}
    wanted = set(pairs)
    if replace:
        gone = existing - wanted
        for hub_id, external_id in gone:
            await session.execute(
                sa.delete(IdMapping).where(*_where(clinic_id, plugin, kind, hub_id, external_id))
            )
    new = [pair for pair in pairs if pair not in existing]
    if new:
        await session.execute(
            sa.insert(IdMapping),
            [
                {
                    "clinic_id": clinic_id,
                    "plugin": plugin,
                    "kind": kind,
                    "hub_id": hub_id,
                    "external_id": external_id,
                    "updated_at": now,
                }
                for hub_id, external_id in new
            ],
        )
    return len(new)


async def delete(
    session: AsyncSession,
    clinic_id: str,
    plugin: str,
    kind: str,
    *,
    hub_id: str | None = None,
    external_id: str | None = None,
) -> int:
    """Delete the pairs of ``kind`` (only those of a hub id and/or an external id when
    given); how many went."""
    result = await session.execute(
        sa.delete(IdMapping).where(*_where(clinic_id, plugin, kind, hub_id, external_id))
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
