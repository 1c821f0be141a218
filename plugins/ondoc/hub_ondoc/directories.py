"""Doctors, services and specialties: uploaded to the portal, mapping read back.

``sync_reference_data(ctx, kind)`` for ``doctors``, ``services`` and ``specialties``
(on demand through ``POST .../plugins/ondoc/sync/{kind}``, and by the ``sync_*`` jobs):
the clinic's current items are uploaded whole (``PUT /directories/{kind}``, company
token), then the portal's mapping — made by a person in the portal («сопоставление
выгруженных данных со справочниками ONDOC происходит вручную») — replaces this plugin's
mappings of that kind (``ctx.mappings``, hub id -> ONDOC id), so that an admin sees in
``GET .../plugins/ondoc/mappings/{kind}`` which items are still unmapped.
"""

from __future__ import annotations

from typing import Any

from hub_ondoc.connection import Ctx, portal_of
from hub_ondoc.const import DIRECTORY_KINDS

from hub import SyncResult


def _doctor(item: dict[str, Any]) -> dict[str, Any]:
    parts = [item.get("last_name"), item.get("first_name"), item.get("middle_name")]
    return {
        "id": str(item["id"]),
        "name": " ".join(str(p) for p in parts if p),
        "last_name": item.get("last_name") or "",
        "first_name": item.get("first_name") or "",
        "middle_name": item.get("middle_name") or "",
        "specialty_id": item.get("specialty_id"),
    }


def _service(item: dict[str, Any]) -> dict[str, Any]:
    out = {"id": str(item["id"]), "name": item.get("name") or str(item["id"])}
    if item.get("price") is not None:
        out["price"] = item["price"]
    return out


def _specialty(item: dict[str, Any]) -> dict[str, Any]:
    return {"id": str(item["id"]), "name": item.get("name") or str(item["id"])}


_SHAPES = {"doctors": _doctor, "services": _service, "specialties": _specialty}


async def sync(ctx: Ctx, kind: str) -> SyncResult | None:
    """Upload one directory and read its mapping back; ``None`` for other kinds."""
    if kind not in DIRECTORY_KINDS:
        return None
    items = [_SHAPES[kind](item) for item in await ctx.reference(kind)]
    portal = portal_of(ctx)
    received = await portal.put_directory(kind, items)
    rows = await portal.directory_mapping(kind)
    ours = {i["id"] for i in items}
    pairs = [(r.mis_id, r.ondoc_id) for r in rows if r.ondoc_id and r.mis_id in ours]
    await ctx.mappings.put(kind, pairs, replace=True)
    return SyncResult(
        kind=kind,
        counts={
            "uploaded": len(items),
            "received": received,
            "mapped": len({hub_id for hub_id, _ in pairs}),
            "unmapped": len(ours - {hub_id for hub_id, _ in pairs}),
        },
    )
