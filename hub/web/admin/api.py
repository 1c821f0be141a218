"""The hub's own API, called in-process with the signed-in user's token.

Every page reads and changes data through ``/api/v1`` — the same routes, validation,
role checks, audit and services as an integrator's script — over an ASGI transport
(no socket, no network).  So the web UI holds no second copy of any rule: what the
API refuses a ``webadmin`` (sending, secrets, tokens) the page is refused too, and a
change to a rule reaches both at once.

    async with HubApi(request, session.token) as api:
        journal = await api.get("/api/v1/messages", params={...})

An answer of 4xx/5xx (a problem document, :mod:`hub.api.errors`) raises
:class:`ApiError` with the status and the API's message (``detail``, and the field
errors of a 422's ``errors``); 401 becomes :class:`SignInRequired`.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any

import httpx
from fastapi import Request

from hub.web.admin.session import SignInRequired


class ApiError(Exception):
    """The API said no: ``status`` and its message (and field errors when 422)."""

    def __init__(self, status: int, message: str, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.fields = fields or {}


def _message(body: Any) -> tuple[str, dict[str, str]]:
    detail = body.get("detail") if isinstance(body, dict) else body
    listed = body.get("errors") if isinstance(body, dict) else None
    if isinstance(listed, list) and any(isinstance(e, dict) and e.get("loc") for e in listed):
        detail = listed
    if isinstance(detail, str):
        return detail, {}
    if isinstance(detail, list):
        fields: dict[str, str] = {}
        lines = []
        for error in detail:
            if not isinstance(error, dict):
                lines.append(str(error))
                continue
            loc = [str(p) for p in error.get("loc", []) if p not in ("body", "query", "path")]
            if loc and loc[0] == "settings":
                loc = loc[1:]
            name = ".".join(loc)
            msg = str(error.get("msg", ""))
            fields.setdefault(name, msg)
            lines.append(f"{name}: {msg}" if name else msg)
        return "; ".join(lines), fields
    return str(detail), {}


class HubApi:
    """An API client of this very app, authenticated as the signed-in user."""

    def __init__(self, request: Request, token: str) -> None:
        self._client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=request.app),
            base_url="http://hub.internal",
            headers={"Authorization": f"Bearer {token}"},
            timeout=120,
        )

    async def __aenter__(self) -> HubApi:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._client.aclose()

    async def raw(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """The API's answer as it is (for files: CSV, a plugin's ``FileAnswer``)."""
        response = await self._client.request(method, url, **kwargs)
        if response.status_code == 401:
            raise SignInRequired()
        if response.status_code >= 400:
            try:
                body = response.json()
            except ValueError:
                body = response.text
            message, fields = _message(body)
            raise ApiError(response.status_code, message, fields)
        return response

    async def call(self, method: str, url: str, **kwargs: Any) -> Any:
        response = await self.raw(method, url, **kwargs)
        if response.status_code == 204 or not response.content:
            return None
        return response.json()

    async def get(self, url: str, **kwargs: Any) -> Any:
        return await self.call("GET", url, **kwargs)

    async def post(self, url: str, **kwargs: Any) -> Any:
        return await self.call("POST", url, **kwargs)

    async def put(self, url: str, **kwargs: Any) -> Any:
        return await self.call("PUT", url, **kwargs)

    async def patch(self, url: str, **kwargs: Any) -> Any:
        return await self.call("PATCH", url, **kwargs)

    async def delete(self, url: str, **kwargs: Any) -> Any:
        return await self.call("DELETE", url, **kwargs)
