"""What a laboratory adapter takes and gives, independent of the wire protocol.

LabOrder       one order: the patient, the tests, the tubes (specimens with barcodes)
Receipt        what the laboratory answered to an order: its Task and request ids
TaskStatus     where the laboratory is with an order
Observation    one result value with its unit, reference range and flag
LabReport      a report of results (partial or final) with its PDF
CatalogueTest  one orderable test of a laboratory's catalogue
LabError       a failure, transient (try again later) or permanent
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal


@dataclass(frozen=True)
class Patient:
    id: str
    last_name: str
    first_name: str
    middle_name: str = ""
    birth_date: dt.date | None = None
    sex: Literal["male", "female"] | None = None

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.middle_name) if p)


@dataclass(frozen=True)
class OrderTest:
    """A test of an order: the laboratory's code, and the tube it is done from."""

    code: str
    display: str
    system: str | None
    barcode: str
    specimen: str = ""


@dataclass(frozen=True)
class Specimen:
    """One tube: its barcode (the specimen id) and type (from the catalogue)."""

    barcode: str
    type: str = ""


@dataclass(frozen=True)
class LabOrder:
    order_id: str
    patient: Patient
    tests: tuple[OrderTest, ...]
    specimens: tuple[Specimen, ...]
    lab_name: str = ""


@dataclass(frozen=True)
class Receipt:
    task_id: str
    #: test code -> the laboratory's ServiceRequest id
    request_ids: dict[str, str]


@dataclass(frozen=True)
class TaskStatus:
    task_id: str
    status: str
    reason: str | None = None


@dataclass(frozen=True)
class Observation:
    code: str
    display: str
    value: str
    unit: str | None = None
    low: str | None = None
    high: str | None = None
    range_text: str | None = None
    flag: str | None = None

    def as_item(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass(frozen=True)
class LabReport:
    status: Literal["partial", "final"]
    observations: tuple[Observation, ...] = ()
    pdf: bytes | None = None
    based_on: tuple[str, ...] = ()


@dataclass(frozen=True)
class CatalogueTest:
    code: str
    display: str
    system: str | None
    specimen: str = ""


@dataclass
class LabError(Exception):
    """A laboratory failed a request.  ``transient``: try again later (5xx, 429, 408, 409,
    time-outs, unreachable); otherwise the request will fail again as it is."""

    message: str
    transient: bool
    code: str | None = None
    status: int | None = None
    details: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return self.message
