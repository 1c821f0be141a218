"""Installed plugins and their per-clinic configuration."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field

from hub.schemas.common import StrictModel


class PluginFailurePublic(BaseModel):
    """The last failure of a plugin for one clinic."""

    clinic: str | None
    hook: str
    error: str
    at: dt.datetime
    failures: int


class ActionPublic(BaseModel):
    name: str
    description: str
    input_schema: dict[str, Any]
    timeout: float | None = Field(None, description="Its time limit in seconds, if its own.")


class JobPublic(BaseModel):
    name: str
    description: str
    every: str | None
    at: str | None
    timeout: float | None = Field(None, description="Its time limit in seconds, if its own.")
    sync_kind: str | None = Field(None, description="The reference kind it syncs, if any.")


class KindPublic(BaseModel):
    """A reference or mapping kind a plugin declares."""

    name: str
    description: str
    hub_kind: str | None = None


class PluginPublic(BaseModel):
    """An installed plugin: what it is, what it implements, how to configure it."""

    name: str
    version: str
    distribution: str | None
    description: str
    status: str = Field(description="loaded or broken")
    error: str | None = Field(None, description="Why a broken plugin could not load.")
    builtin: bool
    hooks: list[str]
    channels: list[str]
    settings_schema: dict[str, Any]
    actions: list[ActionPublic]
    jobs: list[JobPublic]
    reference_kinds: list[KindPublic] = Field(default_factory=list)
    mapping_kinds: list[KindPublic] = Field(default_factory=list)
    last_errors: list[PluginFailurePublic] = Field(
        default_factory=list, description="The last failure per clinic."
    )


class PluginList(BaseModel):
    items: list[PluginPublic]


class PluginConfigUpdate(StrictModel):
    """``PUT /api/v1/clinics/{clinic}/plugins/{plugin}``.

    Settings merge into what is stored: a field left out keeps its value (secrets
    included), an explicit ``null`` resets it to its default (clears a secret).
    """

    enabled: bool | None = None
    settings: dict[str, Any] | None = None


class ClinicPluginPublic(BaseModel):
    """A plugin as configured for one clinic; secrets masked."""

    name: str
    version: str
    description: str
    enabled: bool
    settings: dict[str, Any]
    valid: bool = Field(description="Whether the stored settings pass the plugin's model.")
    problems: list[dict[str, Any]] = Field(default_factory=list)
    updated_at: dt.datetime | None = None


class ClinicPluginList(BaseModel):
    items: list[ClinicPluginPublic]


class CheckPublic(BaseModel):
    """The answer of a connection check."""

    ok: bool
    problems: list[str]
    details: dict[str, Any] = Field(default_factory=dict)


class AuditPublic(BaseModel):
    id: int
    clinic: str
    plugin: str
    actor: str
    at: dt.datetime
    action: str
    fields: list[str]


class AuditList(BaseModel):
    items: list[AuditPublic]
