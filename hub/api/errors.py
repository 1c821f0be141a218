"""Every 4xx and 5xx is one shape: RFC 9457 problem details, ``application/problem+json``.

    {"type": "about:blank", "title": "Unprocessable Content", "status": 422,
     "detail": "birth_date: use YYYY-MM-DD, e.g. 1980-05-17 (got 8 digits with no dashes)",
     "errors": [{"loc": ["body", "birth_date"], "msg": "use YYYY-MM-DD, ...",
                 "type": "date_parsing"}]}

``detail`` is always one human-readable string; ``errors`` (every 422, nothing else)
lists each refused field with FastAPI's ``loc``/``msg``/``type``.  ``title`` is the
status's phrase.

    400  malformed JSON, a body not in UTF-8
    401  no or unknown token
    403  wrong role or clinic
    404  unknown clinic, plugin, route...
    409  conflicts with the current state
    413  body over HUB_MAX_BODY_BYTES
    415  a body that is not JSON (or in a charset Python does not know)
    422  invalid fields                                      (with ``errors``)
    500  a bug: logged with an id, the id is returned, nothing else
    503  the database stayed busy (SQLite's write lock past its wait, a PostgreSQL
         deadlock or serialization failure): nothing was stored, ``Retry-After: 1``

Validation errors never echo the submitted value: it may be a secret.  Plugins' routes
are mounted on the same app, so they answer in the same shape.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Iterable, Mapping, Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from hub.db.engine import contended
from hub.error_text import readable, strip_prefix
from hub.runtime import ClinicNotFound

log = logging.getLogger("hub.api")

PROBLEM_JSON = "application/problem+json"


class ProblemResponse(JSONResponse):
    media_type = PROBLEM_JSON


def title(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def problem_body(
    status: int, detail: str, errors: Sequence[Mapping[str, Any]] | None = None
) -> dict[str, Any]:
    """The problem document for ``status``; ``errors`` only for a 422."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title(status),
        "status": status,
        "detail": detail,
    }
    if errors is not None:
        body["errors"] = [dict(e) for e in errors]
    return body


def problem(
    status: int,
    detail: str,
    errors: Sequence[Mapping[str, Any]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> ProblemResponse:
    return ProblemResponse(problem_body(status, detail, errors), status, headers=headers)


def clean_errors(errors: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Pydantic/FastAPI errors as ``loc``/``msg``/``type``: without the submitted
    input, context or docs URL, and with messages an integrator can act on."""
    return [
        {
            "loc": list(error.get("loc", ())),
            "msg": readable(error),
            "type": error.get("type", ""),
        }
        for error in errors
    ]


def _field(loc: Sequence[Any]) -> str:
    """``["body", "phones", 0]`` as ``phones.0``: where the sender put the value."""
    parts = list(loc)
    if parts and parts[0] in ("body", "query", "path"):
        parts = parts[1:]
    return ".".join(str(part) for part in parts)


def summary(errors: Sequence[Mapping[str, Any]]) -> str:
    """One line for ``detail``: ``field: message; field: message``."""
    lines = []
    for error in errors:
        field, msg = _field(error.get("loc", ())), str(error.get("msg", ""))
        lines.append(f"{field}: {msg}" if field else msg)
    return "; ".join(lines) or "Invalid request"


def invalid(loc: Sequence[str | int], msg: str, type: str = "value_error") -> HTTPException:
    """A 422 about one field (``loc`` as FastAPI's, e.g. ``["body", "phone"]``)."""
    return HTTPException(422, [{"loc": list(loc), "msg": msg, "type": type}])


def _as_errors(detail: Any) -> list[dict[str, Any]]:
    """A 422's ``detail`` as raised (a list of ``loc``/``msg``/``type``, or messages, or
    one message) as the ``errors`` list."""
    items = detail if isinstance(detail, list) else [detail]
    errors = []
    for item in items:
        if isinstance(item, Mapping):
            errors.append(
                {
                    "loc": list(item.get("loc", ())),
                    "msg": strip_prefix(str(item.get("msg", ""))),
                    "type": str(item.get("type", "value_error")),
                }
            )
        else:
            errors.append({"loc": [], "msg": strip_prefix(str(item)), "type": "value_error"})
    return errors


def _not_utf8(exc: UnicodeDecodeError) -> str:
    return (
        f"Send the body in UTF-8; got bytes that are not (byte 0x{exc.object[exc.start]:02x} "
        f"at offset {exc.start}). A body in another encoding must say so: "
        "'Content-Type: application/json; charset=windows-1251'"
    )


async def _validation(request: Request, exc: RequestValidationError) -> ProblemResponse:
    errors = exc.errors()
    for error in errors:
        if error.get("type") == "json_invalid":
            reason = (error.get("ctx") or {}).get("error", "")
            return problem(400, f"Malformed JSON body: {reason}".rstrip(": "))
    cleaned = clean_errors(errors)
    return problem(422, summary(cleaned), cleaned)


async def _http(request: Request, exc: StarletteHTTPException) -> ProblemResponse:
    headers = getattr(exc, "headers", None)
    status, detail = exc.status_code, exc.detail
    if isinstance(exc.__cause__, UnicodeDecodeError):
        return problem(400, _not_utf8(exc.__cause__), headers=headers)
    if status == 422:
        errors = _as_errors(detail)
        text = detail if isinstance(detail, str) else summary(errors)
        return problem(status, text, errors, headers=headers)
    if isinstance(detail, list):
        detail = summary(_as_errors(detail))
    return problem(status, str(detail), headers=headers)


async def _unexpected(request: Request, exc: Exception) -> ProblemResponse:
    ref = secrets.token_hex(6)
    log.exception("unhandled error %s on %s %s", ref, request.method, request.url.path)
    return problem(500, f"Internal error; reference {ref} in the hub's log.")


async def _database(request: Request, exc: DBAPIError) -> ProblemResponse:
    if not contended(exc):
        return await _unexpected(request, exc)
    log.warning("database busy on %s %s: %s", request.method, request.url.path, exc.orig)
    return problem(
        503,
        "The database is busy with other writes; nothing was stored. Send the request again.",
        headers={"Retry-After": "1"},
    )


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


async def _clinic_not_found(request: Request, exc: ClinicNotFound) -> ProblemResponse:
    return problem(404, exc.detail)


def install(app: FastAPI) -> None:
    app.add_exception_handler(ClinicNotFound, _clinic_not_found)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http)  # type: ignore[arg-type]
    app.add_exception_handler(DBAPIError, _database)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _unexpected)
