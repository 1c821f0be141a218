"""Field types shared by the API's models."""

from __future__ import annotations

import datetime as dt
import functools
import re
import zoneinfo
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, StringConstraints
from pydantic_core import PydanticCustomError

#: An e-mail subject is one header line: RFC 5322 caps a line at 998 characters.
SUBJECT_MAX_LENGTH = 998
#: An e-mail's HTML body (templates, one-off sends).
HTML_MAX_LENGTH = 500_000

#: A clinic id: lowercase letters, digits and dashes, starting with a letter or digit.
Slug = Annotated[
    str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$", min_length=1, max_length=63)
]

#: An id of the clinic system's own (a patient, appointment, doctor...).
ExternalId = Annotated[str, StringConstraints(min_length=1, max_length=100, strip_whitespace=True)]


@functools.cache
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def _check_zone(name: str) -> str:
    if name not in _zones():
        raise ValueError(f"unknown time zone {name!r}: use an IANA name such as Europe/Moscow")
    return name


#: An IANA time zone name.
TimeZoneName = Annotated[str, AfterValidator(_check_zone)]


_ISO_DATE = re.compile(r"\s*\d{4}-\d{2}-\d{2}\s*")


def _iso_date(value: Any) -> Any:
    """Only ``YYYY-MM-DD``: pydantic alone also takes a number (or a string of digits) as
    seconds since 1970, so ``0`` would be a birth date of 1970-01-01."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        return value.strip()
    raise PydanticCustomError("date_parsing", "Input should be a date as YYYY-MM-DD")


#: A calendar date, written ``YYYY-MM-DD`` and nothing else.
IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]


class StrictModel(BaseModel):
    """Request bodies: unknown fields are an error, not silently ignored."""

    model_config = ConfigDict(extra="forbid")
