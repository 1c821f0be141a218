"""ASGI middleware: the request-body size limit, the JSON content type (and charset) of
API bodies, and request metrics.  Their refusals are problem details like every other
error (:mod:`hub.api.errors`)."""

from __future__ import annotations

import codecs
import json
from http import HTTPStatus

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub.metrics import Metrics


def _too_large(limit: int) -> str:
    return f"Request body too large: the limit is {limit} bytes (HUB_MAX_BODY_BYTES)"


class BodyTooLarge(HTTPException):
    """Raised while the body streams in; the error handlers turn it into a 413."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, _too_large(limit))


async def _reject(send: Send, limit: int) -> None:
    await _answer(send, 413, _too_large(limit))


async def _answer(send: Send, status: int, detail: str) -> None:
    problem = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    body = json.dumps(problem, ensure_ascii=False).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodyLimit:
    """413 for bodies over ``limit`` bytes, whether declared or streamed."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", ()):
            if name == b"content-length" and value.isdigit() and int(value) > self.limit:
                await _reject(send, self.limit)
                return
        seen = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise BodyTooLarge(self.limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await _reject(send, self.limit)


#: Methods whose API bodies are JSON.
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


def _charset(content_type: str) -> str | None:
    for parameter in content_type.split(";")[1:]:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip('"').lower() or None
    return None


def _utf8_media(content_type: str) -> bytes:
    return (content_type.split(";", 1)[0].strip() + "; charset=utf-8").encode("latin-1")


class JsonBodies:
    """415 for a body sent to ``/api/`` with a content type other than JSON.

    ``curl -d '{...}'`` sends ``application/x-www-form-urlencoded``; without this the
    route would answer a 422 that never says why.  Requests without a body (a ``POST``
    that only triggers something) pass, and so do the plugins' own routes, which may
    take forms (a provider's callback).

    A JSON body that declares another charset (``charset=windows-1251``, what an old
    clinic system on Windows sends) is decoded with it and passed on as UTF-8: the
    sender said what its bytes mean, so they are understood.  A charset Python does
    not know is a 415; bytes that are not in the declared charset a 400.  A body that
    declares nothing must be UTF-8 (RFC 8259); the error handlers answer a 400 that
    says so when it is not.
    """

    def __init__(self, app: ASGIApp, prefix: str = "/api/") -> None:
        self.app, self.prefix = app, prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in _BODY_METHODS
            or not scope["path"].startswith(self.prefix)
        ):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers", ()))
        length = headers.get(b"content-length", b"")
        has_body = (length.isdigit() and int(length) > 0) or b"transfer-encoding" in headers
        content_type = headers.get(b"content-type", b"").decode("latin-1")
        if has_body and not _is_json(content_type):
            got = f"got {content_type!r}" if content_type else "got no Content-Type"
            await _answer(
                send,
                415,
                "Send the body as JSON with the header 'Content-Type: application/json' "
                f"({got}; with curl: -H 'Content-Type: application/json')",
            )
            return
        charset = _charset(content_type) if has_body else None
        if charset is None:
            await self.app(scope, receive, send)
            return
        try:
            codec = codecs.lookup(charset).name
        except LookupError:
            await _answer(send, 415, f"Unknown charset {charset!r}: send the body in UTF-8")
            return
        if codec == "utf-8":
            await self.app(scope, receive, send)
            return
        await self._transcoded(scope, receive, send, codec, charset, content_type)

    async def _transcoded(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        codec: str,
        charset: str,
        content_type: str,
    ) -> None:
        """Read the whole body (the size limit applies as it streams), decode it with
        ``codec`` and pass it on as UTF-8."""
        chunks = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        raw = b"".join(chunks)
        try:
            body = raw.decode(codec).encode("utf-8")
        except UnicodeDecodeError as exc:
            await _answer(
                send,
                400,
                f"The body is not in {charset}, as its Content-Type says: byte "
                f"0x{raw[exc.start]:02x} at offset {exc.start} is not",
            )
            return
        headers = [
            (name, value)
            for name, value in scope.get("headers", ())
            if name not in (b"content-type", b"content-length", b"transfer-encoding")
        ]
        headers += [
            (b"content-type", _utf8_media(content_type)),
            (b"content-length", str(len(body)).encode()),
        ]
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app({**scope, "headers": headers}, replay, send)


class RequestMetrics:
    """Counts requests by method, route template and status."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app, self.metrics = app, metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500

        async def tracking_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            self.metrics.requests.labels(scope["method"], template, str(status)).inc()
