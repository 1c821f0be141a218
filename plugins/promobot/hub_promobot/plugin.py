"""The Promobot scanner: the hook implementations (entry point ``promobot`` in ``clinic_hub``).

Each function is a thin adapter; the work is in :mod:`hub_promobot.scan` (the action)
and :mod:`hub_promobot.check` (connection check, status).
"""

from __future__ import annotations

from typing import Any

from hub_promobot import check, scan
from hub_promobot.const import ACTION_TIMEOUT
from hub_promobot.settings import PromobotSettings

from hub import Action, CheckResult, HookContext, hookimpl

Ctx = HookContext[PromobotSettings]


@hookimpl
def register_settings_model() -> type[PromobotSettings]:
    return PromobotSettings


@hookimpl
def register_actions() -> list[Action]:
    return [
        Action(
            "scan",
            scan.scan,
            scan.ScanInput,
            description="Scan a passport, SNILS or OMS policy at the front desk: the "
            "recognised fields, checked, with what to verify; with a patient_id, the "
            "changes for the card are published as card.document_recognised.",
            timeout=ACTION_TIMEOUT,
        )
    ]


@hookimpl
async def check_settings(ctx: Ctx) -> CheckResult:
    return await check.check(ctx)


@hookimpl
async def get_plugin_status(ctx: Ctx) -> dict[str, Any]:
    return await check.status(ctx)
