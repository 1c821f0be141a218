"""``ctx.post_form``: the same answers and the same httpx exceptions whichever way it goes.

Each test runs against a real aiohttp server on 127.0.0.1 through both posts the hub
builds: ``aiohttp`` (straight on the shared aiohttp session, the default transport) and
``httpx`` (through ``ctx.http``, as with ``HUB_HTTP_TRANSPORT=httpx``).  A transport a
test injects (``httpx.MockTransport``) makes ``post_form`` go through ``ctx.http``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from httpx_aiohttp import AiohttpTransport

from hub import HttpAnswer
from hub.http_client import (
    QUOTED_CHARACTERS_KEPT,
    AiohttpFormPost,
    DeferredTransport,
    HttpxFormPost,
    HubHttp,
    build_http_client,
    form_body,
)
from hub.settings import HubSettings
from hub.testing import Harness

SECRET = "0A1B2C3D-4E5F-6071-8293-A4B5C6D7E8F9"
FORM = {
    "api_id": SECRET,
    "to": "79181234567",
    "msg": "Напоминание: завтра в 10:30 & не опаздывайте",
}


class Gateway:
    """A local HTTP server: echoes what it got, answers a status, redirects, or hangs."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        app = web.Application()
        app.router.add_post("/echo", self.echo)
        app.router.add_post("/raw", self.raw)
        app.router.add_post("/status/{code}", self.status)
        app.router.add_post("/moved", self.moved)
        app.router.add_post("/hang", self.hang)
        self.server = TestServer(app, host="127.0.0.1", port=0)

    def url(self, path: str) -> str:
        return str(self.server.make_url(path))

    async def echo(self, request: web.Request) -> web.Response:
        form = await request.post()
        return web.json_response(
            {
                "query": dict(request.query),
                "form": {k: str(v) for k, v in form.items()},
                "content_type": request.content_type,
                "user_agent": request.headers.get("User-Agent"),
            },
            headers={"X-Gateway": "fake"},
        )

    async def raw(self, request: web.Request) -> web.Response:
        body = await request.read()
        return web.json_response(
            {
                "body": body.decode("ascii"),
                "length": request.headers.get("Content-Length"),
                "content_type": request.headers.get("Content-Type"),
            }
        )

    async def status(self, request: web.Request) -> web.Response:
        return web.Response(status=int(request.match_info["code"]), text="busy")

    async def moved(self, request: web.Request) -> web.Response:
        raise web.HTTPFound("/echo")

    async def hang(self, request: web.Request) -> web.Response:
        await self.release.wait()
        return web.Response(text="late")


@pytest.fixture
async def gateway() -> AsyncIterator[Gateway]:
    gateway = Gateway()
    await gateway.server.start_server()
    try:
        yield gateway
    finally:
        gateway.release.set()
        await gateway.server.close()


@pytest.fixture(params=["aiohttp", "httpx"])
async def hub_http(request: pytest.FixtureRequest) -> AsyncIterator[HubHttp]:
    """The runtime's HTTP over each transport the hub can be set to."""
    settings = HubSettings(http_transport=request.param, http_timeout=5.0)  # type: ignore[call-arg]
    http = HubHttp(settings)
    try:
        yield http
    finally:
        await http.aclose()


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_the_default_transport_posts_straight_on_aiohttp() -> None:
    http = HubHttp(HubSettings())  # type: ignore[call-arg]
    try:
        assert isinstance(http.post_form, AiohttpFormPost)
    finally:
        await http.aclose()


async def test_post_form_sends_the_form_and_returns_the_whole_answer(
    hub_http: HubHttp, gateway: Gateway
) -> None:
    answer = await hub_http.post_form(gateway.url("/echo?json=1"), FORM)
    assert isinstance(answer, HttpAnswer)
    assert answer.status == 200
    assert answer.headers["x-gateway"] == "fake"  # any spelling of the name
    assert httpx.Response(200, content=answer.content).json() == {
        "query": {"json": "1"},
        "form": FORM,
        "content_type": "application/x-www-form-urlencoded",
        "user_agent": "clinic-hub",
    }


TRICKY_FORMS = [
    FORM,
    {"msg": "a+b=c&d e%f", "": "", "to[79181234567]": "Привет 😀"},
    {"x": "~_.-*!'()/?#[]@$,;:", "tab\tnew\nline": "\u00e9\u0301 \u00a0 \ufeff"},
    {"a": "\U0001f600" * 3, "b": "ü" * 50},
]


@pytest.mark.parametrize("form", TRICKY_FORMS)
def test_form_body_is_what_urlencode_gives(form: dict[str, str]) -> None:
    """The hub encodes the form itself; the bytes are ``urlencode``'s, as aiohttp sent."""
    assert form_body(form) == urlencode(form).encode()
    assert form_body(form) == urlencode(form).encode()  # again, from the kept characters


def test_form_body_leaves_values_that_are_not_strings_to_urlencode() -> None:
    form: dict[str, Any] = {"to": ["79181234567", "79181234568"], "n": 3, "b": b"\xd0\x9f"}
    assert form_body(form) == urlencode(form, doseq=True).encode()


def test_form_body_keeps_a_bounded_number_of_characters() -> None:
    """A text of ever new characters is encoded right without growing the kept ones."""
    many = "".join(chr(0x4E00 + i) for i in range(QUOTED_CHARACTERS_KEPT + 500))
    assert form_body({"msg": many}) == urlencode({"msg": many}).encode()
    from hub import http_client

    assert len(http_client._QUOTED) <= QUOTED_CHARACTERS_KEPT


@pytest.mark.parametrize("form", TRICKY_FORMS)
async def test_post_form_sends_exactly_the_urlencoded_body(
    hub_http: HubHttp, gateway: Gateway, form: dict[str, str]
) -> None:
    answer = await hub_http.post_form(gateway.url("/raw"), form)
    body = urlencode(form)
    assert json.loads(answer.content) == {
        "body": body,
        "length": str(len(body)),
        "content_type": "application/x-www-form-urlencoded",
    }


@pytest.mark.parametrize("code", [400, 429, 500, 503])
async def test_an_error_status_is_an_answer_not_an_exception(
    hub_http: HubHttp, gateway: Gateway, code: int
) -> None:
    status, content, _ = await hub_http.post_form(gateway.url(f"/status/{code}"), FORM)
    assert (status, content) == (code, b"busy")


async def test_redirects_are_not_followed(hub_http: HubHttp, gateway: Gateway) -> None:
    answer = await hub_http.post_form(gateway.url("/moved"), FORM)
    assert answer.status == 302
    assert answer.headers["Location"] == "/echo"


async def test_no_answer_in_time_raises_httpx_timeout(
    hub_http: HubHttp, gateway: Gateway, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with pytest.raises(httpx.TimeoutException) as raised:
        await hub_http.post_form(gateway.url("/hang"), FORM, timeout=0.2)
    assert SECRET not in str(raised.value)
    assert SECRET not in caplog.text


async def test_a_refused_connection_raises_httpx_connect_error(
    hub_http: HubHttp, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with pytest.raises(httpx.ConnectError) as raised:
        await hub_http.post_form(f"http://127.0.0.1:{closed_port()}/sms/send?json=1", FORM)
    assert SECRET not in str(raised.value)
    assert SECRET not in caplog.text


async def test_the_fast_path_error_holds_the_url_not_the_form(gateway: Gateway) -> None:
    http = HubHttp(HubSettings())  # type: ignore[call-arg]
    url = f"http://127.0.0.1:{closed_port()}/sms/send?json=1"
    try:
        with pytest.raises(httpx.ConnectError) as raised:
            await http.post_form(url, FORM)
    finally:
        await http.aclose()
    assert str(raised.value.request.url) == url
    assert raised.value.request.content == b""


async def test_post_form_and_ctx_http_share_one_aiohttp_session(gateway: Gateway) -> None:
    """One pool of connections: ``ctx.http``'s transport runs on the session
    ``post_form`` uses, and closing the runtime's HTTP closes it."""
    http = HubHttp(HubSettings())  # type: ignore[call-arg]
    try:
        await http.post_form(gateway.url("/echo"), FORM)
        assert (await http.client.post(gateway.url("/echo"), data=FORM)).status_code == 200
        assert http.session is not None
        session = http.session()
        transport = http.client._transport
        assert isinstance(transport, DeferredTransport)
        assert transport.built.client is session  # type: ignore[union-attr]
    finally:
        await http.aclose()
    assert session.closed


async def test_an_injected_transport_answers_post_form() -> None:
    """A test's fake of ``ctx.http`` also answers ``ctx.post_form``."""
    seen: list[httpx.Request] = []

    def fake(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"status": "OK"})

    http = HubHttp(HubSettings(), httpx.MockTransport(fake))  # type: ignore[call-arg]
    try:
        assert isinstance(http.post_form, HttpxFormPost)
        answer = await http.post_form("https://sms.example/sms/send?json=1", FORM)
    finally:
        await http.aclose()
    assert answer.status == 200
    assert answer.content == b'{"status":"OK"}'
    assert httpx.QueryParams(seen[0].content.decode()) == httpx.QueryParams(FORM)


class Caller:
    """A plugin that implements no hook: only its context is used."""


@pytest.fixture
def hub_plugin_names() -> list[str]:
    return []


@pytest.fixture
def hub_extra_plugins() -> dict[str, object]:
    return {"caller": Caller()}


@pytest.fixture
def hub_http_transport() -> httpx.AsyncBaseTransport:
    def fake(request: httpx.Request) -> httpx.Response:
        return httpx.Response(201, content=request.content, headers={"X-Fake": "yes"})

    return httpx.MockTransport(fake)


async def test_ctx_post_form_goes_through_the_injected_transport(hub: Harness) -> None:
    await hub.create_clinic("clinic-1")
    await hub.enable("caller")
    ctx = await hub.context("caller")
    status, content, headers = await ctx.post_form("https://sms.example/sms/send", {"a": "б"})
    assert (status, content, headers["x-fake"]) == (201, b"a=%D0%B1", "yes")


# --- aiohttp is imported at the first request, not at start-up ------------------------


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
        "import sys; from hub.http_client import HubHttp; "
        "from hub.settings import HubSettings; "
        "HubHttp(HubSettings(database_url='sqlite://', http_transport='aiohttp')); "
        "print('aiohttp' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert out.stdout.strip() == "False"
