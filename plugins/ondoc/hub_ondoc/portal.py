"""The ONDOC portal as the plugin needs it: the :class:`Portal` interface and its values.

The plugin modules talk to the portal only through :class:`Portal`; the one class that
implements it on the wire is :class:`hub_ondoc.client.OndocClient`, which speaks the
*assumed* protocol of ``assumed-protocols.md`` §1.  A clinic holding ONDOC's real partner
documentation writes another implementation of :class:`Portal` (in ``client.py``) and
nothing else changes.

Every method raises :class:`OndocError` on failure: ``transient`` for what may succeed
later (time-outs, 5xx, 429, the portal unreachable), ``token`` naming the token a 401
refused, ``code`` the portal's error code (``already_linked``, ``not_linked``...).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, Protocol, TypeVar

from hub_ondoc.const import TOKEN_LABELS, Token
from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")


class OndocError(Exception):
    """A portal call that failed; ``str()`` is a sentence an admin understands."""

    def __init__(
        self,
        message: str,
        *,
        transient: bool,
        status: int | None = None,
        code: str | None = None,
        token: Token | None = None,
        fields: Sequence[str] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        self.transient = transient
        self.status = status
        self.code = code
        self.token = token
        self.fields = tuple(fields)

    @property
    def token_label(self) -> str | None:
        """The refused token as the seed's settings window names it."""
        return None if self.token is None else f"{self.token.value} ({TOKEN_LABELS[self.token]})"


class _Value(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class Ping(_Value):
    """Who the tokens belong to."""

    company: str
    branch: str


@dataclass(frozen=True)
class LinkRequest:
    """A card to issue a link code for (the clinic system's patient id)."""

    mis_patient_id: str
    last_name: str
    first_name: str
    birth_date: dt.date
    middle_name: str = ""
    phone: str | None = None
    email: str | None = None


class LinkCode(_Value):
    """The 9-digit code and until when the portal accepts it."""

    code: str = Field(pattern=r"^\d{9}$")
    expires_at: dt.datetime


class LinkChange(_Value):
    """A patient who entered a code (``linked``) or was unlinked in the portal."""

    mis_patient_id: str = Field(min_length=1)
    ondoc_patient_id: str | None = None
    state: Literal["linked", "unlinked"]
    at: dt.datetime


class PortalAppointment(_Value):
    """An appointment as the portal holds it (the clinic system's ids, aware times)."""

    mis_patient_id: str = Field(min_length=1)
    doctor_id: str | None = None
    specialty_id: str | None = None
    service_ids: tuple[str, ...] = ()
    start: dt.datetime
    end: dt.datetime | None = None
    cabinet: str | None = None
    comment: str | None = None


class BookingChange(_Value):
    """Something a patient did in the portal: booked, changed or cancelled."""

    id: str = Field(min_length=1)
    type: Literal["created", "updated", "cancelled"]
    mis_appointment_id: str | None = None
    appointment: PortalAppointment
    reason: str | None = None
    at: dt.datetime


class MappingRow(_Value):
    """One uploaded item and the portal item a person mapped it to (``None``: not yet)."""

    mis_id: str
    ondoc_id: str | None = None


@dataclass(frozen=True)
class Rejected:
    """An item of a page the plugin could not read, with why (kept, never dropped silently)."""

    raw: Any
    problem: str


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a feed: its items, the items that could not be read, the next cursor."""

    items: list[T]
    next: str | None
    rejected: list[Rejected] = field(default_factory=list)


class Portal(Protocol):
    """What the plugin asks of ONDOC."""

    async def ping(self, token: Token) -> Ping:
        """Check one token (either may be asked)."""
        ...

    async def issue_link_code(self, patient: LinkRequest) -> LinkCode: ...

    async def link_changes(self, after: str | None) -> Page[LinkChange]: ...

    async def unlink(self, mis_patient_id: str) -> None:
        """Unlink a patient; :class:`OndocError` ``not_linked`` if they were not."""
        ...

    async def put_appointment(self, mis_appointment_id: str, appointment: PortalAppointment) -> str:
        """Create or replace an appointment; the portal's id of it."""
        ...

    async def cancel_appointment(self, mis_appointment_id: str, reason: str) -> None: ...

    async def booking_changes(self, after: str | None) -> Page[BookingChange]: ...

    async def ack_booking(self, booking_id: str, mis_appointment_id: str) -> None: ...

    async def put_directory(self, kind: str, items: Sequence[dict[str, Any]]) -> int:
        """Upload a whole directory; how many items the portal received."""
        ...

    async def directory_mapping(self, kind: str) -> list[MappingRow]: ...
