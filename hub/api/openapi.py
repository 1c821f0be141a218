"""The OpenAPI document: tag descriptions and the error answers each route can give.

Every error answer is a problem document (RFC 9457, ``application/problem+json``; see
:mod:`hub.api.errors`): the ``Problem`` schema, and for a 422 ``ValidationProblem``
(the same with ``errors``, a list of ``loc``/``msg``/``type``).  FastAPI documents a
route's success answer and its 422; the 401, 403, 404 and 409 a route gives come from
its dependencies and its own checks, which FastAPI cannot see.  They are declared here
from what every route shares:

    400  routes with a body (a body that is not JSON at all)
    401  every route that takes a token
    403  every route that takes a token (a role or a clinic it may not use)
    404  routes with {clinic}, {plugin} or an id in their path
    409  routes with {plugin} (the plugin is broken, or not enabled for the clinic), and
         the routes that declare it (``responses={409: ...}``)
    413  routes with a body (HUB_MAX_BODY_BYTES)
    415  routes with a body sent as something other than JSON
    422  FastAPI's, for routes with parameters or a body (``ValidationProblem``)

The reference PUT takes a list whose items depend on ``{kind}``; its body is
documented as a list of any of the item models (the route still parses by kind).
The clinic-system endpoints carry request and response examples (``openapi_examples``).

The Swagger UI and ReDoc pages load their scripts from the hub itself (a packaged
copy, ``fastapi-offline``), so ``/docs`` works on a closed clinic network.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel

from hub.api import openapi_examples
from hub.schemas.reference import KINDS, PluginItemIn

TAGS: list[dict[str, str]] = [
    {"name": "health", "description": "Liveness, readiness and Prometheus metrics."},
    {"name": "clinics", "description": "Clinics: name, time zone, channel routing, options."},
    {"name": "plugins", "description": "Installed plugins: loaded, broken, their settings schema."},
    {
        "name": "plugin settings",
        "description": "A plugin per clinic: enable, settings (secrets masked), connection check.",
    },
    {"name": "actions", "description": "Run a plugin's action now (link a card, print labels…)."},
    {"name": "jobs", "description": "Plugins' periodic jobs and the task log of their runs."},
    {
        "name": "patients",
        "description": "The clinic system sends patient cards (idempotent PUT; DELETE).",
    },
    {
        "name": "appointments",
        "description": "The clinic system sends appointments (idempotent PUT; cancel, delete).",
    },
    {
        "name": "reference data",
        "description": "Doctors, specialties, services, price-list sections (and plugins' kinds).",
    },
    {
        "name": "mappings",
        "description": "A plugin's id mappings (hub id ↔ external id, many-to-many) and what is "
        "left unmapped.",
    },
    {"name": "bulk intake", "description": "Thousands of cards or appointments in one request."},
    {
        "name": "clinic events",
        "description": "What happened in the clinic: a service charged, a discount card issued…",
    },
    {
        "name": "feed",
        "description": "What the clinic system must apply (answers, portal bookings…), by cursor.",
    },
    {"name": "messages", "description": "Send messages; the journal with filters, totals, CSV."},
    {"name": "templates", "description": "Message templates with placeholders and preview."},
    {"name": "mailings", "description": "Group mailings: preview who gets what, then send."},
    {"name": "schedules", "description": "Mailing schedules (the seven kinds) per clinic."},
    {"name": "reminders", "description": "Reminder runs: dry run, run now, what was skipped."},
    {"name": "deliveries", "description": "Hook deliveries to plugins: dead ones, re-queue."},
    {"name": "stop list", "description": "Numbers that never get a message."},
    {"name": "tokens", "description": "API tokens and their roles (admin only)."},
    {
        "name": "patient pages",
        "description": "The patient's answer page behind a reminder's link "
        "(no token: the link is it).",
    },
]

PROBLEM_JSON = "application/problem+json"

#: The schemas of every error answer (``components.schemas``).
SCHEMAS: dict[str, dict[str, Any]] = {
    "Problem": {
        "title": "Problem",
        "description": "An error (RFC 9457 problem details): `detail` says what went wrong "
        "and what to send instead.",
        "type": "object",
        "properties": {
            "type": {"type": "string", "description": "Always `about:blank`."},
            "title": {"type": "string", "description": "The status's phrase."},
            "status": {"type": "integer", "description": "The HTTP status."},
            "detail": {"type": "string", "description": "What went wrong, for a person."},
        },
        "required": ["type", "title", "status", "detail"],
    },
    "ValidationProblem": {
        "title": "ValidationProblem",
        "description": "A 422: the problem with each refused field in `errors`; `detail` "
        "lists them on one line.",
        "type": "object",
        "properties": {
            "type": {"type": "string"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "errors": {"type": "array", "items": {"$ref": "#/components/schemas/FieldError"}},
        },
        "required": ["type", "title", "status", "detail", "errors"],
    },
    "FieldError": {
        "title": "FieldError",
        "description": 'One refused field: where (`loc`, e.g. `["body", "birth_date"]`), '
        "why (`msg`) and a machine-readable `type`.",
        "type": "object",
        "properties": {
            "loc": {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}},
            "msg": {"type": "string"},
            "type": {"type": "string"},
        },
        "required": ["loc", "msg", "type"],
    },
}


def _content(schema: str) -> dict[str, Any]:
    return {PROBLEM_JSON: {"schema": {"$ref": f"#/components/schemas/{schema}"}}}


_WHY = {
    "400": "The body is not valid JSON, or not UTF-8 (nor in the charset it declares).",
    "401": "No token, or a token that is unknown or revoked.",
    "403": "The token's role, or its clinic, may not do this.",
    "404": "No such clinic, plugin or item (named in `detail`).",
    "409": "Conflicts with the current state (named in `detail`).",
    "413": "The body is larger than HUB_MAX_BODY_BYTES.",
    "415": "The body is not sent as `Content-Type: application/json` (or its charset is unknown).",
    "422": "Invalid fields, each named in `errors`.",
}


def _errors_of(path: str, method: str, operation: dict[str, Any]) -> list[str]:
    codes: list[str] = []
    if operation.get("security"):
        codes += ["401", "403"]
    if "{" in path:
        codes.append("404")
    if "{plugin}" in path:
        codes.append("409")
    if "requestBody" in operation:
        codes += ["400", "413", "415"]
    return codes


_REFERENCE_PUT = ("/api/v1/clinics/{clinic}/reference/{kind}", "put")


def _type_reference_items(document: dict[str, Any]) -> None:
    """The reference PUT body: an array of DoctorIn | SpecialtyIn | … | PluginItemIn."""
    path, method = _REFERENCE_PUT
    operation = document.get("paths", {}).get(path, {}).get(method)
    if operation is None:
        return
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    models: list[type[BaseModel]] = [*KINDS.values(), PluginItemIn]
    for model in models:
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(schema.pop("$defs", {}))
        schemas[model.__name__] = schema
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    body["items"] = {"anyOf": [{"$ref": f"#/components/schemas/{m.__name__}"} for m in models]}
    body["description"] = (
        "The whole list of one kind: DoctorIn items for doctors, SpecialtyIn for "
        "specialties, ServiceIn for services, PriceListSectionIn for price_list_sections, "
        "PluginItemIn (an `id` and the plugin's fields) for a plugin's kind."
    )


#: What pydantic accepts as a ``datetime.time``; JSON Schema's ``format: time`` would
#: demand an offset, and these are wall-clock times in the clinic's zone.
_LOCAL_TIME = r"^\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?$"


def _local_times(node: Any) -> None:
    """Every ``format: time`` becomes a pattern with a description of what it means."""
    if isinstance(node, dict):
        if node.get("format") == "time" and node.get("type") == "string":
            del node["format"]
            node["pattern"] = _LOCAL_TIME
            node["description"] = " ".join(
                filter(
                    None,
                    [
                        node.get("description"),
                        "Local time of day in the clinic's zone, HH:MM or HH:MM:SS.",
                    ],
                )
            )
        for value in node.values():
            _local_times(value)
    elif isinstance(node, list):
        for value in node:
            _local_times(value)


def _problems(document: dict[str, Any]) -> None:
    """Every 4xx answer of every route is a ``Problem`` (a 422 a ``ValidationProblem``),
    with the 4xx each route gives (:func:`_errors_of`) declared."""
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            answers = operation.setdefault("responses", {})
            for code in _errors_of(path, method, operation):
                answers.setdefault(code, {"description": _WHY[code]})
            for code, answer in answers.items():
                if not code.startswith("4"):
                    continue
                if code == "422" or not answer.get("description"):
                    answer["description"] = _WHY.get(code, "")
                answer["content"] = _content("ValidationProblem" if code == "422" else "Problem")
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    schemas.update(SCHEMAS)


def install(app: FastAPI) -> None:
    """Give ``app`` the document described above (built once, on first request)."""

    def build() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
            tags=TAGS,
        )
        _problems(document)
        _type_reference_items(document)
        _local_times(document)
        openapi_examples.install(document)
        app.openapi_schema = document
        return document

    app.openapi = build  # type: ignore[method-assign]
