"""A battery of bad requests against every route of the API: each gets a clear problem
document (``application/problem+json``) with the right status — never a 500, never a
traceback.

The routes are read from the app's OpenAPI description, so a route added later is
covered too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from pydantic import BaseModel

from hub import Action, HookContext, MappingKind, ReferenceKind, hookimpl
from hub.testing import Harness

KNOWN = {"clinic": "clinic-1", "plugin": "echo", "action": "echo", "kind": "echoes"}


class EchoInput(BaseModel):
    text: str


async def echo(ctx: HookContext, data: EchoInput) -> dict[str, str]:
    return {"text": data.text}


class Echo:
    """A plugin with an action, a reference kind and a mapping kind, so that their
    routes are exercised too."""

    @hookimpl
    def register_actions(self) -> list[Action]:
        return [Action("echo", echo, EchoInput)]

    @hookimpl
    def register_reference_kinds(self) -> list[ReferenceKind]:
        return [ReferenceKind("echoes")]

    @hookimpl
    def register_mapping_kinds(self) -> list[MappingKind]:
        return [MappingKind("echoes", hub_kind="echoes")]


@pytest.fixture
def hub_extra_plugins() -> dict[str, object]:
    return {"echo": Echo()}


BODY_METHODS = {"POST", "PUT", "PATCH"}


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    has_body: bool

    def url(self, **override: str) -> str:
        values = {**KNOWN, **override}
        return re.sub(r"\{(\w+)(:\w+)?\}", lambda m: values.get(m.group(1), "1"), self.path)


def api_routes(hub: Harness) -> Iterator[Route]:
    for path, operations in hub.app.openapi()["paths"].items():
        if not path.startswith("/api/v1"):
            continue
        for method, operation in sorted(operations.items()):
            yield Route(method.upper(), path, "requestBody" in operation)


def check(
    problems: list[str], route: Route, label: str, response: httpx.Response, expected: set[int]
) -> None:
    ok = response.status_code in expected
    if ok and response.status_code != 204:
        try:
            detail = response.json().get("detail")
        except ValueError:
            detail = None
        ok = (
            isinstance(detail, str)
            and bool(detail)
            and response.headers.get("content-type") == "application/problem+json"
            and "Traceback" not in response.text
        )
    if not ok:
        problems.append(
            f"{route.method} {route.path} [{label}]: {response.status_code} {response.text[:200]}"
        )


@pytest.fixture
async def ready(hub: Harness) -> Harness:
    await hub.create_clinic("clinic-1")
    return hub


async def test_the_battery_covers_the_api(ready: Harness) -> None:
    routes = list(api_routes(ready))
    assert len(routes) >= 15
    assert Route("PUT", "/api/v1/clinics/{clinic}/plugins/{plugin}", True) in routes


async def test_every_route_needs_a_valid_token(ready: Harness) -> None:
    problems: list[str] = []
    anonymous = ready.client_for(None)
    forged = ready.client_for("hub_forged-token")
    for route in api_routes(ready):
        check(
            problems, route, "no token", await anonymous.request(route.method, route.url()), {401}
        )
        check(problems, route, "bad token", await forged.request(route.method, route.url()), {401})
    assert not problems, "\n".join(problems)


async def test_unknown_clinic_and_plugin_are_404(ready: Harness) -> None:
    problems: list[str] = []
    for route in api_routes(ready):
        body = {} if route.has_body else None
        if "{clinic}" in route.path:
            response = await ready.client.request(
                route.method, route.url(clinic="nosuch"), json=body
            )
            check(problems, route, "unknown clinic", response, {404})
        if "{plugin}" in route.path:
            response = await ready.client.request(
                route.method, route.url(plugin="nosuch"), json=body
            )
            check(problems, route, "unknown plugin", response, {404})
    assert not problems, "\n".join(problems)


async def test_malformed_wrong_typed_unknown_field_and_oversized_bodies(ready: Harness) -> None:
    problems: list[str] = []
    limit = ready.runtime.settings.max_body_bytes
    for route in api_routes(ready):
        if route.method not in BODY_METHODS or not route.has_body:
            continue
        url = route.url()
        headers = {"Content-Type": "application/json"}
        malformed = await ready.client.request(
            route.method, url, content=b'{"name": ', headers=headers
        )
        check(problems, route, "malformed JSON", malformed, {400})
        if malformed.status_code == 400 and "Malformed JSON" not in malformed.json()["detail"]:
            problems.append(
                f"{route.method} {route.path}: 400 without saying the JSON is malformed"
            )
        wrong_type = await ready.client.request(route.method, url, json=["not", "an", "object"])
        check(problems, route, "wrong type", wrong_type, {422})
        unknown = await ready.client.request(route.method, url, json={"zz_unknown_field": 1})
        check(problems, route, "unknown field", unknown, {422})
        too_big = await ready.client.request(
            route.method, url, content=b"[" + b"0," * (limit // 2) + b"0]", headers=headers
        )
        check(problems, route, "oversized", too_big, {413})
    assert not problems, "\n".join(problems)


async def test_wrong_typed_query_parameters(ready: Harness) -> None:
    problems: list[str] = []
    for route in api_routes(ready):
        if route.method != "GET":
            continue
        response = await ready.client.get(route.url(), params={"limit": "many", "page": "first"})
        if response.status_code >= 500:
            problems.append(f"GET {route.path}: {response.status_code} {response.text[:200]}")
        elif response.status_code >= 400:
            check(problems, route, "wrong query type", response, {response.status_code})
    assert not problems, "\n".join(problems)


async def test_unknown_route_and_wrong_method(ready: Harness) -> None:
    assert (await ready.client.get("/api/v1/nosuch")).json()["detail"] == "Not Found"
    response = await ready.client.delete("/api/v1/plugins")
    assert response.status_code == 405
    assert response.json()["detail"] == "Method Not Allowed"


async def test_nul_characters_are_refused_everywhere(ready: Harness) -> None:
    """PostgreSQL cannot store NUL; SQLite would. Both stores answer the same 422."""
    patient = await ready.client.put(
        "/api/v1/clinics/clinic-1/patients/P-1",
        json={"last_name": "Ив\u0000анов", "first_name": "И"},
    )
    assert patient.status_code == 422
    assert patient.json()["errors"] == [
        {
            "loc": ["body", "last_name"],
            "msg": "must not contain a NUL character",
            "type": "value_error",
        }
    ]
    in_path = await ready.client.get("/api/v1/clinics/clinic-1/patients/P%00")
    assert in_path.status_code == 422
    assert in_path.json()["errors"][0]["loc"] == ["path", "patient_id"]
    in_query = await ready.client.get("/api/v1/messages", params={"recipient": "a\x00b"})
    assert in_query.status_code == 422


async def test_huge_ids_and_extreme_dates_are_refused_on_every_route(ready: Harness) -> None:
    """Integers beyond 2**53 and dates outside 1800-9000 overflow the database or the
    time-zone arithmetic; every route answers them with a 4xx, never a 500."""
    problems: list[str] = []
    huge = "99999999999999999999"
    for route in api_routes(ready):
        ids = {
            name: huge
            for name in re.findall(r"\{(\w+)\}", route.path)
            if name not in ("clinic", "plugin", "action")
        }
        if ids:
            response = await ready.client.request(route.method, route.url(**ids))
            check(problems, route, "huge id", response, {404, 405, 422})
        for params in (
            {"page": huge},
            {"since": "0001-01-01T00:00:00"},
            {"sent_to": "9999-12-31"},
            {"after": f"1.{huge}"},
        ):
            response = await ready.client.request(route.method, route.url(), params=params)
            if response.status_code >= 500:
                problems.append(f"{route.method} {route.path} {params}: {response.status_code}")
        if route.has_body:
            for body in (
                {"start": "0001-01-01T00:00:00"},
                {"date": "9999-12-31"},
                {"schedule_id": int(huge)},
            ):
                response = await ready.client.request(route.method, route.url(), json=body)
                check(problems, route, f"body {body}", response, {422})
    assert not problems, "\n".join(problems)


async def test_a_json_body_without_its_content_type_is_a_415_that_says_so(ready: Harness) -> None:
    problems: list[str] = []
    for route in api_routes(ready):
        if route.method not in BODY_METHODS or not route.has_body:
            continue
        for content_type in (None, "application/x-www-form-urlencoded", "text/plain"):
            headers = {"Content-Type": content_type} if content_type else {}
            response = await ready.client.request(
                route.method, route.url(), content=b'{"name": "x"}', headers=headers
            )
            check(problems, route, f"content type {content_type}", response, {415})
            detail = response.json().get("detail", "") if response.status_code == 415 else ""
            if response.status_code == 415 and "Content-Type: application/json" not in detail:
                problems.append(f"{route.method} {route.path}: 415 not naming the content type")
    assert not problems, "\n".join(problems)


async def test_json_with_a_charset_or_a_json_suffix_is_taken(ready: Harness) -> None:
    for n, content_type in enumerate(
        ("application/json; charset=utf-8", "application/merge-patch+json")
    ):
        body = f'{{"id": "ct-{n}", "name": "Клиника", "timezone": "Europe/Moscow"}}'
        response = await ready.client.post(
            "/api/v1/clinics", content=body.encode(), headers={"Content-Type": content_type}
        )
        assert response.status_code == 201, response.text
