"""Patient cards: ``PUT/DELETE /api/v1/clinics/{clinic}/patients/{external_id}``."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field, StringConstraints

from hub.schemas.common import IsoDate, StrictModel

Name = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)]
_EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


def _no_blank(value: str) -> str:
    if not value:
        raise ValueError("must not be empty")
    return value


def _drop_blank_phones(values: list[str]) -> list[str]:
    """Clinic systems send a fixed number of phone slots, the empty ones as ``""``:
    a blank slot is no phone, not a bad one."""
    return [value for value in values if value.strip()]


class PatientIn(StrictModel):
    """A patient card as the clinic system sends it (``PUT`` body)."""

    last_name: Annotated[Name, AfterValidator(_no_blank)]
    first_name: Annotated[Name, AfterValidator(_no_blank)]
    middle_name: Name = ""
    birth_date: IsoDate | None = Field(None, description="ISO date, e.g. 1980-05-17.")
    sex: Literal["male", "female"] | None = None
    phones: Annotated[
        list[Annotated[str, StringConstraints(max_length=64)]],
        AfterValidator(_drop_blank_phones),
    ] = Field(
        default_factory=list,
        max_length=10,
        description="As written in the card; stored as given, checked per channel when "
        "sending. Blank strings (empty phone slots) are ignored.",
    )
    email: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=254, pattern=_EMAIL)]
        | None
    ) = None
    opt_out: bool = Field(False, description="«Отказ от информационной рассылки».")
    inpatient: bool = Field(False, description="In hospital now: gets no reminders.")


class PatientBulkIn(PatientIn):
    """A patient card in a bulk request: the same, with its ``id``."""

    id: Annotated[str, StringConstraints(min_length=1, max_length=100, strip_whitespace=True)]


class PhoneWarning(BaseModel):
    """A phone kept as given that no message can use as is."""

    field: str
    reason: Literal["no_phone", "invalid_phone", "not_mobile"]
    detail: str


class CardPublic(BaseModel):
    id: str
    last_name: str
    first_name: str
    middle_name: str
    birth_date: dt.date | None
    sex: str | None
    phones: list[str]
    email: str | None
    opt_out: bool
    inpatient: bool
    deleted: bool


class PatientResult(BaseModel):
    """What a ``PUT``/``DELETE`` of a card did."""

    id: str
    result: Literal["created", "updated", "unchanged", "restored", "deleted"]
    changes: list[str] = Field(
        default_factory=list, description="Names of the fields that changed."
    )
    warnings: list[PhoneWarning] = Field(default_factory=list)
    card: CardPublic
