"""``RecordingPlugin``: a test plugin that records every clinic-data notification.

Part of the test kit (:mod:`hub.testing` re-exports it)::

    RECORDER = RecordingPlugin()

    @pytest.fixture
    def hub_extra_plugins():
        return {"recorder": RECORDER}

    async def test_it(hub):
        ...
        await hub.drain()
        assert RECORDER.hooks() == ["on_appointment_created"]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pluggy

from hub.context import HookContext
from hub.hookspecs import PROJECT_NAME
from hub.types import Appointment, Card, FieldChange, LabResults, PatientAnswer, Service

_hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


@dataclass(frozen=True)
class Received:
    """One notification a :class:`RecordingPlugin` received."""

    hook: str
    clinic: str
    idempotency_key: str | None
    args: dict[str, Any]

    @property
    def subject_id(self) -> str | None:
        """The appointment's or card's id (or the phone) the event is about."""
        for name in ("appointment", "card"):
            if name in self.args:
                return str(self.args[name].id)
        return self.args.get("phone")


class RecordingPlugin:
    """A plugin that records every clinic-data notification it receives, in order.

    Register it through ``hub_extra_plugins`` and enable it for the clinic; after
    ``await hub.drain()``, ``plugin.received`` lists what reached it.  Subclass and
    override :meth:`react` to fail or to act through ``ctx``.
    """

    def __init__(self) -> None:
        self.received: list[Received] = []

    def hooks(self) -> list[str]:
        return [r.hook for r in self.received]

    async def react(self, ctx: HookContext[Any], hook: str, **args: Any) -> None:
        """Called before recording; raise here to make the delivery fail."""

    async def _got(self, ctx: HookContext[Any], hook: str, **args: Any) -> None:
        await self.react(ctx, hook, **args)
        self.received.append(Received(hook, ctx.clinic.id, ctx.idempotency_key, args))

    @_hookimpl
    async def on_appointment_created(self, ctx: HookContext[Any], appointment: Appointment) -> None:
        await self._got(ctx, "on_appointment_created", appointment=appointment)

    @_hookimpl
    async def on_appointment_updated(
        self, ctx: HookContext[Any], appointment: Appointment, changes: tuple[FieldChange, ...]
    ) -> None:
        await self._got(ctx, "on_appointment_updated", appointment=appointment, changes=changes)

    @_hookimpl
    async def on_appointment_cancelled(
        self, ctx: HookContext[Any], appointment: Appointment, reason: str
    ) -> None:
        await self._got(ctx, "on_appointment_cancelled", appointment=appointment, reason=reason)

    @_hookimpl
    async def on_appointment_restored(
        self, ctx: HookContext[Any], appointment: Appointment
    ) -> None:
        await self._got(ctx, "on_appointment_restored", appointment=appointment)

    @_hookimpl
    async def on_card_updated(self, ctx: HookContext[Any], card: Card) -> None:
        await self._got(ctx, "on_card_updated", card=card)

    @_hookimpl
    async def on_card_deleted(self, ctx: HookContext[Any], card: Card) -> None:
        await self._got(ctx, "on_card_deleted", card=card)

    @_hookimpl
    async def on_service_charged(
        self, ctx: HookContext[Any], appointment: Appointment, service: Service
    ) -> None:
        await self._got(ctx, "on_service_charged", appointment=appointment, service=service)

    @_hookimpl
    async def on_lab_results_ready(
        self, ctx: HookContext[Any], card: Card, results: LabResults
    ) -> None:
        await self._got(ctx, "on_lab_results_ready", card=card, results=results)

    @_hookimpl
    async def on_discount_card_issued(self, ctx: HookContext[Any], card: Card, number: str) -> None:
        await self._got(ctx, "on_discount_card_issued", card=card, number=number)

    @_hookimpl
    async def on_patient_answered(
        self, ctx: HookContext[Any], appointment: Appointment, answer: PatientAnswer
    ) -> None:
        await self._got(ctx, "on_patient_answered", appointment=appointment, answer=answer)

    @_hookimpl
    async def on_stoplist_changed(
        self, ctx: HookContext[Any], phone: str, blocked: bool, note: str
    ) -> None:
        await self._got(ctx, "on_stoplist_changed", phone=phone, blocked=blocked, note=note)
