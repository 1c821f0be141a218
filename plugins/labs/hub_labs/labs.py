"""The clinic's laboratories as adapters: which one a call is for, and its client.

``adapter(ctx, lab)`` builds the protocol client of one configured laboratory on the
hub's shared HTTP client (the token read from the settings' secret, never logged).
"""

from __future__ import annotations

from typing import Any

from hub_labs.adapters import LabAdapter, make_adapter
from hub_labs.settings import LabConfig, LabsSettings

from hub import HookContext

Ctx = HookContext[LabsSettings]


def adapter(ctx: Ctx | HookContext[Any], lab: LabConfig) -> LabAdapter:
    return make_adapter(
        lab.adapter, ctx.http, lab.base_url, lab.token.get_secret_value(), ctx.clinic.id
    )
