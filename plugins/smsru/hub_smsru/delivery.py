"""Sending, cost estimates and delivery statuses, in the hub's terms.

    send(ctx, message)          sms/send (+ sms/cost in parallel) -> DeliveryResult
    send_batch(ctx, messages)   sms/send's multi form, up to 100 numbers a request
                                (+ sms/cost the same way) -> a DeliveryResult each
    estimate(ctx, messages)     sms/cost in batches of 100 -> CostEstimate
    report(state)               a message state (sms/status or callback) -> DeliveryReport
    poll_statuses(ctx)          the status-poll job: sms/status for messages with no callback

A code's outcome comes from :data:`hub_smsru.const.CODES`: accepted, transient
(retried by the hub), permanent with ``provider_side`` for account faults (the hub
tries the clinic's next provider) or without it for recipient faults (the message
fails with sms.ru's code and text).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Iterator, Sequence
from decimal import Decimal
from typing import Any, TypeVar

from hub_smsru.client import CostResult, NumberResult, SmsRuClient, SmsRuError, digits
from hub_smsru.const import MAX_BATCH, Kind, State, message_state
from hub_smsru.settings import SmsruSettings

from hub import CostEstimate, DeliveryReport, DeliveryResult, HookContext, OutgoingMessage

Ctx = HookContext[SmsruSettings]
T = TypeVar("T")
R = TypeVar("R")

#: How many waiting messages one status-poll run asks about (in requests of 100).
POLL_LIMIT = 1000


def client_for(ctx: Ctx) -> SmsRuClient:
    """The sms.ru client for this clinic's account, over the hub's shared HTTP client
    (``ctx.post_form``: httpx's models cost more CPU than the request itself)."""
    settings = ctx.settings
    return SmsRuClient(
        ctx.http,
        settings.api_id.get_secret_value(),
        settings.base_url,
        post_form=ctx.post_form,
    )


def failure(error: SmsRuError) -> DeliveryResult:
    """A request-level error as a delivery result."""
    code = None if error.code is None else str(error.code)
    if error.transient:
        return DeliveryResult.transient(code, error.text, raw=error.raw)
    return DeliveryResult.permanent(
        code, error.text, provider_side=error.provider_side, raw=error.raw
    )


async def send(ctx: Ctx, message: OutgoingMessage) -> DeliveryResult:
    """Send one SMS; the cost is asked in parallel unless turned off or in test mode."""
    settings = ctx.settings
    phone = digits(message.address)
    if not phone:
        return _no_digits(message)
    client = client_for(ctx)
    sender, translit = settings.sender, settings.translit
    sending = _quietly(
        client.send(phone, message.text, sender=sender, test=settings.test, translit=translit)
    )
    priced: CostResult | SmsRuError | None = None
    if settings.cost_lookup and not settings.test:
        # sms/send does not say what it charged; sms/cost does, for the same request
        pricing = _quietly(client.cost(phone, message.text, sender=sender, translit=translit))
        sent, priced = await asyncio.gather(sending, pricing)
    else:
        sent = await sending
    if isinstance(sent, SmsRuError):
        return failure(sent)
    return _result(settings, sent.for_number(phone), phone, sent.raw, priced)


async def send_batch(ctx: Ctx, messages: Sequence[OutgoingMessage]) -> list[DeliveryResult] | None:
    """Send many SMS in as few ``sms/send`` requests as the multi form allows (up to 100
    numbers a request, each number once, each with its own text); one result per message,
    in order.  ``None`` (send them one by one) when ``batch_send`` is off.

    Each message's result is exactly what :func:`send` would give for it: a request-level
    error is every message's of that request; a number's own code is its message's; the
    raw answer kept for a message is the envelope with its own number only."""
    settings = ctx.settings
    if not settings.batch_send:
        return None
    results: list[DeliveryResult | None] = [None] * len(messages)
    requests: list[dict[str, int]] = []  # number -> index of the message
    for index, message in enumerate(messages):
        phone = digits(message.address)
        if not phone:
            results[index] = _no_digits(message)
            continue
        for request in requests:
            if phone not in request and len(request) < MAX_BATCH:
                request[phone] = index
                break
        else:
            requests.append({phone: index})
    client = client_for(ctx)

    async def one(request: dict[str, int]) -> None:
        texts = {phone: messages[index].text for phone, index in request.items()}
        sender, translit = settings.sender, settings.translit
        sending = _quietly(
            client.send_multi(texts, sender=sender, test=settings.test, translit=translit)
        )
        priced: CostResult | SmsRuError | None = None
        if settings.cost_lookup and not settings.test:
            pricing = _quietly(client.cost_multi(texts, sender=sender, translit=translit))
            sent, priced = await asyncio.gather(sending, pricing)
        else:
            sent = await sending
        for phone, index in request.items():
            if isinstance(sent, SmsRuError):
                results[index] = failure(sent)
                continue
            number = sent.numbers.get(phone)
            results[index] = _result(settings, number, phone, _own(sent.raw, phone), priced)

    await asyncio.gather(*(one(request) for request in requests))
    return [r for r in results if r is not None]


def _no_digits(message: OutgoingMessage) -> DeliveryResult:
    return DeliveryResult.permanent("202", f"no digits in the number {message.address!r}")


def _result(
    settings: SmsruSettings,
    result: NumberResult | None,
    phone: str,
    raw: dict[str, Any],
    priced: CostResult | SmsRuError | None,
) -> DeliveryResult:
    """One number's answer to sms/send as a delivery result."""
    if result is None:
        return DeliveryResult.transient(None, f"sms.ru's answer has no result for {phone}", raw=raw)
    if result.ok:
        cost = Decimal(0) if settings.test else _cost_of(priced, phone)
        return DeliveryResult.accepted(result.sms_id, cost=cost, raw=raw)
    meaning = result.meaning
    code, text = str(result.code), result.text
    if meaning.kind is Kind.TRANSIENT:
        return DeliveryResult.transient(code, text, raw=raw)
    return DeliveryResult.permanent(code, text, provider_side=meaning.provider_side, raw=raw)


def _own(raw: dict[str, Any], phone: str) -> dict[str, Any]:
    """sms.ru's answer to a multi request as the journal keeps it for one number: the
    envelope with that number's item only (not the other 99 patients' numbers)."""
    sms = raw.get("sms")
    if not isinstance(sms, dict):
        return raw
    return {**raw, "sms": {phone: sms[phone]} if phone in sms else {}}


async def _quietly(request: Awaitable[R]) -> R | SmsRuError:
    """The answer, or the sms.ru error instead of raising it (so a parallel request is
    never left running behind a failed one)."""
    try:
        return await request
    except SmsRuError as error:
        return error


def _cost_of(priced: CostResult | SmsRuError | None, phone: str) -> Decimal | None:
    if not isinstance(priced, CostResult):
        return None  # the cost is learned later from sms/status
    number = priced.numbers.get(phone)
    return number.cost if number is not None and number.ok else None


async def estimate(ctx: Ctx, messages: Sequence[OutgoingMessage]) -> CostEstimate | None:
    """The cost of sending ``messages`` (sms channel only), asked in batches of 100."""
    texts = [(digits(m.address), m.text) for m in messages if m.channel == "sms"]
    texts = [(phone, text) for phone, text in texts if phone]
    if not texts:
        return None
    client = client_for(ctx)
    settings = ctx.settings
    total, parts = Decimal(0), 0
    for batch in _unique_batches(texts):
        result = await client.cost_multi(
            dict(batch), sender=settings.sender, translit=settings.translit
        )
        total += result.total_cost
        parts += result.total_sms
    return CostEstimate(total_cost=total, parts=parts)


def _unique_batches(texts: list[tuple[str, str]]) -> Iterator[list[tuple[str, str]]]:
    """Batches of at most 100 with each number once (``to[<number>]`` is a form key)."""
    batches: list[dict[str, str]] = []
    for phone, text in texts:
        for batch in batches:
            if phone not in batch and len(batch) < MAX_BATCH:
                batch[phone] = text
                break
        else:
            batches.append({phone: text})
    for batch in batches:
        yield list(batch.items())


def report(
    sms_id: str,
    code: int,
    *,
    at: dt.datetime | None = None,
    cost: Decimal | None = None,
    text: str | None = None,
) -> DeliveryReport | None:
    """The delivery report for a message state, or ``None`` while it is not final."""
    state, default_text = message_state(code)
    if state is State.DELIVERED:
        return DeliveryReport(provider_message_id=sms_id, status="delivered", at=at, cost=cost)
    if state is State.FAILED:
        return DeliveryReport(
            provider_message_id=sms_id,
            status="failed",
            error_code=str(code),
            error_text=text or default_text,
            at=at,
            cost=cost,
        )
    return None


def chunks(items: Sequence[T], size: int = MAX_BATCH) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


async def poll_statuses(ctx: Ctx) -> str:
    """Ask sms/status about messages still waiting for a report; report the final ones."""
    wait = ctx.settings.status_poll_every
    if wait is None:
        return "status polling is off (status_poll_minutes = 0)"
    ids: list[str] = await ctx.awaiting_report(older_than=wait, limit=POLL_LIMIT)
    client = client_for(ctx)
    counts = {"delivered": 0, "failed": 0, "pending": 0, "not found": 0}
    for batch in chunks(ids):
        statuses = await client.status(batch)
        for sms_id in batch:
            status = statuses.get(sms_id)
            if status is None or status.state is State.NOT_FOUND:
                counts["not found"] += 1
                continue
            delivery = report(sms_id, status.code, cost=status.cost, text=status.text)
            if delivery is None:
                counts["pending"] += 1
                continue
            await ctx.report_delivery(delivery)
            counts[delivery.status] += 1
    if counts["not found"]:
        ctx.log.warning("sms.ru does not know %d of the messages polled", counts["not found"])
    return f"asked about {len(ids)}: " + ", ".join(f"{n} {what}" for what, n in counts.items())
