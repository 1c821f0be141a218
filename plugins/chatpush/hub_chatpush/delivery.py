"""Sending, balance and delivery statuses, in the hub's terms.

    send(ctx, message)          POST /delivery -> DeliveryResult (cost when ChatPush reports it)
    poll_statuses(ctx)          the status-poll job: GET /delivery/{id} for messages with no report
    register_webhook(ctx)       make ChatPush post to this clinic's webhook address
    webhook (route)             POST /plugins/chatpush/webhook/{clinic}?secret=...
    check(ctx) / balance(ctx)   GET /account with the saved token

Delivery statuses come from the webhook when ChatPush can reach the hub
(``HUB_PUBLIC_URL`` set, the address registered); the poll asks about whatever has
had no status ``status_poll_minutes`` after sending, so without a webhook it is the
only source and with one it only catches what the webhook missed.

The webhook: ChatPush signs nothing (protocols-2 §5.2), so the address carries a
per-clinic secret (``?secret=``) compared in constant time:

    unknown clinic                          404
    secret missing or wrong                 403, nothing read, nothing changed
    body not a JSON object                  422
    a delivery with a final status          reported to the hub -> journal
    anything else (incoming message,
    a status not final, an unknown id)      acknowledged (200), nothing changed
    the hub could not record the report     503, so ChatPush sends it again

The secret never leaves the hub unmasked: job summaries, action answers and logs show
the address with ``•••`` in its place.
"""

from __future__ import annotations

import hmac
import json
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, HTTPException, Request
from hub_chatpush.client import ChatpushClient, ChatpushError, Delivery, delivery_of, digits
from hub_chatpush.const import State
from hub_chatpush.settings import ChatpushSettings
from pydantic import BaseModel, ConfigDict

from hub import (
    Balance,
    CheckResult,
    DeliveryReport,
    DeliveryResult,
    HookContext,
    OutgoingMessage,
    PluginHubDep,
)

Ctx = HookContext[ChatpushSettings]
#: Messages one status-poll run asks about.
POLL_LIMIT = 200
_MASK = "•••"
TOKEN_HINT = "check the instance token in the ChatPush cabinet"

router = APIRouter()


def client_for(ctx: Ctx) -> ChatpushClient:
    settings = ctx.settings
    return ChatpushClient(
        ctx.http,
        settings.token.get_secret_value(),
        settings.base_url,
        hide=(settings.webhook_secret.get_secret_value(),),
    )


def failure(error: ChatpushError) -> DeliveryResult:
    code = None if error.code is None else str(error.code)
    if error.transient:
        return DeliveryResult.transient(code, error.text, raw=error.raw)
    return DeliveryResult.permanent(
        code, error.text, provider_side=error.provider_side, raw=error.raw
    )


async def send(ctx: Ctx, message: OutgoingMessage) -> DeliveryResult:
    """Send one messenger message; ChatPush answers the delivery's id."""
    phone = digits(message.address)
    if not phone:
        return DeliveryResult.permanent("422", f"no digits in the number {message.address!r}")
    try:
        sent = await client_for(ctx).send(phone, message.text)
    except ChatpushError as exc:
        return failure(exc)
    return DeliveryResult.accepted(sent.id, cost=sent.cost, raw=sent.raw)


def report(delivery: Delivery) -> DeliveryReport | None:
    """The delivery report of a ChatPush status, or ``None`` while it is not final."""
    if delivery.state is State.DELIVERED:
        return DeliveryReport(
            provider_message_id=delivery.id, status="delivered", at=delivery.at, cost=delivery.cost
        )
    if delivery.state is State.FAILED:
        return DeliveryReport(
            provider_message_id=delivery.id,
            status="failed",
            error_code=delivery.status,
            error_text=delivery.error or delivery.status,
            at=delivery.at,
            cost=delivery.cost,
        )
    return None


async def poll_statuses(ctx: Ctx) -> str:
    """Ask ChatPush about messages still waiting for a status; report the final ones."""
    wait = ctx.settings.status_poll_every
    if wait is None:
        return "status polling is off (status_poll_minutes = 0)"
    ids = await ctx.awaiting_report(older_than=wait, limit=POLL_LIMIT)
    client = client_for(ctx)
    counts = {"delivered": 0, "failed": 0, "pending": 0}
    for delivery_id in ids:
        try:
            found = await client.delivery(delivery_id)
        except ChatpushError as exc:
            if exc.transient or exc.provider_side:
                raise RuntimeError(f"ChatPush: {exc.text}") from None
            counts["pending"] += 1  # 404: asked again next round, gone after three days
            continue
        final = report(found) if found is not None and found.id == delivery_id else None
        if final is None:
            counts["pending"] += 1
            continue
        await ctx.report_delivery(final)
        counts[final.status] += 1
    return f"asked about {len(ids)}: " + ", ".join(f"{n} {what}" for what, n in counts.items())


async def balance(ctx: Ctx) -> Balance:
    return Balance(amount=await client_for(ctx).balance())


async def check(ctx: Ctx) -> CheckResult:
    """GET /account with the saved token: a refused token is said plainly."""
    try:
        amount = await client_for(ctx).balance()
    except ChatpushError as exc:
        if exc.code in (401, 403):
            return CheckResult.failed(f"ChatPush did not accept the token: {TOKEN_HINT}.")
        return CheckResult.failed(f"ChatPush: {exc.text}")
    details: dict[str, Any] = {"balance": str(amount)}
    if ctx.public_url is None:
        details["webhook"] = "HUB_PUBLIC_URL is not set: delivery statuses come from the poll"
    return CheckResult.passed(note=f"ChatPush account balance: {amount} RUB", **details)


# --- the webhook address and its registration ------------------------------------------


def webhook_path(plugin: str, clinic_id: str) -> str:
    """The webhook's path below the hub's public URL (routes are under ``/plugins/{plugin}``)."""
    return f"/plugins/{plugin}/webhook/{quote(clinic_id, safe='')}"


def webhook_url(ctx: Ctx) -> str | None:
    """This clinic's webhook address with its secret, or ``None`` without ``HUB_PUBLIC_URL``."""
    if not ctx.public_url:
        return None
    secret = ctx.settings.webhook_secret.get_secret_value()
    path = webhook_path(ctx.plugin, ctx.clinic.id)
    return ctx.public_url.rstrip("/") + path + "?" + urlencode({"secret": secret})


def masked(url: str) -> str:
    """``url`` with its secret hidden."""
    head, _, query = url.partition("?secret=")
    return f"{head}?secret={_MASK}" if query else url


def _this_clinic(url: str, ctx: Ctx) -> bool:
    """Whether ``url`` is a webhook address of this clinic (any secret, any host)."""
    return url.split("?", 1)[0].endswith(webhook_path(ctx.plugin, ctx.clinic.id))


async def register_webhook(ctx: Ctx) -> dict[str, Any]:
    """Register this clinic's webhook address with ChatPush and delete its stale ones
    (an address of this clinic with an older secret, host or list of types)."""
    url = webhook_url(ctx)
    if url is None:
        return {
            "registered": False,
            "reason": "HUB_PUBLIC_URL is not set, so ChatPush cannot reach the hub; "
            "delivery statuses come from the status poll",
        }
    types = tuple(ctx.settings.webhook_types)
    client = client_for(ctx)
    hooks = [h for h in await client.webhooks() if _this_clinic(h.url, ctx)]
    current = [h for h in hooks if h.url == url and set(h.types) >= set(types)]
    stale = [h for h in hooks if h not in current]
    for old in stale:
        await client.delete_webhook(old.id)
    if not current:
        await client.add_webhook(url, types)
    return {
        "registered": True,
        "added": not current,
        "removed_stale": len(stale),
        "url": masked(url),
        "types": list(types),
    }


async def registration_job(ctx: Ctx) -> str:
    outcome = await register_webhook(ctx)
    if not outcome["registered"]:
        return str(outcome["reason"])
    if outcome["added"]:
        return f"registered {outcome['url']} (removed {outcome['removed_stale']} stale)"
    return "webhook already registered"


class NoInput(BaseModel):
    """This action takes no input."""

    model_config = ConfigDict(extra="forbid")


async def register_webhook_action(ctx: Ctx, data: NoInput) -> dict[str, Any]:
    """Action ``register_webhook``: register the address now."""
    return await register_webhook(ctx)


# --- the webhook route -----------------------------------------------------------------


def delivery_in(event: dict[str, Any]) -> Delivery | None:
    """The delivery an event is about [?]: ``payload.delivery``, ``delivery``, ``payload``
    or the event itself, whichever is a delivery object (``id`` and ``status``)."""
    payload = event.get("payload")
    candidates = [event.get("delivery"), payload, event]
    if isinstance(payload, dict):
        candidates.insert(0, payload.get("delivery"))
    for candidate in candidates:
        found = delivery_of(candidate)
        if found is not None:
            return found
    return None


@router.post("/webhook/{clinic}")
async def webhook(
    clinic: str, request: Request, hub: PluginHubDep[ChatpushSettings]
) -> dict[str, Any]:
    """An event from ChatPush; a final delivery status goes to the journal."""
    ctx = await hub.context(clinic)
    given = request.query_params.get("secret", "")
    wanted = ctx.settings.webhook_secret.get_secret_value()
    if not hmac.compare_digest(given.encode(), wanted.encode()):
        raise HTTPException(403, "wrong or missing secret in the webhook address")
    try:
        event = json.loads(await request.body())
    except ValueError:
        raise HTTPException(422, "the body is not JSON") from None
    if not isinstance(event, dict):
        raise HTTPException(422, "the body is not a JSON object")
    found = delivery_in(event)
    final = report(found) if found is not None else None
    if final is None:
        return {"ok": True, "taken": False}
    try:
        known = await ctx.report_delivery(final)
    except Exception:
        ctx.log.exception("could not record ChatPush's status of %s", final.provider_message_id)
        raise HTTPException(503, "The hub could not record the status; send it again.") from None
    return {"ok": True, "taken": known}
