"""Constants shared by the plugin's tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hub_labs.model import LabOrder, OrderTest, Patient, Specimen

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
