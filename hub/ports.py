"""The interface of hub services a plugin's context stands on.

:class:`HubServices` is everything a plugin may ask of the hub, for one (clinic,
plugin) pair: publish a feed event, queue a message, report deliveries and answers,
read the mirrored clinic data, write a booking back, keep state.  ``HookContext``
(:mod:`hub.context`) is a thin object over it; :mod:`hub.services` implements it over
the hub's domain packages, and a test may give a context any other implementation.

This module is part of the plugin API's bottom layer: it imports only the value types,
never the database, the runtime or a domain package.

    reading      now, public_url, http, post_form, get_patient, get_appointment,
                 find_appointments
    acting       publish, queue_message, report_delivery, awaiting_report,
                 upsert_appointment, report_answer, set_communication_status,
                 report_lab_results
    state        state_get, state_set, state_add, state_compare_and_set,
                 state_delete, state_items
    plugin data  reference, store_reference, mapping_rows, mapping_put,
                 mapping_delete, tables
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from collections.abc import Mapping as AbcMapping
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any, Protocol

import httpx

from hub.types import (
    Appointment,
    Card,
    DeliveryReport,
    HttpAnswer,
    LabResults,
    Mapping,
    Remindable,
    SyncResult,
)

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection

__all__ = ["HubServices", "PostForm"]


class PostForm(Protocol):
    """``ctx.post_form``: POST a form, get the whole answer (see
    :meth:`hub.HookContext.post_form`)."""

    async def __call__(
        self, url: str, form: AbcMapping[str, str], *, timeout: float | None = None
    ) -> HttpAnswer: ...


class HubServices(Protocol):
    """What the hub does for one plugin in one clinic (see :class:`hub.HookContext`,
    whose methods document each of these)."""

    @property
    def http(self) -> httpx.AsyncClient: ...

    @property
    def post_form(self) -> PostForm: ...

    @property
    def public_url(self) -> str | None: ...

    def now(self) -> dt.datetime: ...

    # --- the feed and messages ----------------------------------------------------

    async def publish(self, type: str, data: dict[str, Any]) -> str: ...

    async def queue_message(
        self,
        *,
        kind: str,
        channel: str,
        address: str,
        text: str,
        patient_id: str | None,
        appointment_id: str | None,
        recipient_name: str | None,
        essential: bool,
        dedupe_key: str | None,
        not_before: dt.datetime | None,
        subject: str | None,
        html: str | None,
    ) -> int | None: ...

    async def queue_to_patient(
        self,
        patient_id: str,
        *,
        kind: str,
        text: str,
        channels: Sequence[str],
        subject: str | None,
        html: str | None,
        appointment_id: str | None,
        essential: bool,
        dedupe_key: str | None,
    ) -> int | None: ...

    async def report_delivery(self, report: DeliveryReport) -> bool: ...

    async def awaiting_report(self, older_than: dt.timedelta, limit: int) -> list[str]: ...

    # --- the clinic's data --------------------------------------------------------------

    async def get_patient(self, patient_id: str) -> Card | None: ...

    async def get_appointment(self, appointment_id: str) -> Appointment | None: ...

    async def find_cards(self, phone: str) -> list[Card]: ...

    async def remindable_appointments(self, day: dt.date, channel: str) -> Remindable: ...

    async def find_appointments(
        self, start_from: dt.datetime, start_to: dt.datetime, include_cancelled: bool
    ) -> list[Appointment]: ...

    # --- writing back -------------------------------------------------------------------

    async def upsert_appointment(self, external_id: str, data: dict[str, Any]) -> Appointment: ...

    async def report_answer(self, appointment_id: str, answer: str, reason: str | None) -> bool: ...

    async def set_communication_status(self, appointment_id: str, status: str) -> bool: ...

    async def report_lab_results(self, results: LabResults) -> None: ...

    # --- the plugin's state -------------------------------------------------------------

    async def state_get(self, key: str, default: Any) -> Any: ...

    async def state_set(self, key: str, value: Any, ttl: dt.timedelta | None) -> None: ...

    async def state_add(self, key: str, value: Any, ttl: dt.timedelta | None) -> bool: ...

    async def state_compare_and_set(
        self, key: str, expected: Any, new: Any, ttl: dt.timedelta | None
    ) -> bool: ...

    async def state_delete(self, key: str) -> bool: ...

    async def state_items(self, prefix: str) -> dict[str, Any]: ...

    # --- plugin data: reference kinds, mappings, tables ----------------------------------

    async def reference(self, kind: str) -> list[dict[str, Any]]: ...

    async def store_reference(self, kind: str, items: list[dict[str, Any]]) -> SyncResult: ...

    async def mapping_rows(
        self, kind: str, *, hub_id: str | None = None, external_id: str | None = None
    ) -> list[Mapping]: ...

    async def mapping_put(
        self, kind: str, pairs: Iterable[tuple[str, str]], replace: bool
    ) -> int: ...

    async def mapping_delete(
        self, kind: str, hub_id: str | None, external_id: str | None
    ) -> int: ...

    def tables(self) -> AbstractAsyncContextManager[AsyncConnection]: ...
