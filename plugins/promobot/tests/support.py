"""Constants and helpers shared by the plugin's tests."""

from __future__ import annotations

from typing import Any

import httpx

from hub.testing import Harness

CLINIC = "clinic-1"
SCANNER_URL = "http://192.168.10.50:8080"
SETTINGS: dict[str, Any] = {"scanner_url": SCANNER_URL}
PATIENT = "P-1001"
SCAN = f"/api/v1/clinics/{CLINIC}/plugins/promobot/actions/scan"
#: The hub's limit on a plugin call in these tests (seconds; conftest sets it).
HUB_PLUGIN_TIMEOUT = 1.0

#: The passport on the fake's glass: what must never reach logs or plugin state.
PASSPORT_NUMBER = "940229"
PASSPORT_SERIES = "45 15"
SNILS_NUMBER = "112-233-445 95"
OMS_NUMBER = "8451999122899990"


async def scan(hub: Harness, **body: Any) -> httpx.Response:
    """The action as the clinic system calls it."""
    return await hub.client.post(SCAN, json=body)


async def put_card(hub: Harness, patient_id: str = PATIENT, **fields: Any) -> None:
    """The clinic system's card for the person at the desk (Кузнецов Дмитрий Сергеевич,
    born 15.08.1990, unless ``fields`` say otherwise)."""
    card = {
        "last_name": "Кузнецов",
        "first_name": "Дмитрий",
        "middle_name": "Сергеевич",
        "birth_date": "1990-08-15",
        "sex": "male",
        **fields,
    }
    await hub.put_patient(patient_id, CLINIC, **card)
