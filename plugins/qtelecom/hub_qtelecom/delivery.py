"""Sending, balance and delivery statuses, in the hub's terms.

    send(ctx, message)       action=post_sms -> DeliveryResult (QuickTelecom's id)
    poll_statuses(ctx)       the status-poll job: action=status for messages with no report
    check(ctx)               the connection check: action=balance with the login and password

An error's outcome comes from :func:`hub_qtelecom.const.classify`: transient (the hub
retries), permanent with ``provider_side`` for account faults (wrong login, no money,
sender not registered: the hub tries the clinic's next provider), permanent for the
message's own faults (the number, the text).  QuickTelecom states no price per message
(only ``sms_res_count``, the parts it counted, kept in the raw answer), so the journal's
cost stays empty; the balance is what the account has left.
"""

from __future__ import annotations

from hub_qtelecom.client import QtelecomClient, QtelecomError, Status, digits
from hub_qtelecom.const import State
from hub_qtelecom.settings import QtelecomSettings

from hub import Balance, CheckResult, DeliveryReport, DeliveryResult, HookContext, OutgoingMessage

Ctx = HookContext[QtelecomSettings]
#: Messages one status-poll run asks about (one request each).
POLL_LIMIT = 200


def client_for(ctx: Ctx) -> QtelecomClient:
    settings = ctx.settings
    return QtelecomClient(
        ctx.http, settings.login, settings.password.get_secret_value(), settings.base_url
    )


def failure(error: QtelecomError) -> DeliveryResult:
    if error.transient:
        return DeliveryResult.transient(error.code, error.text, raw=error.raw)
    return DeliveryResult.permanent(
        error.code, error.text, provider_side=error.provider_side, raw=error.raw
    )


async def send(ctx: Ctx, message: OutgoingMessage) -> DeliveryResult:
    """Send one SMS; QuickTelecom answers its id (and the parts it counted)."""
    phone = digits(message.address)
    if not phone:
        return DeliveryResult.permanent(
            "bad_number", f"no digits in the number {message.address!r}"
        )
    try:
        sent = await client_for(ctx).send(phone, message.text, sender=ctx.settings.sender)
    except QtelecomError as exc:
        return failure(exc)
    return DeliveryResult.accepted(sent.id, raw=sent.raw)


def report(status: Status) -> DeliveryReport | None:
    """The delivery report of a message state, or ``None`` while it is not final."""
    if status.state is State.DELIVERED:
        return DeliveryReport(provider_message_id=status.id, status="delivered", at=status.at)
    if status.state is State.FAILED:
        return DeliveryReport(
            provider_message_id=status.id,
            status="failed",
            error_code=status.code or None,
            error_text=status.text,
            at=status.at,
        )
    return None


async def poll_statuses(ctx: Ctx) -> str:
    """Ask action=status about messages still waiting for a report; report the final ones."""
    wait = ctx.settings.status_poll_every
    if wait is None:
        return "status polling is off (status_poll_minutes = 0)"
    ids = await ctx.awaiting_report(older_than=wait, limit=POLL_LIMIT)
    client = client_for(ctx)
    counts = {"delivered": 0, "failed": 0, "pending": 0}
    for sms_id in ids:  # each report is recorded before the next question
        status = (await client.status([sms_id])).get(sms_id)
        found = report(status) if status is not None else None
        if found is None:
            counts["pending"] += 1
            continue
        await ctx.report_delivery(found)
        counts[found.status] += 1
    return f"asked about {len(ids)}: " + ", ".join(f"{n} {what}" for what, n in counts.items())


async def balance(ctx: Ctx) -> Balance:
    return Balance(amount=(await client_for(ctx).account()).balance)


async def check(ctx: Ctx) -> CheckResult:
    """action=balance with the saved login and password: a refusal is said plainly."""
    try:
        account = await client_for(ctx).account()
    except QtelecomError as exc:
        if exc.code == "auth":
            return CheckResult.failed(
                "QuickTelecom did not accept the login and password "
                f"(«{exc.text}»): check them with QuickTelecom."
            )
        return CheckResult.failed(f"QuickTelecom: {exc.text}")
    overdraft = "" if account.overdraft is None else f", overdraft {account.overdraft} RUB"
    return CheckResult.passed(
        balance=str(account.balance),
        overdraft=None if account.overdraft is None else str(account.overdraft),
        note=f"QuickTelecom account balance: {account.balance} RUB{overdraft}",
    )
