"""Per-clinic plugin configuration, its audit log, plugin health and plugin state."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel import Field, SQLModel

from hub.db.types import BigIntKey, JSONType, UTCDateTime


class PluginConfig(SQLModel, table=True):
    """Whether a plugin is enabled for a clinic, and its settings there.

    Non-secret settings are plain JSON in ``settings``; secret ones are one Fernet
    token in ``secrets`` (a JSON object, encrypted), never stored in the clear.
    """

    __tablename__ = "plugin_config"

    clinic_id: str = Field(foreign_key="clinic.id", ondelete="CASCADE", primary_key=True)
    plugin: str = Field(primary_key=True, max_length=100)
    enabled: bool = False
    settings: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    secrets: str | None = None
    updated_at: dt.datetime = Field(sa_type=UTCDateTime)


class SettingsAudit(SQLModel, table=True):
    """One change of a plugin's settings: who, when, which fields (never values)."""

    __tablename__ = "settings_audit"

    id: int | None = Field(default=None, primary_key=True, sa_type=BigIntKey)
    clinic_id: str = Field(index=True, max_length=63)
    plugin: str = Field(max_length=100)
    actor: str = Field(max_length=255)
    at: dt.datetime = Field(sa_type=UTCDateTime)
    action: str = Field(max_length=32)
    fields: list[str] = Field(default_factory=list, sa_type=JSONType)


class PluginHealth(SQLModel, table=True):
    """The last failure of a plugin for a clinic ('' for calls without a clinic)."""

    __tablename__ = "plugin_health"

    plugin: str = Field(primary_key=True, max_length=100)
    clinic_id: str = Field(primary_key=True, max_length=63)
    hook: str = Field(max_length=100)
    error: str
    at: dt.datetime = Field(sa_type=UTCDateTime)
    failures: int = 0


class PluginStateRow(SQLModel, table=True):
    """A plugin's own key/value data for a clinic (``ctx.state``); a key whose
    ``expires_at`` has passed reads as absent."""

    __tablename__ = "plugin_state"

    clinic_id: str = Field(foreign_key="clinic.id", ondelete="CASCADE", primary_key=True)
    plugin: str = Field(primary_key=True, max_length=100)
    key: str = Field(primary_key=True, max_length=255)
    value: Any = Field(default=None, sa_type=JSONType)
    updated_at: dt.datetime = Field(sa_type=UTCDateTime)
    expires_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
