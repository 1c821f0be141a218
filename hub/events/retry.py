"""The retry schedule of a failed delivery: exponential back-off with jitter.

After the n-th failed attempt the next one is due after
``min(HUB_RETRY_MAX_DELAY, HUB_RETRY_BASE_DELAY * 2 ** (n - 1))``, of which a random
part is taken off ("equal jitter": between half and all of it), so that many
deliveries failing together (a provider outage) do not come back in one wave.  After
``HUB_RETRY_MAX_ATTEMPTS`` failed attempts the delivery is parked as dead.
"""

from __future__ import annotations

import random

_random = random.Random()


def backoff(attempts: int, *, base: float, cap: float, rng: random.Random = _random) -> float:
    """Seconds to wait after the ``attempts``-th failure (``attempts >= 1``)."""
    ceiling = min(cap, base * 2 ** max(0, attempts - 1))
    return ceiling / 2 + rng.uniform(0, ceiling / 2)


def exhausted(attempts: int, max_attempts: int) -> bool:
    """Whether a delivery that failed ``attempts`` times is to be parked as dead."""
    return attempts >= max_attempts
