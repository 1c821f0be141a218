"""Rate limits per provider account: token buckets, in this process.

A provider plugin's settings may say ``rate_limit_per_second`` (see
:class:`hub.ChannelSettings`).  The account is the plugin plus a hash of its settings
that identify the account (``ChannelSettings.account_fields``), so two clinics sharing
one sms.ru key share one bucket, and two clinics with their own keys do not.  The
buckets live in the worker process: with several ``hub worker`` processes each keeps
its own, so the account sees up to N times the rate (documented; divide the setting by
the number of workers).

:meth:`Buckets.reserve` takes a token and says how long to wait for it; a caller that
finds the wait too long gives it back (:meth:`Buckets.refund`) and requeues the
message for later instead of holding its lease while it sleeps.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field

from pydantic import SecretStr

from hub.settings import PluginSettings


def account_key(plugin: str, settings: PluginSettings) -> tuple[str, str]:
    """The plugin and a hash of the fields that identify the account
    (``ChannelSettings.account_fields``, or every field but the rate itself)."""
    names = getattr(settings, "account_fields", ()) or sorted(
        set(type(settings).model_fields) - {"rate_limit_per_second"}
    )
    identity = "|".join(f"{name}={_plain(getattr(settings, name, None))}" for name in names)
    return plugin, hashlib.sha256(identity.encode()).hexdigest()[:16]


def _plain(value: object) -> str:
    return value.get_secret_value() if isinstance(value, SecretStr) else repr(value)


@dataclass
class Bucket:
    rate: float
    capacity: float
    tokens: float
    stamp: float = field(default_factory=time.monotonic)

    def reserve(self, now: float) -> float:
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        self.tokens -= 1
        return 0.0 if self.tokens >= 0 else -self.tokens / self.rate


class Buckets:
    """Token buckets by (plugin, account)."""

    def __init__(self) -> None:
        self._buckets: dict[tuple[str, str], Bucket] = {}

    def reserve(
        self, plugin: str, settings: PluginSettings
    ) -> tuple[float, tuple[str, str] | None]:
        """Seconds to wait before sending, and the bucket's key (``None``: no limit)."""
        rate = getattr(settings, "rate_limit_per_second", None)
        if not rate:
            return 0.0, None
        key = account_key(plugin, settings)
        bucket = self._buckets.get(key)
        if bucket is None or bucket.rate != rate:
            capacity = max(1.0, float(rate))
            bucket = self._buckets[key] = Bucket(
                rate=float(rate), capacity=capacity, tokens=capacity
            )
        return bucket.reserve(time.monotonic()), key

    def refund(self, key: tuple[str, str] | None) -> None:
        if key is not None and key in self._buckets:
            self._buckets[key].tokens += 1
