"""Every error is JSON ``{"detail": ...}`` with the right status; never a traceback.

    400  malformed JSON                       {"detail": "Malformed JSON body: ..."}
    401  no or unknown token                  {"detail": "..."}
    403  wrong role or clinic                 {"detail": "..."}
    404  unknown clinic, plugin, route...     {"detail": "..."}
    413  body over HUB_MAX_BODY_BYTES         {"detail": "..."}
    422  invalid fields                       {"detail": [{"loc", "msg", "type"}, ...]}
    500  a bug: logged with an id, the id is returned, nothing else

Validation errors never echo the submitted value: it may be a secret.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("hub.api")


def clean_errors(errors: Any) -> list[dict[str, Any]]:
    """Pydantic/FastAPI errors without the submitted input, context or docs URL."""
    return [
        {
            "loc": list(error.get("loc", ())),
            "msg": str(error.get("msg", "")),
            "type": error.get("type", ""),
        }
        for error in errors
    ]


async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = exc.errors()
    for error in errors:
        if error.get("type") == "json_invalid":
            reason = (error.get("ctx") or {}).get("error", "")
            return JSONResponse({"detail": f"Malformed JSON body: {reason}".rstrip(": ")}, 400)
    return JSONResponse({"detail": clean_errors(errors)}, 422)


async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    headers = getattr(exc, "headers", None)
    return JSONResponse({"detail": exc.detail}, exc.status_code, headers=headers)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    ref = secrets.token_hex(6)
    log.exception("unhandled error %s on %s %s", ref, request.method, request.url.path)
    return JSONResponse({"detail": f"Internal error; reference {ref} in the hub's log."}, 500)


def _nul_location(value: Any, loc: list[Any]) -> list[Any] | None:
    if isinstance(value, str):
        return loc if "\x00" in value else None
    if isinstance(value, dict):
        items: Any = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        if isinstance(key, str) and "\x00" in key:
            return [*loc, key]
        found = _nul_location(item, [*loc, key])
        if found is not None:
            return found
    return None


async def reject_nul(request: Request) -> None:
    """A NUL character is never meaningful text and PostgreSQL cannot store it: 422.

    Installed as an app-wide dependency; the JSON body it parses is cached on the
    request, so the route does not parse it again.
    """
    for source, values in (("path", request.path_params), ("query", request.query_params)):
        for name, value in values.items():
            if "\x00" in str(value) or "\x00" in name:
                raise RequestValidationError(
                    [
                        {
                            "loc": [source, name],
                            "msg": "must not contain a NUL character",
                            "type": "nul",
                        }
                    ]
                )
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            body = await request.json()
        except ValueError:
            return  # malformed JSON: the route's own parsing answers 400
        loc = _nul_location(body, ["body"])
        if loc is not None:
            raise RequestValidationError(
                [{"loc": loc, "msg": "must not contain a NUL character", "type": "nul"}]
            )


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _unexpected)
