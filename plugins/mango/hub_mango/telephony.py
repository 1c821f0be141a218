"""Telephony: Mango's webhooks, who is calling, call history, click to call.

Webhooks arrive at ``/plugins/mango/{clinic}/<path>`` (each clinic's Mango account is
set to its own base URL) as the form ``vpbx_api_key``, ``sign``, ``json``.  Every one
is verified: the key must be the clinic's and ``sign`` must be ``sha256(key + json +
salt)``; otherwise 401 and nothing happens.  Then:

    events/call       an external number reaching an extension: feed ``call.incoming``
                      {entry_id, phone, extension, line_number, patient_ids}, once per
                      (call, extension)
    events/summary    the call is over: kept in ``mango_call`` and published as feed
                      ``call.finished``, once per call
    result/callback   the outcome of a click-to-call command, recorded
    ping              «Проверить подключение» in Mango's cabinet
    anything else     verified and acknowledged (Mango posts more event kinds)

Actions: ``call`` (click to call: ``commands/callback``), ``call_history`` (the calls of
a period, optionally of one number), ``call_result`` (a click-to-call outcome).
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
import secrets
from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, HTTPException, Request
from hub_mango.account import Ctx, client_for
from hub_mango.client import MangoError, verify
from hub_mango.const import CODES, DIRECTION_NAMES, Direction
from hub_mango.phones import e164
from hub_mango.settings import MangoSettings
from hub_mango.tables import CALL, COMMAND, utc
from pydantic import BaseModel, Field, model_validator
from sqlalchemy.exc import IntegrityError

from hub import ActionError, PluginHubDep

#: How long an incoming call is remembered so ``call.incoming`` is published once.
INCOMING_TTL = dt.timedelta(days=1)
#: The longest period ``call_history`` answers, and the most calls.
MAX_PERIOD = dt.timedelta(days=93)
MAX_CALLS = 1000

router = APIRouter()

#: This plugin's access to the hub in its routes (contexts typed by its settings).
MangoHub = PluginHubDep[MangoSettings]


# --- webhooks -------------------------------------------------------------------------------


async def verified(request: Request, ctx: Ctx) -> dict[str, Any]:
    """The webhook's ``json``, once its key and sign are the clinic's; else 401."""
    form = await request.form()
    key, text, given = (form.get(k) for k in ("vpbx_api_key", "json", "sign"))
    settings = ctx.settings
    own_key = settings.api_key.get_secret_value()
    if not (isinstance(key, str) and isinstance(text, str) and isinstance(given, str)):
        raise HTTPException(401, "Unsigned request: vpbx_api_key, json and sign are required.")
    if not hmac.compare_digest(key.encode(), own_key.encode()) or not verify(
        own_key, text, settings.api_salt.get_secret_value(), given
    ):
        ctx.log.warning("Mango webhook rejected: the key or the sign does not match")
        raise HTTPException(401, "The sign does not match this clinic's Mango account.")
    try:
        data = json.loads(text)
    except ValueError:
        raise HTTPException(400, "json is not valid JSON.") from None
    if not isinstance(data, dict):
        raise HTTPException(400, "json must be an object.")
    return data


async def clinic_ctx(hub: MangoHub, clinic: str) -> Ctx:
    return await hub.context(clinic)


def _party(data: dict[str, Any], side: str) -> dict[str, Any]:
    value = data.get(side)
    return value if isinstance(value, dict) else {}


def _str(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


@router.post("/{clinic}/events/call")
async def events_call(clinic: str, request: Request, hub: MangoHub) -> dict[str, bool]:
    ctx = await clinic_ctx(hub, clinic)
    data = await verified(request, ctx)
    origin, target = _party(data, "from"), _party(data, "to")
    extension = _str(target.get("extension"))
    number = _str(origin.get("number"))
    entry_id = _str(data.get("entry_id"))
    incoming = data.get("call_state") == "Appeared" and not origin.get("extension")
    if incoming and extension and number and entry_id:
        if await ctx.state.add(f"incoming:{entry_id}:{extension}", True, ttl=INCOMING_TTL):
            phone = e164(number) or number
            cards = await ctx.find_cards(phone) if e164(number) else []
            await ctx.publish(
                "call.incoming",
                {
                    "entry_id": entry_id,
                    "call_id": _str(data.get("call_id")),
                    "phone": phone,
                    "extension": extension,
                    "line_number": _str(target.get("line_number")),
                    "patient_ids": [card.id for card in cards],
                },
            )
    return {"success": True}


def _time(value: Any) -> dt.datetime | None:
    try:
        seconds = int(value)
    except (TypeError, ValueError):
        return None
    return dt.datetime.fromtimestamp(seconds, dt.UTC) if seconds > 0 else None


@router.post("/{clinic}/events/summary")
async def events_summary(clinic: str, request: Request, hub: MangoHub) -> dict[str, bool]:
    ctx = await clinic_ctx(hub, clinic)
    data = await verified(request, ctx)
    entry_id = _str(data.get("entry_id"))
    created = _time(data.get("create_time"))
    if entry_id is None or created is None:
        raise HTTPException(400, "events/summary needs entry_id and create_time.")
    try:
        direction = DIRECTION_NAMES[Direction(int(data.get("call_direction", -1)))]
    except (TypeError, ValueError):
        direction = "unknown"
    talk, end = _time(data.get("talk_time")), _time(data.get("end_time"))
    origin, target = _party(data, "from"), _party(data, "to")
    row = {
        "clinic_id": ctx.clinic.id,
        "entry_id": entry_id[:255],
        "direction": direction,
        "from_number": _str(origin.get("number")),
        "from_extension": _str(origin.get("extension")),
        "to_number": _str(target.get("number")),
        "to_extension": _str(target.get("extension")),
        "line_number": _str(data.get("line_number")),
        "started_at": created,
        "talk_seconds": max(0, int((end - talk).total_seconds())) if talk and end else 0,
        "answered": str(data.get("entry_result")) == "1",
        "disconnect_reason": _int(data.get("disconnect_reason")),
    }
    try:
        async with ctx.tables() as conn:
            await conn.execute(sa.insert(CALL).values(**row))
    except IntegrityError:
        return {"success": True}  # a repeated summary: kept and published once
    origin_number, target_number = _str(origin.get("number")), _str(target.get("number"))
    phone = e164(origin_number if direction == "incoming" else target_number)
    cards = await ctx.find_cards(phone) if phone else []
    await ctx.publish("call.finished", {**public(row), "patient_ids": [card.id for card in cards]})
    return {"success": True}


@router.post("/{clinic}/result/callback")
async def result_callback(clinic: str, request: Request, hub: MangoHub) -> dict[str, bool]:
    ctx = await clinic_ctx(hub, clinic)
    data = await verified(request, ctx)
    command_id, result = _str(data.get("command_id")), _int(data.get("result"))
    if command_id is None or result is None:
        raise HTTPException(400, "result/callback needs command_id and result.")
    async with ctx.tables() as conn:
        await conn.execute(
            sa.update(COMMAND)
            .where(COMMAND.c.clinic_id == ctx.clinic.id, COMMAND.c.command_id == command_id)
            .values(result=result, result_at=ctx.now())
        )
    return {"success": True}


@router.post("/{clinic}/ping")
async def ping(clinic: str, request: Request, hub: MangoHub) -> dict[str, bool]:
    await verified(request, await clinic_ctx(hub, clinic))
    return {"success": True}


@router.post("/{clinic}/{path:path}")
async def other_event(clinic: str, path: str, request: Request, hub: MangoHub) -> dict[str, bool]:
    """Event kinds the hub does not use (recordings, DTMF...): verified, acknowledged."""
    await verified(request, await clinic_ctx(hub, clinic))
    return {"success": True}


def _int(value: Any) -> int | None:
    try:
        return None if value is None or isinstance(value, bool) else int(value)
    except (TypeError, ValueError):
        return None


def public(row: Any) -> dict[str, Any]:
    """A call as the feed and ``call_history`` show it."""
    get = row.get if isinstance(row, dict) else row._mapping.get
    started = utc(get("started_at"))
    return {
        "entry_id": get("entry_id"),
        "direction": get("direction"),
        "from_number": get("from_number"),
        "from_extension": get("from_extension"),
        "to_number": get("to_number"),
        "to_extension": get("to_extension"),
        "line_number": get("line_number"),
        "start": started.isoformat() if started else None,
        "talk_seconds": get("talk_seconds"),
        "answered": bool(get("answered")),
        "result": get("disconnect_reason"),
    }


# --- actions --------------------------------------------------------------------------------


class CallInput(BaseModel):
    """Input of ``call``: whom to call, from which extension (default: the setting)."""

    phone: str = Field(min_length=1, max_length=64)
    extension: str | None = Field(None, pattern=r"^\d{1,10}$")


class CallHistoryInput(BaseModel):
    """Input of ``call_history``: a period (aware or clinic-local times, or dates) and
    optionally one number."""

    phone: str | None = Field(None, max_length=64)
    from_: dt.datetime = Field(alias="from")
    to: dt.datetime

    @model_validator(mode="after")
    def _period(self) -> CallHistoryInput:
        if self.to.tzinfo is None and self.from_.tzinfo is not None:
            raise ValueError("give both times with a zone or both without")
        if self.to <= self.from_:
            raise ValueError("'to' must be after 'from'")
        if self.to - self.from_ > MAX_PERIOD:
            raise ValueError(f"the period may be at most {MAX_PERIOD.days} days")
        return self


class CallResultInput(BaseModel):
    """Input of ``call_result``."""

    command_id: str = Field(min_length=1, max_length=64)


async def call(ctx: Ctx, data: CallInput) -> dict[str, Any]:
    """Click to call: Mango rings the extension, then dials the number."""
    extension = data.extension or ctx.settings.extension
    if not extension:
        raise ActionError(
            "give an extension, or set the default extension in the settings", status=422
        )
    phone = e164(data.phone)
    if phone is None:
        raise ActionError(f"{data.phone!r} is not a phone number", status=422)
    command_id = "hub-" + secrets.token_hex(12)
    try:
        await client_for(ctx).callback(command_id, extension, phone)
    except MangoError as exc:
        status = 503 if exc.transient else 502
        raise ActionError(f"Mango did not place the call: {exc.text}", status=status) from None
    async with ctx.tables() as conn:
        await conn.execute(
            sa.insert(COMMAND).values(
                command_id=command_id,
                clinic_id=ctx.clinic.id,
                phone=phone,
                extension=extension,
                created_at=ctx.now(),
            )
        )
    return {"command_id": command_id, "phone": phone, "extension": extension}


async def call_result(ctx: Ctx, data: CallResultInput) -> dict[str, Any]:
    """The outcome Mango reported for a click-to-call command (``None`` while pending)."""
    async with ctx.tables() as conn:
        row = (
            await conn.execute(
                sa.select(COMMAND).where(
                    COMMAND.c.clinic_id == ctx.clinic.id, COMMAND.c.command_id == data.command_id
                )
            )
        ).first()
    if row is None:
        raise ActionError(f"unknown command {data.command_id!r}", status=404)
    code = row.result
    known = CODES.get(code) if code is not None else None
    at = utc(row.result_at)
    return {
        "command_id": row.command_id,
        "phone": row.phone,
        "extension": row.extension,
        "result": code,
        "text": known.text if known else None,
        "at": at.isoformat() if at else None,
    }


async def call_history(ctx: Ctx, data: CallHistoryInput) -> dict[str, Any]:
    """The calls that started in the period, oldest first."""
    tz = ctx.clinic.tz
    start = data.from_ if data.from_.tzinfo else data.from_.replace(tzinfo=tz)
    end = data.to if data.to.tzinfo else data.to.replace(tzinfo=tz)
    query = sa.select(CALL).where(
        CALL.c.clinic_id == ctx.clinic.id,
        CALL.c.started_at >= start.astimezone(dt.UTC),
        CALL.c.started_at < end.astimezone(dt.UTC),
    )
    if data.phone:
        phone = e164(data.phone)
        if phone is None:
            raise ActionError(f"{data.phone!r} is not a phone number", status=422)
        spellings = {phone, phone.lstrip("+")}
        query = query.where(
            sa.or_(CALL.c.from_number.in_(spellings), CALL.c.to_number.in_(spellings))
        )
    async with ctx.tables() as conn:
        rows = (
            await conn.execute(query.order_by(CALL.c.started_at, CALL.c.id).limit(MAX_CALLS + 1))
        ).all()
    return {"calls": [public(r) for r in rows[:MAX_CALLS]], "truncated": len(rows) > MAX_CALLS}
