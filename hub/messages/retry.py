"""Back-off between delivery attempts: exponential, capped, with jitter.

Attempt ``n`` (1 = the first retry) waits ``base * 2**(n-1)`` capped at ``cap``, of
which a random half is kept ("equal jitter"): retries of many messages that failed
together spread out instead of hitting a recovering gateway at the same instant, and
no retry comes sooner than half the nominal delay.
"""

from __future__ import annotations

import datetime as dt
import random

_random = random.Random()


def backoff(attempt: int, *, base: float, cap: float, rng: random.Random = _random) -> dt.timedelta:
    """The delay before retry number ``attempt`` (>= 1)."""
    nominal = min(cap, base * 2 ** max(0, attempt - 1))
    return dt.timedelta(seconds=nominal / 2 + rng.uniform(0, nominal / 2))
