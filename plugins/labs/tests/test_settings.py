"""LabsSettings: the names of issue 14, defaults, and the checks an admin gets as 422s."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hub_labs.settings import LabsSettings
from pydantic import ValidationError

from .support import LAB, OTHER_LAB


def settings(**fields: Any) -> LabsSettings:
    return LabsSettings.model_validate({"labs": [LAB], **fields})


def test_defaults_of_the_issue() -> None:
    value = settings()
    assert value.order_on_charge is True and value.poll_minutes == 10
    assert value.default_lab is None
    assert (value.label.dpi, value.label.width_mm, value.label.height_mm) == (203, 50, 25)
    assert value.poll_every == dt.timedelta(minutes=10)
    assert settings(poll_minutes=0).poll_every is None
    assert value.labs[0].token.get_secret_value() == LAB["token"]


def test_default_lab_must_be_one_of_the_labs() -> None:
    with pytest.raises(ValidationError, match="default_lab 'nowhere' is not one of labs"):
        settings(default_lab="nowhere")
    assert settings(labs=[LAB, OTHER_LAB], default_lab="kdl").lab("kdl") is not None


def test_lab_ids_are_unique_and_urls_http() -> None:
    with pytest.raises(ValidationError, match="its own id"):
        settings(labs=[LAB, LAB])
    with pytest.raises(ValidationError, match="http"):
        settings(labs=[{**LAB, "base_url": "lab.example"}])


def test_only_the_fhir_adapter_and_two_resolutions() -> None:
    with pytest.raises(ValidationError):
        settings(labs=[{**LAB, "adapter": "soap"}])
    with pytest.raises(ValidationError):
        settings(label={"dpi": 600})
    assert settings(label={"dpi": 300}).label.dpi == 300


def test_barcode_range_is_checked() -> None:
    with pytest.raises(ValidationError, match="barcode_last"):
        settings(labs=[{**LAB, "barcode_first": 10, "barcode_last": 5}])
