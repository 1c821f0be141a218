"""Plugin reference kinds: the kinds plugins declare, and storing their items.

A plugin's kind (``lab_tests``) lives in the same table as the hub's own kinds and is
replaced the same way (:func:`hub.intake.reference.replace`: created, updated,
unchanged, removed).  Its items are objects with a string ``id`` whose other fields are
kept as sent (JSON).  Which kinds exist and who owns each is the plugin host's answer
(:meth:`hub.plugins.PluginHost.reference_kinds`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from hub.error_text import readable
from hub.intake import reference
from hub.intake.scope import ClinicScope
from hub.schemas.reference import KINDS, PluginItemIn
from hub.types import SyncResult

_ADAPTERS: dict[str, TypeAdapter[list[Any]]] = {
    kind: TypeAdapter(list[model])  # type: ignore[valid-type]
    for kind, model in {**KINDS, "": PluginItemIn}.items()
}


class UnknownKind(LookupError):
    """A reference kind no one declared."""

    def __init__(self, kind: str, known: Sequence[str]) -> None:
        super().__init__(f"unknown reference kind {kind!r}: one of {', '.join(known)}")
        self.kind = kind


def check_kind(kind: str, known: Mapping[str, str | None]) -> str:
    """``kind`` if it is one of ``known`` (the hub's and the plugins' kinds)."""
    if kind not in known:
        raise UnknownKind(kind, list(known))
    return kind


def parse(kind: str, items: Sequence[Any]) -> list[BaseModel]:
    """Validate the items of ``kind`` (the hub's models, or ``id`` + anything for a
    plugin's kind); raises pydantic's :class:`ValidationError`."""
    return list(_ADAPTERS.get(kind, _ADAPTERS[""]).validate_python(list(items)))


def describe(errors: ValidationError) -> str:
    """One line naming each problem of :func:`parse` (for a plugin's ``ValueError``)."""
    return "; ".join(
        f"item {'.'.join(str(p) for p in e['loc'])}: {readable(e)}" for e in errors.errors()
    )


async def store(
    session: AsyncSession,
    clinic: ClinicScope,
    kind: str,
    items: Sequence[BaseModel],
    *,
    now: dt.datetime,
) -> SyncResult:
    """Replace the clinic's items of ``kind`` with ``items`` (parsed); the counts."""
    result = await reference.replace(session, clinic, kind, items, now=now)
    return SyncResult(
        kind=kind,
        counts={k: result[k] for k in ("created", "updated", "unchanged", "removed")},
    )
