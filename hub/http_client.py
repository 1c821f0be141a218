"""The shared ``httpx.AsyncClient`` handed to plugins as ``ctx.http``.

Plugins keep httpx's API; the transport underneath is the hub's choice.  By default it
is aiohttp's (``httpx_aiohttp.AiohttpTransport``): on this project's benchmark machine
httpx's own async transport reached about 0.07x of the practical request rate to a
local gateway at 32 requests in flight, the aiohttp transport about 0.5x (see
``docs/decisions.md`` and ``bench/``).  ``HUB_HTTP_TRANSPORT=httpx`` switches back.
Tests inject any transport (``httpx.MockTransport``, an ASGI app) instead.

The aiohttp transport is built at the client's first request (:class:`DeferredTransport`):
importing aiohttp builds its SSL contexts, reading the system's certificates, and with
the transport's own context that was about a tenth of ``hub serve``'s start, paid by every
process whether it ever sends or not (docs/decisions.md, issue 18 goal 6).
"""

from __future__ import annotations

from collections.abc import Callable

import httpx

from hub.settings import HubSettings

USER_AGENT = "clinic-hub"


def build_http_client(
    settings: HubSettings, transport: httpx.AsyncBaseTransport | None = None
) -> httpx.AsyncClient:
    """One client per runtime, with pooled keep-alive connections."""
    timeout = httpx.Timeout(settings.http_timeout)
    headers = {"User-Agent": USER_AGENT}
    if transport is None and settings.http_transport == "aiohttp":
        transport = DeferredTransport(
            lambda: _aiohttp_transport(settings.http_max_connections, settings.http_timeout)
        )
    if transport is not None:
        return httpx.AsyncClient(transport=transport, timeout=timeout, headers=headers)
    limits = httpx.Limits(
        max_connections=settings.http_max_connections,
        max_keepalive_connections=settings.http_max_connections,
    )
    return httpx.AsyncClient(limits=limits, timeout=timeout, headers=headers)


class DeferredTransport(httpx.AsyncBaseTransport):
    """A transport built by ``build()`` when the first request comes, then used for all.

    Building is synchronous and happens on the event loop between awaits, so concurrent
    first requests share one transport.  Closing before any request closes nothing.
    """

    def __init__(self, build: Callable[[], httpx.AsyncBaseTransport]) -> None:
        self._build = build
        self.built: httpx.AsyncBaseTransport | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.built is None:
            self.built = self._build()
        return await self.built.handle_async_request(request)

    async def aclose(self) -> None:
        if self.built is not None:
            await self.built.aclose()


def _aiohttp_transport(max_connections: int, timeout: float) -> httpx.AsyncBaseTransport:
    import aiohttp
    from httpx_aiohttp import AiohttpTransport

    def session() -> aiohttp.ClientSession:
        return aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=max_connections),
            timeout=aiohttp.ClientTimeout(total=timeout),
        )

    return AiohttpTransport(client=session)
