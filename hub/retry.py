"""The one retry schedule of the hub: exponential back-off with jitter.

Used by the outbox (a failed ``on_*`` delivery) and by message delivery (a transient
provider failure).  After the n-th failed attempt the next one is due after
``min(HUB_RETRY_MAX_DELAY, HUB_RETRY_BASE_DELAY * 2 ** (n - 1))``, of which a random
part is taken off ("equal jitter": between half and all of it), so that many
attempts failing together (a provider outage) do not come back in one wave and none
comes sooner than half the nominal delay.  After ``HUB_RETRY_MAX_ATTEMPTS`` failed
attempts a delivery is parked as dead.
"""

from __future__ import annotations

import datetime as dt
import random

_random = random.Random()


def backoff(
    attempts: int, *, base: float, cap: float, rng: random.Random = _random
) -> dt.timedelta:
    """How long to wait after the ``attempts``-th failure (``attempts >= 1``)."""
    ceiling = min(cap, base * 2 ** max(0, attempts - 1))
    return dt.timedelta(seconds=ceiling / 2 + rng.uniform(0, ceiling / 2))


def exhausted(attempts: int, max_attempts: int) -> bool:
    """Whether something that failed ``attempts`` times is to be parked as dead."""
    return attempts >= max_attempts
