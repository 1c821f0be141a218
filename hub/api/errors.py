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
import re
import secrets
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from hub.runtime import ClinicNotFound

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


#: Integers beyond this are no id, page or count the hub could hold.
MAX_INT = 2**53
#: Dates outside these years overflow time-zone arithmetic; no clinic needs them.
YEARS = range(1800, 9001)
_DATE = re.compile(r"(\d{4})-\d{2}-\d{2}([T ][\d:.]+)?(Z|[+-]\d{2}:?\d{2})?")


def _unstorable(value: Any) -> str | None:
    """Why ``value`` cannot be stored or computed with, or ``None``."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return "is out of range" if abs(value) > MAX_INT else None
    if not isinstance(value, str):
        return None
    if "\x00" in value:
        return "must not contain a NUL character"
    if value.lstrip("-").isdigit() and len(value) > 15 and abs(int(value)) > MAX_INT:
        return "is out of range"
    date = _DATE.fullmatch(value) if len(value) <= 40 else None
    if date is not None and int(date.group(1)) not in YEARS:
        return f"has a year outside {YEARS.start}-{YEARS.stop - 1}"
    return None


_NUL_ESCAPE = re.compile(rb"\\u0000")
_LONG_NUMBER = re.compile(rb"\d{16}")
_YEAR = re.compile(rb"(\d{4})-\d\d-\d\d")


def may_be_unstorable(raw: bytes) -> bool:
    """Whether a JSON body could hold an unstorable value, judged from its bytes: a NUL
    (only ever written ``\\u0000`` in JSON), a run of 16 digits (every integer beyond
    2**53 has one) or a date whose year is outside :data:`YEARS`.  ``False`` is certain;
    ``True`` sends the body through the walk of :func:`_find`, which decides.  (Walking
    a 10,000-appointment body value by value took a tenth of the bulk request.)"""
    if _NUL_ESCAPE.search(raw) or _LONG_NUMBER.search(raw):
        return True
    return any(int(m.group(1)) not in YEARS for m in _YEAR.finditer(raw))


def _find(value: Any, loc: list[Any]) -> tuple[list[Any], str] | None:
    problem = _unstorable(value)
    if problem is not None:
        return loc, problem
    if isinstance(value, dict):
        items: Any = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        if isinstance(key, str) and "\x00" in key:
            return [*loc, key], "must not contain a NUL character"
        found = _find(item, [*loc, key])
        if found is not None:
            return found
    return None


def _refuse(loc: list[Any], problem: str) -> RequestValidationError:
    return RequestValidationError([{"loc": loc, "msg": problem, "type": "value_error"}])


async def reject_unstorable(request: Request) -> None:
    """Values no route can store or compute with are a 422 before any route sees them:
    NUL characters (PostgreSQL cannot store them), integers beyond 2**53, dates outside
    the years 1800-9000 (time-zone arithmetic overflows) — in the path, the query or a
    JSON body.  Installed as an app-wide dependency; the JSON body it parses is cached
    on the request, so the route does not parse it again.
    """
    for source, values in (("path", request.path_params), ("query", request.query_params)):
        for name, value in values.items():
            found = _find(str(value), [source, name]) or _find(name, [source, name])
            if found is not None:
                raise _refuse(*found)
    if request.headers.get("content-type", "").startswith("application/json"):
        if not may_be_unstorable(await request.body()):
            return
        try:
            body = await request.json()
        except ValueError:
            return  # malformed JSON: the route's own parsing answers 400
        found = _find(body, ["body"])
        if found is not None:
            raise _refuse(*found)


async def _clinic_not_found(request: Request, exc: ClinicNotFound) -> JSONResponse:
    return JSONResponse({"detail": exc.detail}, status_code=404)


def install(app: FastAPI) -> None:
    app.add_exception_handler(ClinicNotFound, _clinic_not_found)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _unexpected)
