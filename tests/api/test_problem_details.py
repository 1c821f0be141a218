"""Every 4xx is one shape: RFC 9457 problem details (``application/problem+json``).

``{"type", "title", "status", "detail"}`` with ``detail`` one human-readable string; a
422 adds ``errors``, each refused field as ``loc``/``msg``/``type``.  Driven over HTTP
for each kind of refusal — the hub's routes, its middleware, a plugin's own route and a
plugin's settings — with the messages rewritten so that a clinic integrator can act on
them (see :mod:`hub.api.errors`, :mod:`hub.error_text`).
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field, SecretStr

from hub import PluginRouter, PluginSettings, hookimpl
from hub.testing import Harness

PATIENT = "/api/v1/clinics/clinic-1/patients/P-1"


class KeySettings(PluginSettings):
    api_id: SecretStr = Field(description="The account's key.")
    sender: str = "Clinic"


class Ping(BaseModel):
    count: int


class Keyed:
    """A plugin with a secret setting and two routes of its own."""

    @hookimpl
    def register_settings_model(self) -> type[PluginSettings]:
        return KeySettings

    @hookimpl
    def register_routes(self) -> list[PluginRouter]:
        router = APIRouter()

        @router.post("/callback/{clinic}")
        async def callback(clinic: str) -> None:
            raise HTTPException(409, "Этот ответ уже принят / This answer is recorded already")

        @router.post("/ping")
        async def ping(data: Ping) -> dict[str, int]:
            return {"count": data.count}

        return [PluginRouter(router)]


@pytest.fixture
def hub_extra_plugins() -> dict[str, object]:
    return {"keyed": Keyed()}


@pytest.fixture
async def ready(hub: Harness) -> Harness:
    await hub.create_clinic("clinic-1")
    return hub


def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    """The body of ``response``, checked to be a problem document of ``status``."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["type"] == "about:blank"
    assert body["status"] == status
    assert isinstance(body["title"], str) and body["title"]
    assert isinstance(body["detail"], str) and body["detail"]
    assert ("errors" in body) == (status == 422), body
    assert "Value error, " not in response.text
    return dict(body)


def field(body: dict[str, Any], loc: list[Any]) -> str:
    """The message of the error at ``loc``; also in the one-line ``detail``."""
    found = [e for e in body["errors"] if e["loc"] == loc]
    assert len(found) == 1, body["errors"]
    assert set(found[0]) == {"loc", "msg", "type"}
    assert found[0]["msg"] in body["detail"]
    return str(found[0]["msg"])


async def test_malformed_json_is_a_400(ready: Harness) -> None:
    response = await ready.client.put(
        PATIENT, content=b'{"last_name": ', headers={"Content-Type": "application/json"}
    )
    assert problem(response, 400)["detail"].startswith("Malformed JSON body")


async def test_a_body_not_in_utf8_is_a_400_saying_where(ready: Harness) -> None:
    body = json.dumps({"last_name": "Иванов", "first_name": "Иван"}, ensure_ascii=False)
    response = await ready.client.put(
        PATIENT, content=body.encode("cp1251"), headers={"Content-Type": "application/json"}
    )
    detail = problem(response, 400)["detail"]
    assert detail.startswith("Send the body in UTF-8; got bytes that are not")
    assert f"offset {body.index('И')}" in detail
    assert "charset=windows-1251" in detail


async def test_a_body_declaring_windows_1251_is_understood(ready: Harness) -> None:
    body = json.dumps({"last_name": "Иванов", "first_name": "Иван"}, ensure_ascii=False)
    response = await ready.client.put(
        PATIENT,
        content=body.encode("cp1251"),
        headers={"Content-Type": "application/json; charset=windows-1251"},
    )
    assert response.status_code == 201, response.text
    assert response.json()["card"]["last_name"] == "Иванов"


async def test_a_body_not_in_its_declared_charset_or_an_unknown_charset(ready: Harness) -> None:
    wrong = await ready.client.put(
        PATIENT,
        content=b'{"last_name": "\x98"}',
        headers={"Content-Type": "application/json; charset=windows-1251"},
    )
    assert "not in windows-1251" in problem(wrong, 400)["detail"]
    assert "offset 15" in wrong.json()["detail"]
    unknown = await ready.client.put(
        PATIENT, content=b"{}", headers={"Content-Type": "application/json; charset=klingon"}
    )
    assert "Unknown charset 'klingon'" in problem(unknown, 415)["detail"]


async def test_a_body_that_is_not_json_is_a_415(ready: Harness) -> None:
    response = await ready.client.put(
        PATIENT,
        content=b"last_name=x",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert "Content-Type: application/json" in problem(response, 415)["detail"]


async def test_a_body_over_the_limit_is_a_413(ready: Harness) -> None:
    limit = ready.runtime.settings.max_body_bytes
    response = await ready.client.put(
        PATIENT, content=b" " * (limit + 1), headers={"Content-Type": "application/json"}
    )
    assert "HUB_MAX_BODY_BYTES" in problem(response, 413)["detail"]


async def test_invalid_fields_are_a_422_listing_each(ready: Harness) -> None:
    response = await ready.client.put(PATIENT, json={"first_name": "Иван", "sex": "x"})
    body = problem(response, 422)
    assert field(body, ["body", "last_name"]) == "Field required"
    assert "sex: " in body["detail"] and "last_name: Field required" in body["detail"]


async def test_a_birth_date_without_dashes_says_use_yyyy_mm_dd(ready: Harness) -> None:
    card = {"last_name": "Иванов", "first_name": "Иван"}
    digits = await ready.client.put(PATIENT, json={**card, "birth_date": "19800517"})
    assert field(problem(digits, 422), ["body", "birth_date"]) == (
        "use YYYY-MM-DD, e.g. 1980-05-17 (got 8 digits with no dashes)"
    )
    dotted = await ready.client.put(PATIENT, json={**card, "birth_date": "17.05.1980"})
    assert field(problem(dotted, 422), ["body", "birth_date"]) == (
        "use YYYY-MM-DD, e.g. 1980-05-17 (got a string shaped 99.99.9999)"
    )


@pytest.mark.parametrize("value", ["0", 0, 86400, "86400"])
async def test_a_birth_date_as_seconds_since_1970_is_refused_not_read_as_1970(
    ready: Harness, value: object
) -> None:
    card = {"last_name": "Иванов", "first_name": "Иван", "birth_date": value}
    response = await ready.client.put(PATIENT, json=card)
    assert field(problem(response, 422), ["body", "birth_date"]).startswith(
        "use YYYY-MM-DD, e.g. 1980-05-17"
    )
    fine = await ready.client.put(PATIENT, json={**card, "birth_date": "1980-05-17"})
    assert fine.status_code in (200, 201), fine.text


async def test_a_validators_message_has_no_value_error_prefix(ready: Harness) -> None:
    response = await ready.client.post(
        "/api/v1/clinics", json={"id": "c2", "name": "Клиника", "timezone": "Mars/Base"}
    )
    assert field(problem(response, 422), ["body", "timezone"]).startswith(
        "unknown time zone 'Mars/Base'"
    )


async def test_a_routes_own_check_is_a_422_naming_the_field(ready: Harness) -> None:
    response = await ready.client.patch(
        "/api/v1/clinics/clinic-1", json={"channels": {"sms": ["nosuch"]}}
    )
    msg = field(problem(response, 422), ["body", "channels", "sms"])
    assert msg.startswith("'nosuch' is not an installed plugin that sends sms")


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("Привет {patient_first_name, ждём", "the '{' at line 1, column 8"),
        ("Привет patient_first_name}, ждём", "stray '}' at line 1, column 26"),
        ("Ждём вас\nв {time", "the '{' at line 2, column 3"),
    ],
)
async def test_a_template_with_a_stray_brace_says_which_and_where(
    ready: Harness, text: str, where: str
) -> None:
    response = await ready.client.post(
        "/api/v1/clinics/clinic-1/templates", json={"name": "t", "body": text}
    )
    msg = field(problem(response, 422), ["body", "body"])
    assert msg.startswith(where), msg
    assert "{{" in msg or "}}" in msg  # and how to write a literal brace


async def test_a_secret_sent_as_a_list_says_a_string_is_expected(ready: Harness) -> None:
    response = await ready.client.put(
        "/api/v1/clinics/clinic-1/plugins/keyed",
        json={"enabled": True, "settings": {"api_id": ["k-123456"]}},
    )
    body = problem(response, 422)
    assert field(body, ["body", "settings", "api_id"]) == (
        "send the secret as a string (got a JSON array)"
    )
    assert "k-123456" not in response.text


async def test_an_unknown_setting_is_a_422_naming_it(ready: Harness) -> None:
    response = await ready.client.put(
        "/api/v1/clinics/clinic-1/plugins/keyed",
        json={"enabled": True, "settings": {"api_id": "k", "colour": "red"}},
    )
    assert field(problem(response, 422), ["body", "settings", "colour"]) == (
        "Extra inputs are not permitted"
    )


async def test_no_token_is_a_401_and_another_clinic_a_403(ready: Harness) -> None:
    anonymous = await ready.client_for(None).get("/api/v1/clinics")
    assert "Missing Authorization header" in problem(anonymous, 401)["detail"]
    assert anonymous.headers["www-authenticate"] == "Bearer"
    await ready.create_clinic("clinic-2")
    system = ready.client_for(await ready.token("clinic", "clinic-1"))
    other = await system.get("/api/v1/clinics/clinic-2")
    assert problem(other, 403)["detail"] == "This token belongs to another clinic"
    assert other.json()["title"] == "Forbidden"


async def test_unknown_things_are_a_404(ready: Harness) -> None:
    clinic = await ready.client.get("/api/v1/clinics/nosuch")
    assert problem(clinic, 404)["detail"] == "Unknown clinic 'nosuch'"
    assert problem(await ready.client.get("/api/v1/nosuch"), 404)["detail"] == "Not Found"
    assert problem(await ready.client.delete("/api/v1/plugins"), 405)["title"] == (
        "Method Not Allowed"
    )


async def test_a_conflict_is_a_409(ready: Harness) -> None:
    again = await ready.client.post(
        "/api/v1/clinics", json={"id": "clinic-1", "name": "Клиника", "timezone": "Europe/Moscow"}
    )
    assert problem(again, 409)["detail"] == "Clinic 'clinic-1' already exists"


async def test_a_plugins_own_routes_answer_in_the_same_shape(ready: Harness) -> None:
    conflict = await ready.client.post("/plugins/keyed/callback/clinic-1")
    assert problem(conflict, 409)["detail"] == (
        "Этот ответ уже принят / This answer is recorded already"
    )
    invalid = await ready.client.post("/plugins/keyed/ping", json={"count": [1]})
    assert field(problem(invalid, 422), ["body", "count"]) == (
        "Input should be a valid integer (got a JSON array)"
    )


async def test_the_openapi_document_declares_the_shape(ready: Harness) -> None:
    document = (await ready.client.get("/openapi.json")).json()
    schemas = document["components"]["schemas"]
    assert schemas["Problem"]["required"] == ["type", "title", "status", "detail"]
    assert "errors" in schemas["ValidationProblem"]["required"]
    assert "HTTPValidationError" not in schemas
    action = document["paths"]["/api/v1/clinics/{clinic}/plugins/{plugin}/actions/{action}"]
    assert {"400", "401", "403", "404", "409", "413", "415", "422"} <= set(
        action["post"]["responses"]
    )
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for code, answer in operation["responses"].items():
                if code.startswith("4"):
                    expected = "ValidationProblem" if code == "422" else "Problem"
                    assert answer["content"] == {
                        "application/problem+json": {
                            "schema": {"$ref": f"#/components/schemas/{expected}"}
                        }
                    }, (path, method, code)
                    assert answer["description"], (path, method, code)


class _PostgresError(Exception):
    """What the driver raises for PostgreSQL's deadlock: an error with its SQLSTATE."""

    sqlstate = "40P01"


@pytest.mark.parametrize(
    "driver_error",
    [sqlite3.OperationalError("database is locked"), _PostgresError("deadlock detected")],
    ids=["sqlite-locked", "postgresql-deadlock"],
)
async def test_a_busy_database_is_a_503_to_retry_not_a_500(
    ready: Harness, monkeypatch: pytest.MonkeyPatch, driver_error: Exception
) -> None:
    from hub.intake import patients

    async def busy(*args: object, **kwargs: object) -> None:
        raise sa.exc.OperationalError("INSERT INTO patient ...", {}, driver_error)

    monkeypatch.setattr(patients, "upsert_patient", busy)
    response = await ready.client.put(PATIENT, json={"last_name": "Иванов", "first_name": "Иван"})
    body = problem(response, 503)
    assert response.headers["Retry-After"] == "1"
    assert "nothing was stored" in body["detail"] and "INSERT" not in body["detail"]


async def test_any_other_database_error_is_a_500_with_a_reference(
    ready: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hub.intake import patients

    async def broken(*args: object, **kwargs: object) -> None:
        raise sa.exc.OperationalError("SELECT", {}, sqlite3.OperationalError("no such table: x"))

    monkeypatch.setattr(patients, "upsert_patient", broken)
    response = await ready.client.put(PATIENT, json={"last_name": "Иванов", "first_name": "Иван"})
    assert problem(response, 500)["detail"].startswith("Internal error; reference ")
