"""Validation messages a clinic integrator can act on.

Pydantic's messages are written for Python programmers: ``Value error, unknown time
zone``, ``Datetimes provided to dates should have zero time`` for a birth date sent as
``19800517``, ``Input should be a valid string`` for a list sent as a secret.
:func:`readable` rewrites one pydantic error into a message that says what to send:

    Value error, <message>          <message>
    a date that did not parse       use YYYY-MM-DD, e.g. 1980-05-17 (got 8 digits ...)
    a datetime that did not parse   use YYYY-MM-DDTHH:MM:SS+03:00 ...
    a time that did not parse       use HH:MM ...
    a value of the wrong JSON type  <pydantic's message> (got a JSON array)

The submitted value itself is never repeated (it may be a secret or personal data):
only its JSON type, or for a date its shape (``99.99.9999``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

#: Prefixes pydantic puts before a validator's own message.
_PREFIXES = ("Value error, ", "Assertion failed, ")

_DATE_TYPES = frozenset(
    {"date_parsing", "date_from_datetime_parsing", "date_from_datetime_inexact", "date_type"}
)
_DATETIME_TYPES = frozenset({"datetime_parsing", "datetime_from_date_parsing", "datetime_type"})
_TIME_TYPES = frozenset({"time_parsing", "time_type"})

_FORMATS = {
    "date": "use YYYY-MM-DD, e.g. 1980-05-17",
    "datetime": "use YYYY-MM-DDTHH:MM:SS with the offset, e.g. 2026-11-23T10:30:00+03:00",
    "time": "use HH:MM or HH:MM:SS, e.g. 10:30",
}


def json_type(value: Any) -> str:
    """The JSON name of a value's type: ``a JSON array``, ``a string``…"""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, (list, tuple)):
        return "a JSON array"
    if isinstance(value, Mapping):
        return "a JSON object"
    return "a value of another type"


def _shape(value: Any) -> str:
    """What a value looks like without what it is: ``8 digits with no dashes``,
    ``a string shaped 99.99.9999``."""
    if not isinstance(value, str):
        return json_type(value)
    if not value:
        return "an empty string"
    if value.isdigit():
        return f"{len(value)} digits with no dashes"
    if len(value) <= 32 and re.fullmatch(r"[\d\s.:/\-+TZ]+", value):
        return "a string shaped " + re.sub(r"\d", "9", value)
    return "a string in another format"


def strip_prefix(message: str) -> str:
    for prefix in _PREFIXES:
        if message.startswith(prefix):
            return message[len(prefix) :]
    return message


def readable(error: Mapping[str, Any]) -> str:
    """One pydantic error (as ``exc.errors()`` gives it, ``input`` included or not) as a
    message the sender can act on."""
    kind = str(error.get("type", ""))
    message = strip_prefix(str(error.get("msg", "")))
    has_input = "input" in error
    value = error.get("input")
    for types, name in (
        (_DATE_TYPES, "date"),
        (_DATETIME_TYPES, "datetime"),
        (_TIME_TYPES, "time"),
    ):
        if kind in types:
            got = f" (got {_shape(value)})" if has_input else ""
            return _FORMATS[name] + got
    if has_input and kind.endswith("_type") and kind != "model_type":
        return f"{message} (got {json_type(value)})"
    if has_input and kind == "model_type":
        return f"Input should be a JSON object (got {json_type(value)})"
    return message
