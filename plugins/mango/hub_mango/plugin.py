"""Mango Office: the hook implementations (entry point ``mango`` in ``clinic_hub``).

Each function is a thin adapter; the work is in :mod:`hub_mango.push` (the daily
push and ``send_messages``), :mod:`hub_mango.status` (the robot's answer),
:mod:`hub_mango.finished` (calls not completed), :mod:`hub_mango.telephony`
(webhooks, click to call, call history) and :mod:`hub_mango.account` (the check).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from hub_mango import account, finished, push, status, telephony
from hub_mango.settings import MangoSettings

from hub import (
    Action,
    CheckResult,
    DeliveryResult,
    HookContext,
    Job,
    OutgoingMessage,
    PluginRouter,
    hookimpl,
)

Ctx = HookContext[MangoSettings]

#: Seconds an action that asks Mango may take (a paced request plus its own time limit).
ACTION_TIMEOUT = 60.0


@hookimpl
def register_settings_model() -> type[MangoSettings]:
    return MangoSettings


@hookimpl
def register_channels() -> list[str]:
    return ["voice"]


@hookimpl
def register_routes() -> list[PluginRouter | APIRouter]:
    return [status.routes, telephony.router]


@hookimpl
def register_migrations() -> Path:
    return Path(__file__).parent / "migrations"


@hookimpl
def register_jobs() -> list[Job]:
    return [
        Job(
            "push",
            push.daily_push,
            at="push_at",
            description="push the appointments days_ahead days later to the voice robot's "
            "campaign (export_time, clinic time)",
            timeout=600,
        ),
        Job(
            "finished_poll",
            finished.poll,
            every="finished_poll_every",
            description="tasks/finished: record robot calls that reached no one",
            timeout=300,
        ),
    ]


@hookimpl
def register_actions() -> list[Action]:
    return [
        Action(
            "send_to_robot",
            push.send_to_robot,
            push.SendToRobot,
            description="Push one appointment to the voice robot now («Отправить голосовому "
            "роботу»).",
            timeout=ACTION_TIMEOUT,
        ),
        Action(
            "call",
            telephony.call,
            telephony.CallInput,
            description="Click to call: ring the extension, then dial the number.",
            timeout=ACTION_TIMEOUT,
        ),
        Action(
            "call_history",
            telephony.call_history,
            telephony.CallHistoryInput,
            description="The calls of a period, optionally of one number.",
        ),
        Action(
            "call_result",
            telephony.call_result,
            telephony.CallResultInput,
            description="What Mango reported about a click-to-call command.",
        ),
    ]


@hookimpl
async def check_settings(ctx: Ctx) -> CheckResult:
    return await account.check(ctx)


@hookimpl
async def send_messages(
    ctx: Ctx, messages: tuple[OutgoingMessage, ...]
) -> list[DeliveryResult] | None:
    if any(m.channel != "voice" for m in messages):
        return None
    return await push.send(ctx, messages)


@hookimpl
async def send_message(ctx: Ctx, message: OutgoingMessage) -> DeliveryResult | None:
    if message.channel != "voice":
        return None
    return (await push.send(ctx, (message,)))[0]
