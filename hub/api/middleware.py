"""ASGI middleware: the request-body size limit, the JSON content type of API bodies,
and request metrics."""

from __future__ import annotations

import json

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
    body = json.dumps({"detail": detail}, ensure_ascii=False).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
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


class JsonBodies:
    """415 for a body sent to ``/api/`` with a content type other than JSON.

    ``curl -d '{...}'`` sends ``application/x-www-form-urlencoded``; without this the
    route would answer a 422 that never says why.  Requests without a body (a ``POST``
    that only triggers something) pass, and so do the plugins' own routes, which may
    take forms (a provider's callback).
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
        await self.app(scope, receive, send)


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
