"""The hub services behind a plugin's context: :class:`hub.ports.HubServices`, implemented.

:class:`RuntimeServices` serves one (clinic, plugin) pair over a :class:`Runtime`:
each method opens what it needs (a session, a transaction) and calls the domain
package that owns the rule (``intake``, ``messages``, ``reminders``, ``feed``,
``state``).  It sits above those packages and imports them; nothing below imports
it.  :func:`make` is the factory the runtime is built with.

    feed and messages   publish, queue_message, report_delivery, awaiting_report
    clinic data         get_patient, get_appointment, find_appointments
    write-back          upsert_appointment, report_answer, report_lab_results
    state               state_get / set / add / compare_and_set / delete / items
    plugin data         reference, store_reference, mapping_*, tables
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any

import httpx
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncConnection

from hub import feed, state
from hub.intake import adoption, phone_index, tx, write_back
from hub.intake import reference as reference_data
from hub.intake.scope import ClinicScope
from hub.intake.snapshots import load_appointments, load_card
from hub.messages import communication, priority, queue, reports
from hub.plugin_data import mappings, tables
from hub.plugin_data import reference as plugin_reference
from hub.ports import HubServices, PostForm
from hub.reminders import answers, eligibility
from hub.runtime import Runtime
from hub.schemas.clinics import ClinicOptions
from hub.types import (
    Appointment,
    Card,
    ClinicInfo,
    DeliveryReport,
    LabResults,
    Mapping,
    Remindable,
    SyncResult,
)

__all__ = ["RuntimeServices", "make"]

log = logging.getLogger("hub.services")


def make(runtime: Runtime, clinic: ClinicInfo, plugin: str) -> HubServices:
    """The services of ``plugin`` in ``clinic`` (the runtime's services factory)."""
    return RuntimeServices(runtime, clinic, plugin)


class RuntimeServices:
    """:class:`hub.ports.HubServices` for one clinic and plugin, over a runtime."""

    def __init__(self, runtime: Runtime, clinic: ClinicInfo, plugin: str) -> None:
        self.runtime = runtime
        self.clinic = clinic
        self.plugin = plugin

    @property
    def http(self) -> httpx.AsyncClient:
        return self.runtime.http

    @property
    def post_form(self) -> PostForm:
        return self.runtime.post_form

    @property
    def public_url(self) -> str | None:
        return self.runtime.settings.public_url

    def now(self) -> dt.datetime:
        return self.runtime.clock.now()

    # --- the feed and messages ----------------------------------------------------

    async def publish(self, type: str, data: dict[str, Any]) -> str:
        async with self.runtime.db.session() as session:
            return await feed.publish(
                session,
                clinic_id=self.clinic.id,
                type=type,
                data=data,
                source=self.plugin,
                at=self.now(),
            )

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
    ) -> int | None:
        async with self.runtime.db.session() as session:
            message = await queue.queue_message(
                session,
                self.runtime,
                clinic_id=self.clinic.id,
                kind=kind,
                channel=channel,
                address=address,
                text=text,
                recipient_name=recipient_name,
                patient_id=patient_id,
                appointment_id=appointment_id,
                essential=essential,
                dedupe_key=f"{self.plugin}:{dedupe_key}" if dedupe_key else None,
                not_before=not_before,
                subject=subject,
                html=html,
            )
            return message.id if message is not None else None

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
    ) -> int | None:
        region = await self._phone_region()
        async with self.runtime.db.session() as session:
            return await priority.queue_to_patient(
                session,
                self.runtime,
                clinic_id=self.clinic.id,
                region=region,
                patient_id=patient_id,
                kind=kind,
                text=text,
                channels=channels,
                subject=subject,
                html=html,
                appointment_id=appointment_id,
                essential=essential,
                dedupe_key=f"{self.plugin}:{dedupe_key}" if dedupe_key else None,
            )

    async def report_delivery(self, report: DeliveryReport) -> bool:
        region = await self._phone_region()
        async with self.runtime.db.session() as session:
            return await reports.report_delivery(
                session,
                clinic_id=self.clinic.id,
                plugin=self.plugin,
                report=report,
                now=self.now(),
                runtime=self.runtime,
                region=region,
            )

    async def awaiting_report(self, older_than: dt.timedelta, limit: int) -> list[str]:
        async with self.runtime.db.session() as session:
            return await reports.awaiting_report(
                session,
                clinic_id=self.clinic.id,
                plugin=self.plugin,
                older_than=older_than,
                limit=limit,
                now=self.now(),
            )

    # --- the clinic's data --------------------------------------------------------------

    async def get_patient(self, patient_id: str) -> Card | None:
        async with self.runtime.db.session() as session:
            return await load_card(session, self.clinic.id, patient_id)

    async def get_appointment(self, appointment_id: str) -> Appointment | None:
        async with self.runtime.db.session() as session:
            current = await adoption.resolve(session, self.clinic.id, appointment_id)
            found = await load_appointments(
                session, self.clinic.id, ids=[current], include_cancelled=True
            )
        return found[0] if found else None

    async def find_cards(self, phone: str) -> list[Card]:
        region = await self._phone_region()
        async with self.runtime.db.session() as session:
            return await phone_index.find(session, self.clinic.id, phone, region)

    async def remindable_appointments(self, day: dt.date, channel: str) -> Remindable:
        snapshot = await self.runtime.snapshot(self.clinic.id)
        async with self.runtime.db.session() as session:
            return await eligibility.remindable(
                session,
                clinic=self.clinic,
                options=ClinicOptions.model_validate(snapshot.options),
                day=day,
                channel=channel,
                now=self.now(),
            )

    async def _phone_region(self) -> str:
        snapshot = await self.runtime.snapshot(self.clinic.id)
        return str(snapshot.options.get("phone_region") or "RU")

    async def find_appointments(
        self, start_from: dt.datetime, start_to: dt.datetime, include_cancelled: bool
    ) -> list[Appointment]:
        def aware(value: dt.datetime) -> dt.datetime:
            return value if value.tzinfo else value.replace(tzinfo=self.clinic.tz)

        async with self.runtime.db.session() as session:
            return await load_appointments(
                session,
                self.clinic.id,
                start_from=aware(start_from),
                start_to=aware(start_to),
                include_cancelled=include_cancelled,
            )

    # --- writing back -------------------------------------------------------------------

    async def upsert_appointment(self, external_id: str, data: dict[str, Any]) -> Appointment:
        return await write_back.upsert_booking(
            self.runtime, self.clinic.id, self.plugin, external_id, data
        )

    async def report_answer(self, appointment_id: str, answer: str, reason: str | None) -> bool:
        snapshot = await self.runtime.snapshot(self.clinic.id)
        options = ClinicOptions.model_validate(snapshot.options)
        async with self.runtime.db.session() as session:
            found = await load_appointments(
                session, self.clinic.id, ids=[appointment_id], include_cancelled=True
            )
            if not found:
                raise ValueError(f"unknown appointment {appointment_id!r}")
            try:
                recorded = await answers.record(
                    session,
                    self.runtime,
                    clinic_id=self.clinic.id,
                    appointment=found[0],
                    answer=answer,  # type: ignore[arg-type]  # record() refuses an unknown one
                    reason=reason,
                    source=self.plugin,
                    cutoff=dt.timedelta(minutes=options.answer_cutoff_minutes),
                    now=self.now(),
                )
            except answers.AnswerRefused as exc:
                log.info(
                    "[%s/%s] answer %s about %s not taken: %s",
                    self.clinic.id,
                    self.plugin,
                    answer,
                    appointment_id,
                    exc,
                )
                return False
            return recorded.changed

    async def set_communication_status(self, appointment_id: str, status: str) -> bool:
        status = status.strip()
        if not status or len(status) > 255:
            raise ValueError("a communication status is 1 to 255 characters")
        async with self.runtime.db.session() as session:
            changed = await communication.mark_sent(
                session,
                [communication.Sent(self.clinic.id, appointment_id, None, status)],
                now=self.now(),
            )
        return changed > 0

    async def report_lab_results(self, results: LabResults) -> None:
        async with self.runtime.db.session() as session:
            await write_back.record_lab_results(
                session, self.runtime, self.clinic.id, self.plugin, results, self.now()
            )

    # --- the plugin's state -------------------------------------------------------------

    async def state_get(self, key: str, default: Any) -> Any:
        return await state.get(*self._state_scope(), key, default, self.now())

    async def state_set(self, key: str, value: Any, ttl: dt.timedelta | None) -> None:
        await state.put(*self._state_scope(), key, value, self.now(), ttl)

    async def state_add(self, key: str, value: Any, ttl: dt.timedelta | None) -> bool:
        return await state.add(*self._state_scope(), key, value, self.now(), ttl)

    async def state_compare_and_set(
        self, key: str, expected: Any, new: Any, ttl: dt.timedelta | None
    ) -> bool:
        return await state.compare_and_set(
            *self._state_scope(), key, expected, new, self.now(), ttl
        )

    async def state_delete(self, key: str) -> bool:
        return await state.delete(*self._state_scope(), key, self.now())

    async def state_items(self, prefix: str) -> dict[str, Any]:
        return await state.items(*self._state_scope(), prefix, self.now())

    def _state_scope(self) -> tuple[Any, str, str]:
        return self.runtime.db, self.clinic.id, self.plugin

    # --- plugin data: reference kinds, mappings, tables ----------------------------------

    async def reference(self, kind: str) -> list[dict[str, Any]]:
        try:
            plugin_reference.check_kind(kind, self.runtime.host.reference_kinds())
        except plugin_reference.UnknownKind as exc:
            raise ValueError(str(exc)) from None
        async with self.runtime.db.session() as session:
            return await reference_data.current(session, self.clinic.id, kind)

    async def store_reference(self, kind: str, items: list[dict[str, Any]]) -> SyncResult:
        info = self.runtime.host.get(self.plugin)
        if info is None or kind not in info.reference_kinds:
            raise ValueError(f"plugin {self.plugin!r} declared no reference kind {kind!r}")
        try:
            parsed = plugin_reference.parse(kind, items)
        except ValidationError as exc:
            raise ValueError(plugin_reference.describe(exc)) from None
        scope, now = ClinicScope(id=self.clinic.id, tz=self.clinic.tz), self.now()
        return await tx.write(  # an IntakeError (a ValueError) names duplicate ids
            self.runtime.db,
            lambda session: plugin_reference.store(session, scope, kind, parsed, now=now),
        )

    def _check_mapping_kind(self, kind: str) -> None:
        info = self.runtime.host.get(self.plugin)
        if info is None or kind not in info.mapping_kinds:
            declared = ", ".join(info.mapping_kinds) if info else ""
            raise ValueError(
                f"plugin {self.plugin!r} declared no mapping kind {kind!r} "
                f"(it declared: {declared or 'none'})"
            )

    async def mapping_rows(
        self, kind: str, *, hub_id: str | None = None, external_id: str | None = None
    ) -> list[Mapping]:
        self._check_mapping_kind(kind)
        async with self.runtime.db.session() as session:
            return await mappings.rows(
                session, self.clinic.id, self.plugin, kind, hub_id=hub_id, external_id=external_id
            )

    async def mapping_put(self, kind: str, pairs: Iterable[tuple[str, str]], replace: bool) -> int:
        self._check_mapping_kind(kind)
        clean = mappings.clean_pairs(pairs)
        now = self.now()
        return await tx.write(
            self.runtime.db,
            lambda session: mappings.put(
                session, self.clinic.id, self.plugin, kind, clean, replace=replace, now=now
            ),
        )

    async def mapping_delete(self, kind: str, hub_id: str | None, external_id: str | None) -> int:
        self._check_mapping_kind(kind)
        async with self.runtime.db.session() as session:
            return await mappings.delete(
                session,
                self.clinic.id,
                self.plugin,
                kind,
                hub_id=hub_id,
                external_id=external_id,
            )

    def tables(self) -> AbstractAsyncContextManager[AsyncConnection]:
        return tables.transaction(self.runtime.db)
