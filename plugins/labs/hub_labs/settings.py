"""LabsSettings: what an admin sets per clinic for its external laboratories.

The field names are the plugin's public interface (issue 14).  Each laboratory's
``token`` is a secret inside a list item: the hub encrypts it at rest, masks it on
read and keeps it when an update omits it.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from hub import PluginSettings

#: How often orders waiting to be sent (new ones, and those a laboratory was down for) go out.
SEND_EVERY = dt.timedelta(minutes=1)
#: How often each laboratory's catalogue is pulled into the ``lab_tests`` reference.
CATALOGUE_EVERY = dt.timedelta(hours=24)

LabId = str


class LabConfig(BaseModel):
    """One laboratory the clinic works with."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: LabId = Field(
        min_length=1,
        max_length=40,
        pattern=r"^[A-Za-z0-9_.-]+$",
        description="Short id of the laboratory (Latin letters, digits, . _ -), used in "
        "mappings (`doctor_lab`) and in test ids (`<lab>:<code>`).",
    )
    name: str = Field(min_length=1, max_length=200, description="The laboratory's name.")
    adapter: Literal["fhir"] = Field(
        "fhir", description="The protocol the laboratory speaks (`fhir`: HL7 FHIR R4)."
    )
    base_url: str = Field(description="The laboratory's FHIR base URL.")
    token: SecretStr = Field(min_length=1, description="The access token the laboratory gave.")
    barcode_prefix: str = Field(
        "",
        max_length=8,
        pattern=r"^[A-Za-z0-9]*$",
        description="Prefix of the tube barcodes for this laboratory (Latin letters and digits).",
    )
    barcode_first: int = Field(
        1, ge=0, description="First number of the barcode range the laboratory allotted."
    )
    barcode_last: int = Field(
        99_999_999, ge=0, description="Last number of the barcode range (8 digits at most)."
    )

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not value.startswith(("http://", "https://")) or len(value) < len("http://x"):
            raise ValueError("must be an http:// or https:// URL")
        return value

    @model_validator(mode="after")
    def _range(self) -> LabConfig:
        if self.barcode_last < self.barcode_first or self.barcode_last > 99_999_999:
            raise ValueError("barcode_last must be at least barcode_first and at most 99999999")
        return self


class LabelSettings(BaseModel):
    """The tube-label printer: resolution and label size."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    dpi: Literal[203, 300] = Field(203, description="Printer resolution: 203 or 300 dpi.")
    width_mm: float = Field(50, ge=20, le=120, description="Label width in millimetres.")
    height_mm: float = Field(25, ge=10, le=80, description="Label height in millimetres.")
    font: str = Field(
        "E:TT0003M_.FNT",
        pattern=r"^[A-Z]:[A-Za-z0-9_.-]+$",
        description="Printer font with Cyrillic letters (default: the resident scalable "
        "Swiss 721 of Zebra printers).",
    )


class LabsSettings(PluginSettings):
    """Settings of the external-laboratories plugin for one clinic."""

    labs: list[LabConfig] = Field(
        min_length=1, description="The laboratories this clinic works with."
    )
    default_lab: LabId | None = Field(
        None,
        description="Laboratory for doctors without «Лаборатория по умолчанию» "
        "(mapping `doctor_lab`). Empty: such charges wait with an error.",
    )
    order_on_charge: bool = Field(
        True,
        description="«Создавать лабораторное исследование при начислении услуги»: "
        "order the mapped tests when a service is charged.",
    )
    order_delay_seconds: int = Field(
        60,
        ge=0,
        le=3600,
        description="Charges of one visit arriving within this time go into one order.",
    )
    poll_minutes: int = Field(
        10,
        ge=0,
        le=1440,
        description="Every this many minutes, ask each laboratory about its orders and "
        "fetch results. 0: never poll.",
    )
    label: LabelSettings = Field(
        default_factory=LabelSettings, description="The tube-label printer."
    )

    @model_validator(mode="after")
    def _known_labs(self) -> LabsSettings:
        ids = [lab.id for lab in self.labs]
        if len(set(ids)) != len(ids):
            raise ValueError("each laboratory needs its own id")
        if self.default_lab is not None and self.default_lab not in ids:
            raise ValueError(f"default_lab {self.default_lab!r} is not one of labs: {ids}")
        return self

    def lab(self, lab_id: str) -> LabConfig | None:
        """The laboratory with this id, if the clinic works with it."""
        return next((lab for lab in self.labs if lab.id == lab_id), None)

    # --- job intervals (Job.every names these) ---------------------------------------------

    @property
    def poll_every(self) -> dt.timedelta | None:
        return dt.timedelta(minutes=self.poll_minutes) if self.poll_minutes else None

    @property
    def send_every(self) -> dt.timedelta:
        return SEND_EVERY

    @property
    def catalogue_every(self) -> dt.timedelta:
        return CATALOGUE_EVERY
