"""Sending, balance and delivery statuses, in the hub's terms.

    send(ctx, message)       send.php -> DeliveryResult (cost from SMSC's own answer)
    poll_statuses(ctx)       the status-poll job: status.php for messages with no report
    check(ctx)               the connection check: balance.php with the saved credentials

An error's outcome comes from :data:`hub_smsc.const.ERRORS`: transient (the hub retries),
permanent with ``provider_side`` for account faults (wrong login, no money: the hub tries
the clinic's next provider), permanent for the message's own faults.
"""

from __future__ import annotations

from hub_smsc.client import SmscClient, SmscError, Status, digits
from hub_smsc.const import MAX_STATUS_BATCH, State
from hub_smsc.settings import SmscSettings

from hub import Balance, CheckResult, DeliveryReport, DeliveryResult, HookContext, OutgoingMessage

Ctx = HookContext[SmscSettings]
#: Messages one status-poll run asks about.
POLL_LIMIT = 500
#: The provider message id carries the phone: status.php finds a message by both.
ID_SEPARATOR = ":"


def client_for(ctx: Ctx) -> SmscClient:
    return SmscClient(ctx.http, ctx.settings.credentials(), ctx.settings.base_url)


def failure(error: SmscError) -> DeliveryResult:
    code = None if error.code is None else str(error.code)
    if error.transient:
        return DeliveryResult.transient(code, error.text, raw=error.raw)
    return DeliveryResult.permanent(
        code, error.text, provider_side=error.provider_side, raw=error.raw
    )


async def send(ctx: Ctx, message: OutgoingMessage) -> DeliveryResult:
    """Send one SMS; SMSC answers the id, the parts and what it charged."""
    phone = digits(message.address)
    if not phone:
        return DeliveryResult.permanent("7", f"no digits in the number {message.address!r}")
    try:
        sent = await client_for(ctx).send(
            phone, message.text, sender=ctx.settings.sender, client_id=str(message.id)
        )
    except SmscError as exc:
        return failure(exc)
    return DeliveryResult.accepted(f"{sent.id}{ID_SEPARATOR}{phone}", cost=sent.cost, raw=sent.raw)


def report(provider_id: str, status: Status) -> DeliveryReport | None:
    """The delivery report of a message state, or ``None`` while it is not final."""
    if status.state is State.DELIVERED:
        return DeliveryReport(
            provider_message_id=provider_id, status="delivered", at=status.at, cost=status.cost
        )
    if status.state is State.FAILED:
        return DeliveryReport(
            provider_message_id=provider_id,
            status="failed",
            error_code=str(status.code),
            error_text=status.text,
            at=status.at,
            cost=status.cost,
        )
    return None


async def poll_statuses(ctx: Ctx) -> str:
    """Ask status.php about messages still waiting for a report; report the final ones."""
    wait = ctx.settings.status_poll_every
    if wait is None:
        return "status polling is off (status_poll_minutes = 0)"
    ids = await ctx.awaiting_report(older_than=wait, limit=POLL_LIMIT)
    pairs = [tuple(i.split(ID_SEPARATOR, 1)) for i in ids if ID_SEPARATOR in i]
    client = client_for(ctx)
    counts = {"delivered": 0, "failed": 0, "pending": 0}
    for start in range(0, len(pairs), MAX_STATUS_BATCH):
        batch = [(p[0], p[1]) for p in pairs[start : start + MAX_STATUS_BATCH]]
        statuses = await client.status(batch)
        for sms_id, phone in batch:
            status = statuses.get(sms_id)
            found = report(f"{sms_id}{ID_SEPARATOR}{phone}", status) if status else None
            if found is None:
                counts["pending"] += 1
                continue
            await ctx.report_delivery(found)
            counts[found.status] += 1
    return f"asked about {len(pairs)}: " + ", ".join(f"{n} {what}" for what, n in counts.items())


async def balance(ctx: Ctx) -> Balance:
    return Balance(amount=await client_for(ctx).balance())


async def check(ctx: Ctx) -> CheckResult:
    """balance.php with the saved credentials: a wrong login or key is said plainly."""
    try:
        amount = await client_for(ctx).balance()
    except SmscError as exc:
        if exc.code == 2:
            return CheckResult.failed(
                "SMSC did not accept the login and password (or the API key): "
                "check them in the SMSC cabinet."
            )
        return CheckResult.failed(f"SMSC: {exc.text}")
    return CheckResult.passed(balance=str(amount), note=f"SMSC account balance: {amount} RUB")
