"""Reference data: ``PUT/GET /api/v1/clinics/{clinic}/reference/{kind}``.

A ``PUT`` replaces the whole list of one kind.  Doctors and specialties get their
dative forms computed on save; a non-null ``dative`` in the item overrides them.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from hub.schemas.common import StrictModel

RefId = Annotated[str, StringConstraints(min_length=1, max_length=100, strip_whitespace=True)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
OptionalText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=255)]


class DoctorIn(StrictModel):
    id: RefId
    last_name: Text
    first_name: Text
    middle_name: OptionalText = ""
    sex: Literal["male", "female"] | None = None
    specialty_id: RefId | None = None
    dative: Text | None = Field(
        None,
        description="Full name in the dative («Петровой Анне Сергеевне»); "
        "overrides the automatic form.",
    )


class SpecialtyIn(StrictModel):
    id: RefId
    name: Text
    dative: Text | None = Field(
        None, description="Dative («врачу-терапевту»); overrides the automatic form."
    )


class ServiceIn(StrictModel):
    id: RefId
    name: Text
    price_list_section: RefId | None = None


class PriceListSectionIn(StrictModel):
    id: RefId
    name: Text


class PluginItemIn(BaseModel):
    """An item of a plugin's reference kind: a string ``id``, other fields kept as sent."""

    model_config = ConfigDict(extra="allow")

    id: RefId


#: The hub's own kinds of reference data and the model of one item of each.
KINDS: dict[str, type[StrictModel]] = {
    "doctors": DoctorIn,
    "specialties": SpecialtyIn,
    "services": ServiceIn,
    "price_list_sections": PriceListSectionIn,
}


class ReferenceResult(BaseModel):
    """What a bulk replace did, and the list as now stored."""

    kind: str
    created: int
    updated: int
    unchanged: int
    removed: int
    items: list[dict[str, Any]]


class ReferenceList(BaseModel):
    kind: str
    items: list[dict[str, Any]]
