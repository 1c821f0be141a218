"""Value objects handed to plugins and returned by them.

Plugins never see database rows or sessions: they get these frozen pydantic models,
snapshots of what the hub held when the event happened.  What plugins give back
(``DeliveryResult``, ``CheckResult``, ``Balance`` ...) is validated the same way.

    ClinicInfo                  the clinic a call is for
    Card, Appointment           the clinic system's data, as mirrored by the hub
      Doctor, Specialty, Service
      FieldChange               one changed field of an update
    LabResults                  laboratory results of a patient's visit
    OutgoingMessage             what send_message / send_messages must deliver
      DeliveryResult            what the provider answered (accepted / transient / permanent)
      DeliveryReport            a later delivery status (callback or poll)
    Balance, CostEstimate       account queries
    CheckResult                 "test the connection" answers
    SyncResult                  counts of a reference-data sync
    PatientAnswer               the patient's answer to a reminder
    ChannelSpec                 a channel a provider declares, with its limits
    Remindable, Skipped         who gets a reminder on a day, and who not and why
    ReferenceKind, MappingKind  reference-data and mapping kinds a plugin declares
    Mapping                     one (hub id, external id) pair of a mapping kind
    FileAnswer                  an action's answer that is a file (a label, a PDF)
    HttpAnswer                  what ``ctx.post_form`` got back: status, headers, body
    ActionError                 an action's deliberate 4xx answer

What registration hooks return (``Job``, ``Action``, ``PluginRouter``) is in
:mod:`hub.registration`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping as AbcMapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal, NamedTuple
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict

__all__ = [
    "ActionError",
    "Appointment",
    "Balance",
    "Card",
    "ChannelSpec",
    "CheckResult",
    "ClinicInfo",
    "CostEstimate",
    "DeliveryReport",
    "DeliveryResult",
    "Doctor",
    "FieldChange",
    "FileAnswer",
    "HttpAnswer",
    "LabResults",
    "Mapping",
    "MappingKind",
    "OutgoingMessage",
    "PatientAnswer",
    "Remindable",
    "ReferenceKind",
    "Service",
    "Skipped",
    "Specialty",
    "SyncResult",
]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ClinicInfo(_Frozen):
    """The clinic a hook call is made for."""

    id: str
    name: str
    timezone: str
    address: str = ""
    phone: str = ""

    @property
    def tz(self) -> ZoneInfo:
        """The clinic's time zone, for turning UTC times into its local time."""
        return ZoneInfo(self.timezone)


class Service(_Frozen):
    """A service of an appointment, with the price-list section it is billed under."""

    id: str
    name: str | None = None
    price_list_section: str | None = None


class Specialty(_Frozen):
    """A specialty; ``dative`` is the override or the automatic dative form."""

    id: str
    name: str
    dative: str


class Doctor(_Frozen):
    """A member of staff with the name forms templates need."""

    id: str
    last_name: str
    first_name: str
    middle_name: str = ""
    sex: Literal["male", "female"] | None = None
    specialty_id: str | None = None
    full_name: str
    short_name: str
    dative: str
    dative_short: str


class Card(_Frozen):
    """A patient card (the clinic system's «амбулаторная карта»)."""

    id: str
    last_name: str
    first_name: str
    middle_name: str = ""
    birth_date: dt.date | None = None
    sex: Literal["male", "female"] | None = None
    phones: tuple[str, ...] = ()
    email: str | None = None
    opt_out: bool = False
    inpatient: bool = False
    deleted: bool = False

    @property
    def full_name(self) -> str:
        """«Фамилия Имя Отчество», without empty parts."""
        return " ".join(p for p in (self.last_name, self.first_name, self.middle_name) if p)


class Appointment(_Frozen):
    """An appointment with its patient, doctor, specialty and services resolved.

    ``start`` and ``end`` are timezone-aware (UTC); use ``ctx.clinic.tz`` for local time.
    """

    id: str
    patient_id: str
    patient: Card | None = None
    doctor_id: str | None = None
    doctor: Doctor | None = None
    specialty_id: str | None = None
    specialty: Specialty | None = None
    services: tuple[Service, ...] = ()
    start: dt.datetime
    end: dt.datetime | None = None
    cabinet: str | None = None
    status: str = "booked"
    comment: str = ""
    cancelled: bool = False
    cancel_reason: str | None = None
    communication_status: str | None = None


class FieldChange(_Frozen):
    """One field of an update: its name, the value before and after (JSON values)."""

    field: str
    old: Any = None
    new: Any = None


Channel = Literal["sms", "voice", "messenger", "email"]


class OutgoingMessage(_Frozen):
    """A message the delivery worker asks a provider plugin to send.

    ``text`` is the message (for ``email`` the plain-text body); ``subject`` and
    ``html`` (an optional HTML body) are set for ``email`` only.
    """

    id: int
    clinic_id: str
    kind: str
    channel: Channel
    address: str
    text: str
    subject: str | None = None
    html: str | None = None
    recipient_name: str | None = None
    patient_id: str | None = None
    appointment_id: str | None = None
    attempt: int = 1
    idempotency_key: str


class ChannelSpec(_Frozen):
    """A channel a provider plugin delivers over, with the provider's own limits
    (``register_channels`` may return these instead of bare names).

    ``max_parts``: the most SMS parts one text may take with this provider (sms.ru
    refuses more than 8); a one-off send over a longer text is refused with 422.
    """

    name: Channel
    max_parts: int | None = None


class DeliveryResult(_Frozen):
    """A provider's answer to one ``send_message`` call.

    ``accepted``: the provider took the message (``provider_message_id``, ``cost``).
    ``transient``: try again later (network, time-out, 5xx, "temporarily unavailable").
    ``permanent``: will never succeed as is; ``provider_side`` marks failures of the
    provider account (no money, sender not approved, bad key) after which the worker
    tries the clinic's next provider, while a recipient failure (bad number, stop
    list) fails the message at once.
    """

    outcome: Literal["accepted", "transient", "permanent"]
    provider_message_id: str | None = None
    cost: Decimal | None = None
    error_code: str | None = None
    error_text: str | None = None
    provider_side: bool = False
    raw: Any = None

    @classmethod
    def accepted(
        cls, provider_message_id: str | None, *, cost: Decimal | None = None, raw: Any = None
    ) -> DeliveryResult:
        return cls(outcome="accepted", provider_message_id=provider_message_id, cost=cost, raw=raw)

    @classmethod
    def transient(
        cls, code: str | None, text: str, *, raw: Any = None, provider_side: bool = False
    ) -> DeliveryResult:
        return cls(
            outcome="transient",
            error_code=code,
            error_text=text,
            raw=raw,
            provider_side=provider_side,
        )

    @classmethod
    def permanent(
        cls, code: str | None, text: str, *, provider_side: bool = False, raw: Any = None
    ) -> DeliveryResult:
        return cls(
            outcome="permanent",
            error_code=code,
            error_text=text,
            provider_side=provider_side,
            raw=raw,
        )


class LabResults(_Frozen):
    """Laboratory results that came in for one patient (and visit, when known).

    ``complete`` is true once every result ordered in that visit is in.
    """

    patient_id: str
    appointment_id: str | None = None
    order_id: str | None = None
    complete: bool = True
    items: tuple[dict[str, Any], ...] = ()


class DeliveryReport(_Frozen):
    """A delivery status learned after sending (a provider callback or a status poll).

    ``channel``: the channel the provider says it used, when it may differ from the
    message's (a messenger-then-SMS cascade); kept in the message's history.
    """

    provider_message_id: str
    status: Literal["delivered", "failed"]
    error_code: str | None = None
    error_text: str | None = None
    at: dt.datetime | None = None
    cost: Decimal | None = None
    channel: str | None = None


class Balance(_Frozen):
    """A provider account's balance."""

    amount: Decimal
    currency: str = "RUB"


class CostEstimate(_Frozen):
    """What sending some messages would cost, as the provider computes it."""

    total_cost: Decimal
    parts: int
    currency: str = "RUB"


class CheckResult(_Frozen):
    """The outcome of testing a plugin's settings ("test the connection").

    ``problems`` are sentences an admin understands: what failed and what to do.
    """

    ok: bool
    problems: tuple[str, ...] = ()
    details: dict[str, Any] = {}

    @classmethod
    def passed(cls, **details: Any) -> CheckResult:
        return cls(ok=True, details=details)

    @classmethod
    def failed(cls, *problems: str, **details: Any) -> CheckResult:
        return cls(ok=False, problems=problems, details=details)


class SyncResult(_Frozen):
    """Counts of what a reference-data sync did, e.g. ``{"created": 3, "updated": 1}``."""

    kind: str
    counts: dict[str, int] = {}


class PatientAnswer(_Frozen):
    """The patient's answer to a reminder: confirmed, cancelled or asked to be called back."""

    appointment_id: str
    answer: Literal["confirmed", "cancelled", "callback"]
    reason: str | None = None
    at: dt.datetime
    source: str = "answer_page"


#: The 5xx statuses an action may answer on purpose: the outside system failed (502),
#: is unavailable (503) or did not answer in time (504); never a 500.
UPSTREAM_STATUSES = frozenset({502, 503, 504})


class Skipped(_Frozen):
    """An appointment left out, and why (``opt_out``, ``inpatient``, ``no_phone``...)."""

    appointment_id: str
    reason: str


class Remindable(_Frozen):
    """The appointments of a day that get a reminder, and those skipped with the reason."""

    eligible: list[Appointment] = []
    skipped: list[Skipped] = []


class ActionError(Exception):
    """Raised by an action to answer the caller with a status and a message.

    ``raise ActionError("the card has no phone to send the code to", status=409)``
    answers ``409`` with that message as the problem document's ``detail``; the plugin is
    not marked as failing.

    ``status`` is a 4xx, or one of :data:`UPSTREAM_STATUSES` (502, 503, 504) when the
    outside system the action talks to failed, is unavailable or never answered (a
    scanner that does not answer: 504).  Any other value answers 400.
    """

    def __init__(self, message: str, *, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class FileAnswer:
    """An action's answer that is a file: a ZPL label, a PDF of lab results.

    The action route answers ``content`` as is, with ``Content-Type: media_type`` and
    ``Content-Disposition: attachment; filename=...``.  Text is sent as UTF-8.
    """

    content: bytes | str
    media_type: str
    filename: str


class HttpAnswer(NamedTuple):
    """What :meth:`hub.HookContext.post_form` got back, whatever the status.

    A tuple, so ``status, content, headers = await ctx.post_form(...)`` works too.
    """

    #: the HTTP status code (``200``); a 4xx or 5xx is an answer, not an exception
    status: int
    #: the whole body, as sent (not decoded)
    content: bytes
    #: the response headers; looked up case-insensitively
    headers: AbcMapping[str, str]


@dataclass(frozen=True)
class ReferenceKind:
    """A kind of reference data a plugin brings (``lab_tests``).

    Stored and served like the built-in kinds (``GET/PUT /api/v1/clinics/{clinic}/
    reference/{name}``); the plugin fills it with ``ctx.store_reference(name, items)``
    and everyone reads it with ``ctx.reference(name)``.  Names are lowercase letters,
    digits and underscores, unique across the hub.
    """

    name: str
    description: str = ""


@dataclass(frozen=True)
class MappingKind:
    """A kind of id mapping a plugin keeps: hub ids to the external system's ids.

    ``hub_kind`` names the reference kind whose ids are the hub side (``services``,
    ``doctors``, ``specialties``, or a plugin's kind), so that the mapping API can list
    the hub items left unmapped.  Rows are many-to-many.
    """

    name: str
    hub_kind: str | None = None
    description: str = ""


class Mapping(_Frozen):
    """One pair of a mapping kind: a hub id and an external id."""

    hub_id: str
    external_id: str
