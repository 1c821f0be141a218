"""Constants shared by the plugin's tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
from hub_labs.model import LabOrder, OrderTest, Patient, Specimen

from hub.testing import Harness

from .fake_lab import SYSTEM, TOKEN

CLINIC = "clinic-1"
BASE_URL = "https://lab.example/fhir"
OTHER_URL = "https://other-lab.example/fhir"

LAB: dict[str, Any] = {
    "id": "gemo",
    "name": "Гемотест",
    "adapter": "fhir",
    "base_url": BASE_URL,
    "token": TOKEN,
    "barcode_prefix": "GT",
}
OTHER_LAB: dict[str, Any] = {
    "id": "kdl",
    "name": "KDL",
    "adapter": "fhir",
    "base_url": OTHER_URL,
    "token": TOKEN,
    "barcode_prefix": "KD",
    "barcode_first": 500,
}
SETTINGS: dict[str, Any] = {"labs": [LAB, OTHER_LAB], "default_lab": "kdl"}

PATIENT = Patient(
    id="p-1",
    last_name="Иванова",
    first_name="Мария",
    middle_name="Петровна",
    birth_date=dt.date(1980, 2, 1),
    sex="female",
)


def order(order_id: str = "lo-1", **fields: Any) -> LabOrder:
    """An order of a blood count (EDTA tube) and glucose + ALT (one serum tube)."""
    values: dict[str, Any] = {
        "order_id": order_id,
        "patient": PATIENT,
        "tests": (
            OrderTest("1001", "Общий анализ крови", SYSTEM, "GT00000001", "EDTA (фиолетовая)"),
            OrderTest("2001", "Глюкоза", SYSTEM, "GT00000002", "Сыворотка (жёлтая)"),
            OrderTest("2002", "АЛТ", SYSTEM, "GT00000002", "Сыворотка (жёлтая)"),
        ),
        "specimens": (
            Specimen("GT00000001", "EDTA (фиолетовая)"),
            Specimen("GT00000002", "Сыворотка (жёлтая)"),
        ),
        **fields,
    }
    return LabOrder(**values)


# --- a clinic in a running hub -------------------------------------------------------------

#: Services of the price list: two laboratory services and a consultation.
SERVICES = [
    {"id": "SRV-1", "name": "Приём терапевта", "price_list_section": "PL-A"},
    {"id": "SRV-CBC", "name": "Общий анализ крови", "price_list_section": "PL-A"},
    {"id": "SRV-BIO", "name": "Биохимия: глюкоза и АЛТ", "price_list_section": "PL-A"},
    {"id": "SRV-URO", "name": "Посев мочи", "price_list_section": "PL-A"},
]
#: «Связь тестов с услугами»: the services' tests (ids of lab_tests).
SERVICE_TESTS = [
    ("SRV-CBC", "gemo:1001"),
    ("SRV-BIO", "gemo:2001"),
    ("SRV-BIO", "gemo:2002"),
    ("SRV-CBC", "kdl:1001"),
    ("SRV-BIO", "kdl:2001"),
    ("SRV-URO", "kdl:3001"),
]
#: «Лаборатория по умолчанию»: D-7 sends to Гемотест; D-8 has none.
DOCTOR_LAB = [("D-7", "gemo")]
DOCTORS = [
    {"id": "D-7", "last_name": "Петрова", "first_name": "Анна", "middle_name": "Сергеевна",
     "sex": "female", "specialty_id": "S-3"},
    {"id": "D-8", "last_name": "Смирнов", "first_name": "Олег", "middle_name": "Игоревич",
     "sex": "male", "specialty_id": "S-3"},
]  # fmt: skip


def api(path: str, clinic: str = CLINIC) -> str:
    return f"/api/v1/clinics/{clinic}/plugins/labs{path}"


async def put_mappings(hub: Harness, kind: str, pairs: list[tuple[str, str]]) -> None:
    response = await hub.client.put(
        api(f"/mappings/{kind}"),
        json=[{"hub_id": h, "external_id": e} for h, e in pairs],
    )
    assert response.status_code == 200, response.text


async def setup_clinic(hub: Harness, settings: dict[str, Any], clinic: str = CLINIC) -> None:
    """The clinic as its admin sets it up (README, «Настройка»): laboratories, catalogue
    sync, «Связь тестов с услугами», «Лаборатория по умолчанию»; a patient and a visit."""
    await hub.create_clinic(clinic, channels={"sms": ["console"]}, reminders={"enabled": False})
    await hub.enable("console", clinic)
    await hub.enable("labs", clinic, settings=settings)
    await hub.put_reference("price_list_sections", [{"id": "PL-A", "name": "Платные"}], clinic)
    await hub.put_reference("specialties", [{"id": "S-3", "name": "врач-терапевт"}], clinic)
    await hub.put_reference("doctors", DOCTORS, clinic)
    await hub.put_reference("services", SERVICES, clinic)
    synced = await hub.client.post(api("/sync/lab_tests", clinic))
    assert synced.status_code == 200, synced.text
    await put_mappings(hub, "service_tests", SERVICE_TESTS)
    await put_mappings(hub, "doctor_lab", DOCTOR_LAB)
    await hub.put_patient(
        "P-1001",
        clinic,
        last_name="Иванова",
        first_name="Мария",
        middle_name="Петровна",
        birth_date="1980-02-01",
        sex="female",
    )
    await hub.put_appointment(
        "A-1",
        clinic,
        services=[{"id": "SRV-1"}, {"id": "SRV-CBC"}, {"id": "SRV-BIO"}],
    )
    await hub.put_appointment("A-2", clinic, doctor_id="D-8", services=[{"id": "SRV-URO"}])


async def charge(hub: Harness, appointment_id: str, service_id: str, clinic: str = CLINIC) -> None:
    """The clinic system reports a charged service (POST /events), and the hub delivers it."""
    response = await hub.client.post(
        f"/api/v1/clinics/{clinic}/events",
        json={
            "type": "service.charged",
            "appointment_id": appointment_id,
            "service_id": service_id,
        },
    )
    assert response.status_code == 201, response.text
    await hub.drain()


async def run_job(hub: Harness, job: str, clinic: str = CLINIC) -> dict[str, Any]:
    """Run one of the plugin's jobs now; its job-log row."""
    response = await hub.client.post(api(f"/jobs/{job}/run", clinic))
    assert response.status_code == 200, response.text
    return dict(response.json())


async def action(hub: Harness, name: str, clinic: str = CLINIC, **body: Any) -> httpx.Response:
    return await hub.client.post(api(f"/actions/{name}", clinic), json=body)


async def feed_of(hub: Harness, kind: str, clinic: str = CLINIC) -> list[dict[str, Any]]:
    return [e["data"] for e in await hub.feed(clinic) if e["type"] == kind]
