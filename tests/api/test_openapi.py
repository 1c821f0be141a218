"""The API reference at /docs works offline and tells the truth about auth and errors."""

from __future__ import annotations

import re
from typing import Any

import pytest
from pydantic import BaseModel

from hub.api.routes.feed import FeedPagePublic
from hub.schemas.appointments import AppointmentResult
from hub.schemas.messages import Journal, SendResult
from hub.schemas.patients import PatientResult
from hub.schemas.reference import ReferenceResult
from hub.testing import Harness


async def test_docs_load_their_scripts_from_the_hub_not_a_cdn(hub: Harness) -> None:
    page = await hub.client.get("/docs")
    assert page.status_code == 200
    assets = re.findall(r"""(?:src|href)=['"]([^'"]+)['"]""", page.text)
    assert assets, page.text
    assert not [a for a in assets if a.startswith(("http:", "https:", "//"))], assets
    for asset in assets:
        fetched = await hub.client.get(asset)
        assert fetched.status_code == 200, asset
        assert len(fetched.content) > 1000, asset
    redoc = await hub.client.get("/redoc")
    assert "https://" not in "".join(re.findall(r"""src=['"]([^'"]+)['"]""", redoc.text))


async def test_the_bearer_scheme_is_declared_so_authorize_works(hub: Harness) -> None:
    document = (await hub.client.get("/openapi.json")).json()
    assert document["components"]["securitySchemes"]["token"] == {
        "type": "http",
        "scheme": "bearer",
        "description": document["components"]["securitySchemes"]["token"]["description"],
    }
    clinics = document["paths"]["/api/v1/clinics"]["get"]
    assert clinics["security"] == [{"token": []}]
    assert "security" not in document["paths"]["/healthz"]["get"]


async def test_each_route_declares_the_errors_it_can_give(hub: Harness) -> None:
    document = (await hub.client.get("/openapi.json")).json()
    patient = document["paths"]["/api/v1/clinics/{clinic}/patients/{patient_id}"]["put"]
    assert {"401", "403", "404", "413", "415", "422"} <= set(patient["responses"])
    assert patient["responses"]["404"]["content"] == {
        "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
    }
    revoke = document["paths"]["/api/v1/tokens/{token_id}"]["delete"]
    assert "409" in revoke["responses"]
    assert "409" not in document["paths"]["/api/v1/clinics/{clinic}"]["get"]["responses"]


async def test_every_tag_is_described(hub: Harness) -> None:
    document = (await hub.client.get("/openapi.json")).json()
    described = {t["name"] for t in document["tags"] if t.get("description")}
    used = {
        tag
        for ops in document["paths"].values()
        for op in ops.values()
        for tag in op.get("tags", [])
    }
    assert used <= described, used - described


def _operation(document: dict[str, Any], path: str, method: str) -> dict[str, Any]:
    return dict(document["paths"][path][method])


async def test_the_reference_body_lists_typed_items_not_bare_objects(hub: Harness) -> None:
    document = (await hub.client.get("/openapi.json")).json()
    put = _operation(document, "/api/v1/clinics/{clinic}/reference/{kind}", "put")
    items = put["requestBody"]["content"]["application/json"]["schema"]["items"]
    refs = {option["$ref"].rsplit("/", 1)[1] for option in items["anyOf"]}
    assert refs == {"DoctorIn", "SpecialtyIn", "ServiceIn", "PriceListSectionIn", "PluginItemIn"}
    doctor = document["components"]["schemas"]["DoctorIn"]
    assert {"id", "last_name", "first_name"} <= set(doctor["required"])
    assert "specialty_id" in doctor["properties"]
    # the route still takes what it took: a plugin kind's items keep their own fields
    await hub.create_clinic("clinic-1")
    bad = await hub.client.put(
        "/api/v1/clinics/clinic-1/reference/doctors", json=[{"id": "D-1", "name": "x"}]
    )
    assert bad.status_code == 422, bad.text


async def test_local_times_of_day_are_not_claimed_to_carry_an_offset(hub: Harness) -> None:
    document = (await hub.client.get("/openapi.json")).json()
    quiet = document["components"]["schemas"]["QuietHours"]["properties"]["start"]
    assert "format" not in quiet
    assert re.fullmatch(quiet["pattern"], "21:00:00")
    assert re.fullmatch(quiet["pattern"], "21:00")
    assert not re.fullmatch(quiet["pattern"], "9 pm")


async def test_every_request_example_is_accepted_as_documented(hub: Harness) -> None:
    """Send each example in the document, in the order a clinic system would."""
    document = (await hub.client.get("/openapi.json")).json()
    await hub.create_clinic("clinic-1", channels={"sms": ["console"], "email": ["console"]})
    await hub.enable("console")

    def examples(path: str, method: str) -> dict[str, Any]:
        body = _operation(document, path, method)["requestBody"]["content"]["application/json"]
        return {name: example["value"] for name, example in body["examples"].items()}

    reference = examples("/api/v1/clinics/{clinic}/reference/{kind}", "put")
    assert set(reference) == {"doctors", "specialties", "services", "price_list_sections"}
    for kind in ("price_list_sections", "specialties", "services", "doctors"):
        answer = await hub.client.put(
            f"/api/v1/clinics/clinic-1/reference/{kind}", json=reference[kind]
        )
        assert answer.status_code == 200, (kind, answer.text)
    for body in examples("/api/v1/clinics/{clinic}/patients/{patient_id}", "put").values():
        answer = await hub.client.put("/api/v1/clinics/clinic-1/patients/P-1024", json=body)
        assert answer.status_code in (200, 201), answer.text
    appointments = examples("/api/v1/clinics/{clinic}/appointments/{appointment_id}", "put")
    assert list(appointments) == ["visit", "cancelled"]
    for name, body in appointments.items():
        answer = await hub.client.put("/api/v1/clinics/clinic-1/appointments/A-5531", json=body)
        assert answer.status_code in (200, 201), (name, answer.text)
    assert answer.json()["appointment"]["cancelled"] is True
    for name, body in examples("/api/v1/clinics/{clinic}/messages", "post").items():
        answer = await hub.client.post("/api/v1/clinics/clinic-1/messages", json=body)
        assert answer.status_code == 201, (name, answer.text)
    templates = examples("/api/v1/clinics/{clinic}/templates", "post")
    assert list(templates) == ["sms", "email"]
    for name, body in templates.items():
        answer = await hub.client.post("/api/v1/clinics/clinic-1/templates", json=body)
        assert answer.status_code == 201, (name, answer.text)
    assert answer.json()["subject"] == "Приём {date} в {time}"


@pytest.mark.parametrize(
    ("path", "method", "status", "model"),
    [
        ("/api/v1/clinics/{clinic}/patients/{patient_id}", "put", "201", PatientResult),
        ("/api/v1/clinics/{clinic}/patients/{patient_id}", "put", "200", PatientResult),
        ("/api/v1/clinics/{clinic}/appointments/{appointment_id}", "put", "201", AppointmentResult),
        ("/api/v1/clinics/{clinic}/reference/{kind}", "put", "200", ReferenceResult),
        ("/api/v1/clinics/{clinic}/feed", "get", "200", FeedPagePublic),
        ("/api/v1/clinics/{clinic}/messages", "post", "201", SendResult),
        ("/api/v1/messages", "get", "200", Journal),
    ],
)
async def test_every_response_example_is_a_valid_answer(
    hub: Harness, path: str, method: str, status: str, model: type[BaseModel]
) -> None:
    document = (await hub.client.get("/openapi.json")).json()
    answer = _operation(document, path, method)["responses"][status]
    example = answer["content"]["application/json"]["example"]
    model.model_validate(example, strict=False)
    # and no field is invented: each key is one the model has
    assert set(example) <= set(model.model_fields), set(example) - set(model.model_fields)


async def test_a_422_is_documented_as_the_hub_gives_it(hub: Harness) -> None:
    """A route's own check answers the same ``errors`` list as the schema's checks."""
    document = (await hub.client.get("/openapi.json")).json()
    schema = document["components"]["schemas"]["ValidationProblem"]
    assert schema["properties"]["errors"]["items"] == {"$ref": "#/components/schemas/FieldError"}
    await hub.create_clinic("clinic-1")
    answer = await hub.client.patch(
        "/api/v1/clinics/clinic-1", json={"channels": {"voice": ["nosuch"]}}
    )
    assert answer.status_code == 422, answer.text
    assert set(answer.json()) == set(schema["properties"])
    (error,) = answer.json()["errors"]
    assert error["loc"] == ["body", "channels", "voice"] and "nosuch" in error["msg"]
