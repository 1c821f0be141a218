"""Validation messages rewritten so that the sender knows what to send instead."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from pydantic import BaseModel, SecretStr, ValidationError, field_validator

from hub.error_text import readable, strip_prefix


class Card(BaseModel):
    birth_date: dt.date | None = None
    start: dt.datetime | None = None
    at: dt.time | None = None
    count: int = 0
    token: SecretStr | None = None
    zone: str = "Europe/Moscow"

    @field_validator("zone")
    @classmethod
    def known(cls, value: str) -> str:
        if "/" not in value:
            raise ValueError(f"unknown time zone {value!r}")
        return value


def message(**fields: Any) -> str:
    with pytest.raises(ValidationError) as caught:
        Card.model_validate(fields)
    (error,) = caught.value.errors()
    return readable(error)


@pytest.mark.parametrize(
    ("value", "got"),
    [
        ("19800517", "8 digits with no dashes"),
        ("17.05.1980", "a string shaped 99.99.9999"),
        ("май 1980", "a string in another format"),
        ("", "an empty string"),
        ([1980, 5, 17], "a JSON array"),
    ],
)
def test_a_date_says_use_yyyy_mm_dd_and_what_it_got(value: Any, got: str) -> None:
    assert message(birth_date=value) == f"use YYYY-MM-DD, e.g. 1980-05-17 (got {got})"


def test_datetimes_and_times_say_their_format() -> None:
    assert message(start="23.11.2026 10:30").startswith("use YYYY-MM-DDTHH:MM:SS")
    assert message(at="half past ten").startswith("use HH:MM")


def test_a_wrong_json_type_is_named_and_the_value_is_not() -> None:
    assert message(count=[7]) == "Input should be a valid integer (got a JSON array)"
    said = message(token={"k": "s3cret"})
    assert said == "Input should be a valid string (got a JSON object)"
    assert "s3cret" not in said


def test_a_validators_message_loses_pydantics_prefix() -> None:
    assert message(zone="Moscow") == "unknown time zone 'Moscow'"
    assert strip_prefix("Assertion failed, x") == "x"
    assert strip_prefix("Value errors, here") == "Value errors, here"


def test_without_the_input_nothing_is_guessed() -> None:
    error = {"type": "date_from_datetime_inexact", "msg": "Datetimes provided…", "loc": ()}
    assert readable(error) == "use YYYY-MM-DD, e.g. 1980-05-17"
    assert readable({"type": "int_type", "msg": "Input should be a valid integer"}) == (
        "Input should be a valid integer"
    )
