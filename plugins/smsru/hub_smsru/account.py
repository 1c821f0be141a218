"""The sms.ru account: connection check, status, callback registration, low balance, stop list.

    check(ctx)               auth/check + my/balance + my/senders -> sentences an admin understands
    status(ctx)              my/balance, my/limit, my/senders, callback/get -> the plugin's status
    register_callback(ctx)   make sms.ru post statuses to this clinic's callback address
    check_low_balance(ctx)   publish ``smsru.low_balance`` once per crossing of the threshold
    sync_stoplist(ctx, ...)  stoplist/add or stoplist/del
    *_action(ctx, data)      the plugin's actions (register_callback, stoplist)

The callback address carries a secret: nothing here returns or logs it unmasked.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

from hub_smsru.callback import callback_url
from hub_smsru.client import SmsRuError
from hub_smsru.const import Kind
from hub_smsru.delivery import client_for
from hub_smsru.settings import SmsruSettings
from pydantic import BaseModel, ConfigDict

from hub import Balance, CheckResult, HookContext

Ctx = HookContext[SmsruSettings]

#: The feed event of a low balance is ``<plugin id>.low_balance`` (``smsru.low_balance``).
LOW_BALANCE = "low_balance"
_LOW_BALANCE_KEY = "low_balance_warned"
_MASK = "•••"

ACCOUNT_HINT = "check it in the sms.ru account, section «Программистам» («Ваш api_id»)"


_CALLBACK_SECRET = re.compile(r"(/callback/[^/?#]+/)[^/?#]+")


def masked(url: str, ctx: Ctx) -> str:
    """``url`` with every callback secret hidden: this clinic's, and those of other
    clinics registered on a shared sms.ru account."""
    url = url.replace(ctx.settings.callback_secret.get_secret_value(), _MASK)
    return _CALLBACK_SECRET.sub(lambda m: m.group(1) + _MASK, url)


def own_url(ctx: Ctx) -> str | None:
    """This clinic's callback address, or ``None`` without ``HUB_PUBLIC_URL``."""
    public = ctx.public_url
    if not public:
        return None
    secret = ctx.settings.callback_secret.get_secret_value()
    return callback_url(public, ctx.plugin, ctx.clinic.id, secret)


# --- check and status -----------------------------------------------------------------


async def check(ctx: Ctx) -> CheckResult:
    """Try the settings for real: key valid, money on the account, sender approved."""
    client = client_for(ctx)
    try:
        await client.auth_check()
    except SmsRuError as error:
        return CheckResult.failed(_explain(error))
    try:
        balance, senders = await asyncio.gather(client.balance(), client.senders())
    except SmsRuError as error:
        return CheckResult.failed(_explain(error))
    problems: list[str] = []
    sender = ctx.settings.sender
    if sender and sender not in senders:
        approved = ", ".join(senders) or "none"
        problems.append(
            f"The sender name {sender!r} is not approved for this sms.ru account (approved: "
            f"{approved}). Approve it in the sms.ru account, section «Отправители», or leave "
            "the sender empty to use the default."
        )
    if balance <= 0:
        problems.append(
            f"The sms.ru balance is {balance} ₽: nothing can be sent until it is "
            "topped up (sms.ru account, «Оплата»)."
        )
    details: dict[str, Any] = {
        "balance": str(balance),
        "senders": senders,
        "test_mode": ctx.settings.test,
    }
    if ctx.public_url is None:
        details["callback"] = (
            "HUB_PUBLIC_URL is not set: delivery statuses come from the status poll only"
        )
    if problems:
        return CheckResult.failed(*problems, **details)
    return CheckResult.passed(**details)


def _explain(error: SmsRuError) -> str:
    if error.code in (200, 301, 300):
        return f"sms.ru rejected the api_id ({error.code}: {error.text}): {ACCOUNT_HINT}."
    if error.code == 302:
        return f"The sms.ru account is not confirmed yet ({error.text}): finish the registration."
    if error.code is None:
        return (
            f"sms.ru could not be reached: {error.text}. Check the hub's internet access "
            "and the base_url setting."
        )
    return f"sms.ru answered {error.code}: {error.text}."


async def balance(ctx: Ctx) -> Balance:
    return Balance(amount=await client_for(ctx).balance())


async def status(ctx: Ctx) -> dict[str, Any]:
    """The account as an admin's dashboard shows it; each part fails on its own."""
    client = client_for(ctx)
    results = await asyncio.gather(
        client.balance(),
        client.limit(),
        client.senders(),
        client.callback_get(),
        return_exceptions=True,
    )
    money, limit, senders, callbacks = results
    out: dict[str, Any] = {"test_mode": ctx.settings.test}
    out["balance"] = _or_error(money, str)
    out["limit"] = _or_error(
        limit, lambda v: {"total_limit": v.total_limit, "used_today": v.used_today}
    )
    out["senders"] = _or_error(senders, list)
    url = own_url(ctx)
    out["callback"] = _or_error(
        callbacks,
        lambda urls: {
            "url": masked(url, ctx) if url else None,
            "registered": url in urls if url else False,
            "handlers": [masked(u, ctx) for u in urls],
        },
    )
    return out


def _or_error(value: Any, convert: Any) -> Any:
    if isinstance(value, SmsRuError):
        return {"error": value.text, "code": value.code}
    if isinstance(value, BaseException):
        raise value
    return convert(value)


# --- callback registration ------------------------------------------------------------------


async def register_callback(ctx: Ctx) -> dict[str, Any]:
    """Register this clinic's callback address with sms.ru and drop its stale ones (an
    address of the same clinic with an older secret or public URL)."""
    url = own_url(ctx)
    if url is None:
        return {
            "registered": False,
            "reason": "HUB_PUBLIC_URL is not set, so sms.ru cannot reach the hub; "
            "delivery statuses come from the status poll",
        }
    client = client_for(ctx)
    handlers = await client.callback_get()
    stale = [u for u in handlers if u != url and _same_clinic(u, ctx.plugin, ctx.clinic.id)]
    for old in stale:
        try:
            await client.callback_del(old)
        except SmsRuError as error:
            if error.code != 902:  # 902: already gone
                raise
    added = url not in handlers
    if added:
        handlers = await client.callback_add(url)
    return {
        "registered": url in handlers,
        "added": added,
        "removed_stale": len(stale),
        "url": masked(url, ctx),
    }


def _same_clinic(url: str, plugin: str, clinic_id: str) -> bool:
    """Whether ``url`` is a callback address of this clinic (any secret, any host)."""
    return callback_url("", plugin, clinic_id, "") in url


async def registration_job(ctx: Ctx) -> str:
    outcome = await register_callback(ctx)
    if not outcome["registered"]:
        return str(outcome.get("reason", "sms.ru did not list the callback address"))
    if outcome["added"]:
        return f"registered {outcome['url']} (removed {outcome['removed_stale']} stale)"
    return "callback address already registered"


# --- actions ------------------------------------------------------------------------------------


class NoInput(BaseModel):
    """This action takes no input."""

    model_config = ConfigDict(extra="forbid")


async def register_callback_action(ctx: Ctx, data: NoInput) -> dict[str, Any]:
    """Action ``register_callback``: register the address now; sms.ru errors answer 502."""
    return await register_callback(ctx)


async def stoplist_action(ctx: Ctx, data: NoInput) -> dict[str, Any]:
    """Action ``stoplist``: the stop list kept at sms.ru."""
    return {"stoplist": await client_for(ctx).stoplist_get()}


# --- low balance --------------------------------------------------------------------------


async def check_low_balance(ctx: Ctx) -> str:
    """Publish ``smsru.low_balance`` when the balance falls below the threshold, once
    per crossing: the flag is cleared when the balance is back at or above it."""
    threshold = ctx.settings.low_balance_threshold
    if threshold is None:
        return "no low-balance threshold set"
    amount = await client_for(ctx).balance()
    warned = bool(await ctx.state.get(_LOW_BALANCE_KEY, False))
    if amount < threshold and not warned:
        await ctx.publish(
            f"{ctx.plugin}.{LOW_BALANCE}",
            {
                "balance": str(amount),
                "threshold": str(threshold),
                "currency": "RUB",
                "message": f"sms.ru balance {amount} ₽ is below {threshold} ₽: top it up.",
            },
        )
        await ctx.state.set(_LOW_BALANCE_KEY, True)
        return f"balance {amount} below {threshold}: warning published"
    if amount >= threshold and warned:
        await ctx.state.set(_LOW_BALANCE_KEY, False)
        return f"balance {amount} back at or above {threshold}"
    return f"balance {amount} (threshold {threshold})"


# --- stop list ----------------------------------------------------------------------------


async def sync_stoplist(ctx: Ctx, phone: str, blocked: bool, note: str) -> None:
    """Mirror one stop-list change; a recipient-side refusal (a bad number) is logged, not
    retried, since it can never succeed; anything else raises so the hub retries."""
    client = client_for(ctx)
    try:
        if blocked:
            await client.stoplist_add(phone, note or "clinic-hub")
        else:
            await client.stoplist_del(phone)
    except SmsRuError as error:
        if error.kind is Kind.PERMANENT and not error.provider_side:
            ctx.log.warning(
                "sms.ru refused the stop-list change for %s: %s %s", phone, error.code, error.text
            )
            return
        raise
