"""Field types shared by the API's models."""

from __future__ import annotations

import functools
import zoneinfo
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints

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


class StrictModel(BaseModel):
    """Request bodies: unknown fields are an error, not silently ignored."""

    model_config = ConfigDict(extra="forbid")
