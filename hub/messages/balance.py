"""The provider account's balance, through the provider's ``get_balance`` hook.

``GET /api/v1/clinics/{clinic}/balance`` always asks the provider; the journal and the
answer of a one-off send use an answer at most :data:`CACHE_SECONDS` old, so paging
through the journal does not call the gateway on every page.  The provider is the one
asked for, or the first of the clinic's route for the channel that implements
``get_balance``.  A provider that fails or reports nothing gives an answer with
``amount = None`` and the reason: the request itself still succeeds.
"""

from __future__ import annotations

import time
import weakref
from dataclasses import dataclass
from decimal import Decimal

from hub.messages import routing
from hub.plugin_settings import SettingsInvalid
from hub.plugins import PluginCallError
from hub.runtime import PluginNotEnabled, Runtime
from hub.schemas.clinics import ClinicOptions

CACHE_SECONDS = 30.0


@dataclass(frozen=True)
class BalanceInfo:
    provider: str | None
    amount: Decimal | None
    currency: str = "RUB"
    error: str | None = None


_cache: weakref.WeakKeyDictionary[
    Runtime, dict[tuple[str, str, str | None], tuple[float, BalanceInfo]]
] = weakref.WeakKeyDictionary()


async def balance(
    runtime: Runtime,
    clinic_id: str,
    *,
    channel: str = "sms",
    provider: str | None = None,
    max_age: float = 0.0,
) -> BalanceInfo:
    """The balance of the clinic's provider for ``channel`` (or of ``provider``)."""
    cache = _cache.setdefault(runtime, {})
    key = (clinic_id, channel, provider)
    hit = cache.get(key)
    if hit is not None and max_age > 0 and time.monotonic() - hit[0] < max_age:
        return hit[1]
    info = await _ask(runtime, clinic_id, channel, provider)
    cache[key] = (time.monotonic(), info)
    return info


async def _ask(runtime: Runtime, clinic_id: str, channel: str, provider: str | None) -> BalanceInfo:
    snapshot = await runtime.snapshot(clinic_id)
    if provider is None:
        options = ClinicOptions.model_validate(snapshot.options)
        found = routing.route(runtime, snapshot, options, channel)
        with_balance = [p for p in found.providers if runtime.host.implements(p, "get_balance")]
        if not with_balance:
            return BalanceInfo(None, None, error=f"no provider of {channel} reports a balance")
        provider = with_balance[0]
    try:
        ctx = await runtime.context(clinic_id, provider)
    except (PluginNotEnabled, SettingsInvalid) as exc:
        return BalanceInfo(provider, None, error=str(exc))
    try:
        result = await runtime.host.get_balance(provider, ctx)
    except PluginCallError as exc:
        return BalanceInfo(provider, None, error=exc.error)
    if result is None:
        return BalanceInfo(provider, None, error=f"{provider} reports no balance")
    return BalanceInfo(provider, result.amount, result.currency)
