"""hub.http_client: the shared client's aiohttp transport is built at its first request."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import httpx
import pytest
from httpx_aiohttp import AiohttpTransport

from hub.http_client import DeferredTransport, build_http_client
from hub.settings import HubSettings


def _settings(**values: object) -> HubSettings:
    return HubSettings.model_validate({"database_url": "sqlite://", **values})


async def _serve_once(body: bytes) -> tuple[asyncio.Server, int]:
    """A local HTTP server answering every request with ``body``."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s"
            % (len(body), body)
        )
        await writer.drain()
        writer.close()
        await writer.wait_closed()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


async def test_aiohttp_transport_is_built_at_the_first_request() -> None:
    client = build_http_client(_settings(http_transport="aiohttp"))
    transport = client._transport
    assert isinstance(transport, DeferredTransport)
    assert transport.built is None
    server, port = await _serve_once(b"pong")
    try:
        async with client:
            response = await client.get(f"http://127.0.0.1:{port}/ping")
            assert response.text == "pong"
            assert isinstance(transport.built, AiohttpTransport)
    finally:
        server.close()
        await server.wait_closed()


async def test_httpx_transport_is_httpx_own() -> None:
    async with build_http_client(_settings(http_transport="httpx")) as client:
        assert isinstance(client._transport, httpx.AsyncHTTPTransport)


async def test_concurrent_first_requests_share_one_transport() -> None:
    built: list[httpx.MockTransport] = []

    def build() -> httpx.MockTransport:
        built.append(httpx.MockTransport(lambda request: httpx.Response(200, text="ok")))
        return built[-1]

    async with httpx.AsyncClient(transport=DeferredTransport(build)) as client:
        answers = await asyncio.gather(*(client.get("http://x.test/") for _ in range(5)))
    assert [a.text for a in answers] == ["ok"] * 5
    assert len(built) == 1


async def test_closing_before_any_request_builds_nothing() -> None:
    def build() -> httpx.AsyncBaseTransport:
        pytest.fail("built without a request")

    transport = DeferredTransport(build)
    async with httpx.AsyncClient(transport=transport):
        pass
    assert transport.built is None


def test_a_runtime_that_sends_nothing_does_not_import_aiohttp() -> None:
    # a fresh interpreter: this one has imported aiohttp for the tests above
    code = (
        "import sys; from hub.http_client import build_http_client; "
        "from hub.settings import HubSettings; "
        "build_http_client(HubSettings(database_url='sqlite://', http_transport='aiohttp')); "
        "print('aiohttp' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert out.stdout.strip() == "False"
