"""Sending, balance, the connection check and statuses, in the hub's terms.

    send(ctx, message)        mode event: transmit the event with the message's data;
                              mode cascade: message/send, messenger then SMS
    report(settings, status)  one webhook status -> a DeliveryReport, or None (not final)
    balance(ctx), check(ctx)  Imobis balance / info with the saved token
    webhook_url(ctx)          this clinic's status webhook address (it carries the secret)

Both modes hand Fromni the status webhook address (``report``; in an event, inside its
data), so no address has to be pasted into the cabinet.  An error's outcome comes from
:mod:`hub_fromni.const`: transient (the hub retries), permanent with ``provider_side``
for account faults (bad token, no money, no campaign for the event: the hub tries the
clinic's next messenger provider), permanent for the message's own faults.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from hub_fromni.client import Accepted, FromniClient, FromniError, Step, digits, money
from hub_fromni.const import SMS, TTL_MAX, State, state_of
from hub_fromni.settings import FromniSettings

from hub import Balance, CheckResult, DeliveryReport, DeliveryResult, HookContext, OutgoingMessage

Ctx = HookContext[FromniSettings]

MASK = "•••"
TOKEN_HINT = "take the token from the Fromni cabinet and paste it into «Токен» (token)"


def client_for(ctx: Ctx) -> FromniClient:
    settings = ctx.settings
    return FromniClient(
        ctx.http,
        settings.token.get_secret_value(),
        bots_url=settings.bots_url,
        api_url=settings.api_url,
    )


# --- the webhook address --------------------------------------------------------------------


def webhook_path(plugin: str, clinic_id: str, secret: str) -> str:
    """The status webhook's path below the hub's public URL (routes of ``plugin`` are
    mounted under ``/plugins/{plugin}``)."""
    return f"/plugins/{plugin}/status/{quote(clinic_id, safe='')}/{quote(secret, safe='')}"


def webhook_url(ctx: Ctx) -> str | None:
    """This clinic's status webhook address, or ``None`` without ``HUB_PUBLIC_URL``."""
    if not ctx.public_url:
        return None
    secret = ctx.settings.webhook_secret.get_secret_value()
    return ctx.public_url.rstrip("/") + webhook_path(ctx.plugin, ctx.clinic.id, secret)


def masked_webhook_url(ctx: Ctx) -> str | None:
    """The address as an admin is shown it: the secret replaced by ``•••``."""
    if not ctx.public_url:
        return None
    return ctx.public_url.rstrip("/") + webhook_path(ctx.plugin, ctx.clinic.id, "") + MASK


# --- sending --------------------------------------------------------------------------------


def failure(error: FromniError) -> DeliveryResult:
    if error.transient:
        return DeliveryResult.transient(error.code, error.text, raw=error.raw)
    return DeliveryResult.permanent(
        error.code, error.text, provider_side=error.provider_side, raw=error.raw
    )


def event_data(message: OutgoingMessage, phone: str, report: str | None) -> dict[str, Any]:
    """The event's data: the recipient where campaigns look for it (``client.phone``, a
    number as in the vendor's example), the message, and the status webhook address."""
    client: dict[str, Any] = {"phone": int(phone)}
    if message.recipient_name:
        client["name"] = message.recipient_name
    data: dict[str, Any] = {
        "client": client,
        "text": message.text,
        "kind": message.kind,
        "custom_id": str(message.id),
    }
    if message.appointment_id:
        data["appointment_id"] = message.appointment_id
    if message.patient_id:
        data["patient_id"] = message.patient_id
    if report:
        data["report"] = report
    return data


def route(settings: FromniSettings, text: str) -> list[Step]:
    """The cascade: the messenger for ``messenger_ttl`` seconds, then SMS."""
    steps = [Step(settings.messenger, text, settings.messenger_ttl, settings.messenger_sender)]
    if settings.sms_fallback:
        steps.append(Step(SMS, text, TTL_MAX, settings.sms_sender))
    return steps


async def send(ctx: Ctx, message: OutgoingMessage) -> DeliveryResult:
    """Send one message the way ``mode`` says; Fromni answers its id."""
    phone = digits(message.address)
    if not phone:
        return DeliveryResult.permanent(None, f"no digits in the number {message.address!r}")
    client = client_for(ctx)
    report = webhook_url(ctx)
    sent: Accepted
    try:
        if ctx.settings.mode == "cascade":
            sent = await client.send_cascade(
                phone, route(ctx.settings, message.text), custom_id=str(message.id), report=report
            )
        else:
            sent = await client.transmit_event(
                ctx.settings.event_name, event_data(message, phone, report)
            )
    except FromniError as exc:
        ctx.log.info("Fromni refused message %s: %s %s", message.id, exc.code, exc.text)
        return failure(exc)
    # Neither API reports a price when it accepts; the webhook's ``price`` is recorded.
    return DeliveryResult.accepted(sent.id, cost=money(sent.raw.get("price")), raw=sent.raw)


# --- statuses -------------------------------------------------------------------------------


def report(settings: FromniSettings, status: dict[str, Any]) -> DeliveryReport | None:
    """The delivery report of one webhook status, or ``None`` while it is not final.

    In a cascade with an SMS step, a messenger's failure (its time-to-live ran out) is
    not final: the SMS step follows and reports for itself.
    """
    message_id = str(status.get("id") or "").strip()
    if not message_id:
        return None
    state, words = state_of(str(status.get("status") or ""))
    channel = str(status.get("channel") or "").strip().lower() or None
    cost = money(status.get("price"))
    if state is State.DELIVERED:
        return DeliveryReport(
            provider_message_id=message_id, status="delivered", channel=channel, cost=cost
        )
    if state is State.PENDING:
        return None
    cascade_continues = (
        settings.mode == "cascade"
        and settings.sms_fallback
        and channel is not None
        and channel != SMS
    )
    if cascade_continues:
        return None
    error = str(status.get("error") or "").strip()
    code = status.get("code")
    return DeliveryReport(
        provider_message_id=message_id,
        status="failed",
        error_code=str(code) if code not in (None, "") else str(status.get("status")),
        error_text=error or words,
        channel=channel,
        cost=cost,
    )


# --- the account ----------------------------------------------------------------------------


async def balance(ctx: Ctx) -> Balance:
    found = await client_for(ctx).balance()
    return Balance(amount=found.amount, currency=found.currency)


async def check(ctx: Ctx) -> CheckResult:
    """``info`` with the saved token: a wrong token is said plainly; then the balance."""
    client = client_for(ctx)
    try:
        await client.info()
        found = await client.balance()
    except FromniError as exc:
        if exc.code in ("401", "403") or any(w in exc.text.lower() for w in ("token", "токен")):
            return CheckResult.failed(
                f"Fromni did not accept the token ({exc.text}): {TOKEN_HINT}."
            )
        if exc.code is None:
            return CheckResult.failed(
                f"Fromni could not be reached: {exc.text}. Check the hub's internet access "
                "and the api_url setting."
            )
        return CheckResult.failed(f"Fromni answered {exc.code}: {exc.text}.")
    details: dict[str, Any] = {
        "balance": str(found.amount),
        "currency": found.currency,
        "mode": ctx.settings.mode,
        "webhook": masked_webhook_url(ctx)
        or "HUB_PUBLIC_URL is not set: Fromni cannot report delivery statuses to the hub",
    }
    if found.amount <= 0:
        return CheckResult.failed(
            f"The Fromni balance is {found.amount} {found.currency}: nothing can be sent "
            "until it is topped up.",
            **details,
        )
    return CheckResult.passed(**details)


async def status(ctx: Ctx) -> dict[str, Any]:
    """The account as an admin's dashboard shows it (the webhook address masked)."""
    out: dict[str, Any] = {
        "mode": ctx.settings.mode,
        "webhook": {
            "url": masked_webhook_url(ctx),
            "note": "sent with every message (report); the secret is the webhook_secret setting",
        },
    }
    if ctx.settings.mode == "event":
        out["event_name"] = ctx.settings.event_name
    else:
        out["route"] = [s.channel for s in route(ctx.settings, "")]
    try:
        found = await client_for(ctx).balance()
    except FromniError as exc:
        out["balance"] = {"error": exc.text, "code": exc.code}
    else:
        out["balance"] = str(found.amount)
    return out
