"""The hub's outgoing HTTP: ``ctx.http`` (httpx) and ``ctx.post_form`` (lean), one pool.

Plugins keep httpx's API; the transport underneath is the hub's choice.  By default it
is aiohttp's (``httpx_aiohttp.AiohttpTransport``): on this project's benchmark machine
httpx's own async transport reached about 0.07x of the practical request rate to a
local gateway at 32 requests in flight, the aiohttp transport about 0.5x (see
``docs/decisions.md`` and ``bench/``).  ``HUB_HTTP_TRANSPORT=httpx`` switches back.
Tests inject any transport (``httpx.MockTransport``, an ASGI app) instead.

httpx's own client machinery (URL parsing, header models, ``Request``/``Response``,
streams) costs more CPU per request than aiohttp's whole request, so a plugin's hot
path (one request per message) can use ``ctx.post_form`` instead:

    HubHttp                  what the runtime holds: .client (ctx.http), .post_form, .aclose()
      SharedSession          the one aiohttp ClientSession, made at first use, under both
      AiohttpFormPost        post_form straight on that session (the aiohttp transport)
      HttpxFormPost          post_form through ctx.http (any other transport: tests' fakes)

``AiohttpFormPost`` encodes the form itself (:func:`form_body`, the bytes
``urllib.parse.urlencode`` gives, from a cache of each character's encoding) and hands
aiohttp those bytes: given a ``dict``, aiohttp looks it up in its payload registry, fails,
builds a ``FormData`` (and a multipart writer with a random boundary it never uses) and
then calls ``urlencode``, which quotes byte by byte; that was half of aiohttp's CPU per
request in the delivery profile (docs/decisions.md, issue 18 goal 1).

``AiohttpFormPost`` raises httpx's exceptions, as ``ctx.http`` would, so a plugin
handles both paths alike:

    asyncio.TimeoutError (aiohttp's time-outs)  -> httpx.ConnectTimeout / ReadTimeout
    aiohttp.ClientConnectorError (refused, DNS) -> httpx.ConnectError
    aiohttp.ServerDisconnectedError, other
      aiohttp.ClientResponseError (bad answer)  -> httpx.RemoteProtocolError
    aiohttp.ClientPayloadError                  -> httpx.ReadError
    aiohttp.InvalidURL                          -> httpx.UnsupportedProtocol
    other aiohttp.ClientConnectionError         -> httpx.NetworkError
    other aiohttp.ClientError                   -> httpx.TransportError

Their text is aiohttp's (host and port at most); the form never goes into it.

aiohttp itself is imported at the first request (:class:`DeferredTransport`, and
``AiohttpFormPost`` on its first call): importing it builds its SSL contexts, reading
the system's certificates, about a tenth of ``hub serve``'s start, paid by every process
whether it ever sends or not (docs/decisions.md, issue 18 goal 6).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import quote_plus, urlencode

import httpx

from hub.ports import PostForm
from hub.settings import HubSettings
from hub.types import HttpAnswer

if TYPE_CHECKING:
    import aiohttp

USER_AGENT = "clinic-hub"
FORM_CONTENT_TYPE: Final = "application/x-www-form-urlencoded"
#: Characters whose encoding :func:`form_body` keeps (beyond them it encodes without
#: keeping: a text of rare characters must not grow the cache without end).
QUOTED_CHARACTERS_KEPT: Final = 4096


class _Quoted(dict[str, str]):
    """A character -> its form encoding (``quote_plus``), filled as characters come."""

    def __missing__(self, char: str) -> str:
        quoted = quote_plus(char)
        if len(self) < QUOTED_CHARACTERS_KEPT:
            self[char] = quoted
        return quoted


_QUOTED = _Quoted()


def form_body(form: Mapping[str, str]) -> bytes:
    """``form`` as an ``application/x-www-form-urlencoded`` body: the same bytes as
    ``urllib.parse.urlencode(form).encode()`` (and so aiohttp's and httpx's), built from
    each character's cached encoding instead of quoting every byte anew.  A form with
    a value that is not a string goes to ``urlencode`` as aiohttp would send it."""
    quoted = _QUOTED.__getitem__
    parts = []
    for name, value in form.items():
        if type(name) is not str or type(value) is not str:
            return urlencode(form, doseq=True).encode("ascii")
        parts.append(f"{''.join(map(quoted, name))}={''.join(map(quoted, value))}")
    return "&".join(parts).encode("ascii")


class HubHttp:
    """The runtime's HTTP: ``client`` is ``ctx.http``, ``post_form`` is ``ctx.post_form``."""

    def __init__(
        self, settings: HubSettings, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.session: SharedSession | None = None
        if transport is None and settings.http_transport == "aiohttp":
            self.session = SharedSession(settings.http_max_connections, settings.http_timeout)
        self.client = build_http_client(settings, transport, session=self.session)
        self.post_form: PostForm = (
            HttpxFormPost(self.client)
            if self.session is None
            else AiohttpFormPost(self.session, settings.http_timeout)
        )

    async def aclose(self) -> None:
        await self.client.aclose()
        if self.session is not None:
            await self.session.close()


def build_http_client(
    settings: HubSettings,
    transport: httpx.AsyncBaseTransport | None = None,
    *,
    session: SharedSession | None = None,
) -> httpx.AsyncClient:
    """One client per runtime, with pooled keep-alive connections (over ``session`` when
    given and the transport is aiohttp's)."""
    timeout = httpx.Timeout(settings.http_timeout)
    headers = {"User-Agent": USER_AGENT}
    if transport is None and settings.http_transport == "aiohttp":
        shared = session or SharedSession(settings.http_max_connections, settings.http_timeout)
        transport = DeferredTransport(lambda: _aiohttp_transport(shared))
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


def _aiohttp_transport(session: SharedSession) -> httpx.AsyncBaseTransport:
    from httpx_aiohttp import AiohttpTransport

    return AiohttpTransport(client=session)


class SharedSession:
    """One ``aiohttp.ClientSession``, made at its first use (aiohttp wants a running loop)."""

    def __init__(self, max_connections: int, timeout: float) -> None:
        self._limit = max_connections
        self._timeout = timeout
        self._session: aiohttp.ClientSession | None = None

    def __call__(self) -> aiohttp.ClientSession:
        if self._session is None:
            import aiohttp

            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._limit),
                timeout=aiohttp.ClientTimeout(total=self._timeout),
                headers={"User-Agent": USER_AGENT},
            )
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


class HttpxFormPost:
    """``post_form`` through an ``httpx.AsyncClient``: whatever its transport answers."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self._client = client

    async def __call__(
        self, url: str, form: Mapping[str, str], *, timeout: float | None = None
    ) -> HttpAnswer:
        # httpx reads timeout=None as "no time limit": leave it out for the default
        kwargs: dict[str, Any] = {} if timeout is None else {"timeout": timeout}
        response = await self._client.post(url, data=form, **kwargs)
        return HttpAnswer(response.status_code, response.content, response.headers)


_FORM_HEADERS: Final = {"Content-Type": FORM_CONTENT_TYPE}


class AiohttpFormPost:
    """``post_form`` straight on the shared aiohttp session, with httpx's exceptions."""

    def __init__(self, session: SharedSession, timeout: float) -> None:
        self._session = session
        self._seconds = timeout
        self._errors: tuple[type[BaseException], ...] = ()
        self._timeouts: dict[float, aiohttp.ClientTimeout] = {}

    async def __call__(
        self, url: str, form: Mapping[str, str], *, timeout: float | None = None
    ) -> HttpAnswer:
        if not self._errors:  # the first call: aiohttp is imported now, not at start-up
            import aiohttp

            self._errors = (asyncio.TimeoutError, aiohttp.ClientError)
        limit = self._timeout(self._seconds if timeout is None else timeout)
        try:
            async with self._session().post(
                url,
                data=form_body(form),
                headers=_FORM_HEADERS,
                allow_redirects=False,
                timeout=limit,
            ) as response:
                content = await response.read()
                return HttpAnswer(response.status, content, response.headers)
        except self._errors as exc:
            raise _as_httpx(exc, url) from exc

    def _timeout(self, seconds: float) -> aiohttp.ClientTimeout:
        found = self._timeouts.get(seconds)
        if found is None:
            import aiohttp

            found = self._timeouts[seconds] = aiohttp.ClientTimeout(total=seconds)
        return found


def _as_httpx(exc: BaseException, url: str) -> httpx.TransportError:
    """The httpx exception ``ctx.http`` would raise for aiohttp's ``exc`` (see the table
    in this module's docstring)."""
    import aiohttp

    kind: type[httpx.TransportError]
    if isinstance(exc, asyncio.TimeoutError):
        connecting = isinstance(exc, aiohttp.ConnectionTimeoutError)
        kind = httpx.ConnectTimeout if connecting else httpx.ReadTimeout
    elif isinstance(exc, aiohttp.ClientConnectorError):
        kind = httpx.ConnectError
    elif isinstance(exc, aiohttp.ServerDisconnectedError | aiohttp.ClientResponseError):
        kind = httpx.RemoteProtocolError
    elif isinstance(exc, aiohttp.ClientPayloadError):
        kind = httpx.ReadError
    elif isinstance(exc, aiohttp.InvalidURL):
        kind = httpx.UnsupportedProtocol
    elif isinstance(exc, aiohttp.ClientConnectionError):
        kind = httpx.NetworkError
    else:
        kind = httpx.TransportError
    text = str(exc) or type(exc).__name__
    # the request without its body: whoever logs it does not log the form
    return kind(text, request=httpx.Request("POST", url))
