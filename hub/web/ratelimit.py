"""Requests per minute per client address, for the patient pages (``/r/...``).

Built on the ``limits`` library's moving window: at most ``HUB_ANSWER_RATE_LIMIT``
requests in any 60 seconds from one address.  The count lives where
``HUB_ANSWER_RATE_LIMIT_STORAGE`` says: ``memory://`` (the default) counts per hub
process; with several ``hub serve`` processes behind a balancer use a shared storage
(``redis://...``, which needs the ``redis`` package) so the limit holds across them.

Behind a reverse proxy every request comes from the proxy's address unless uvicorn is
told to trust it (``--forwarded-allow-ips``), which makes ``X-Forwarded-For`` the client.
"""

from __future__ import annotations

import math
import time

from limits import RateLimitItemPerMinute
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

__all__ = ["AddressLimiter"]


class AddressLimiter:
    """``hit(address)`` counts a request and says whether it is allowed."""

    def __init__(
        self, per_minute: int, storage_uri: str = "memory://", scope: str = "answer"
    ) -> None:
        self._item = RateLimitItemPerMinute(per_minute)
        self._limiter = MovingWindowRateLimiter(storage_from_string(storage_uri))
        self._scope = scope

    def hit(self, address: str) -> bool:
        return self._limiter.hit(self._item, self._scope, address)

    def retry_after(self, address: str) -> int:
        """Seconds until ``address`` may make a request again (at least 1)."""
        stats = self._limiter.get_window_stats(self._item, self._scope, address)
        return max(1, math.ceil(stats.reset_time - time.time()))
