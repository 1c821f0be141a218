"""clinic-hub's plugin API: everything a plugin imports comes from here.

    from hub import HookContext, OutgoingMessage, DeliveryResult, hookimpl

The hooks themselves are documented in :mod:`hub.hookspecs`.  Nothing else in the
``hub`` package is part of the plugin API: plugins never import ``hub.db`` or
``hub.api``.  Importing ``hub`` loads the plugin API only (value types, the context
and the interface of hub services it stands on), never the database models or the
runtime: see docs/architecture.md, "Layers".
"""

from __future__ import annotations

import pluggy

from hub import _startup  # noqa: F401 - first of the hub's modules: see its docstring
from hub.context import HookContext, PluginMappings, PluginState
from hub.hookspecs import PROJECT_NAME
from hub.registration import Action, Job, PluginRouter
from hub.settings import ChannelSettings, PluginSettings
from hub.types import (
    ActionError,
    Appointment,
    Balance,
    Card,
    ChannelSpec,
    CheckResult,
    ClinicInfo,
    CostEstimate,
    DeliveryReport,
    DeliveryResult,
    Doctor,
    FieldChange,
    FileAnswer,
    HttpAnswer,
    LabResults,
    Mapping,
    MappingKind,
    OutgoingMessage,
    PatientAnswer,
    ReferenceKind,
    Remindable,
    Service,
    Skipped,
    Specialty,
    SyncResult,
)
from hub.webhooks import PluginHub, PluginHubDep

__version__ = "0.1.0"

#: Marks a plugin's hook implementations: ``@hookimpl`` above a function named after a hook.
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)

__all__ = [
    "Action",
    "ActionError",
    "Appointment",
    "Balance",
    "Card",
    "ChannelSettings",
    "ChannelSpec",
    "CheckResult",
    "ClinicInfo",
    "CostEstimate",
    "DeliveryReport",
    "DeliveryResult",
    "Doctor",
    "FieldChange",
    "FileAnswer",
    "HookContext",
    "HttpAnswer",
    "Job",
    "LabResults",
    "Mapping",
    "MappingKind",
    "OutgoingMessage",
    "PatientAnswer",
    "PluginHub",
    "PluginHubDep",
    "PluginMappings",
    "PluginRouter",
    "PluginSettings",
    "PluginState",
    "ReferenceKind",
    "Remindable",
    "Service",
    "Skipped",
    "Specialty",
    "SyncResult",
    "__version__",
    "hookimpl",
]
