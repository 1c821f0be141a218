"""The shared ``httpx.AsyncClient`` handed to plugins as ``ctx.http``.

Plugins keep httpx's API; the transport underneath is the hub's choice.  By default it
is aiohttp's (``httpx_aiohttp.AiohttpTransport``): on this project's benchmark machine
httpx's own async transport reached about 0.07x of the practical request rate to a
local gateway at 32 requests in flight, the aiohttp transport about 0.5x (see
``docs/decisions.md`` and ``bench/``).  ``HUB_HTTP_TRANSPORT=httpx`` switches back.
Tests inject any transport (``httpx.MockTransport``, an ASGI app) instead.
"""

from __future__ import annotations

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
        transport = _aiohttp_transport(settings.http_max_connections, settings.http_timeout)
    if transport is not None:
        return httpx.AsyncClient(transport=transport, timeout=timeout, headers=headers)
    limits = httpx.Limits(
        max_connections=settings.http_max_connections,
        max_keepalive_connections=settings.http_max_connections,
    )
    return httpx.AsyncClient(limits=limits, timeout=timeout, headers=headers)


def _aiohttp_transport(max_connections: int, timeout: float) -> httpx.AsyncBaseTransport:
    import aiohttp
    from httpx_aiohttp import AiohttpTransport

    def session() -> aiohttp.ClientSession:
        return aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=max_connections),
            timeout=aiohttp.ClientTimeout(total=timeout),
        )

    return AiohttpTransport(client=session)
