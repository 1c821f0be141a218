"""External laboratories: the hook implementations (entry point ``labs`` in ``clinic_hub``).

Each function is a thin adapter; the work is in :mod:`hub_labs.ordering` (charges,
orders, sending), :mod:`hub_labs.polling` (statuses, results), :mod:`hub_labs.catalogue`
(catalogues, connection check) and :mod:`hub_labs.actions`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hub_labs import actions, catalogue, const, ordering, polling, store
from hub_labs.labs import Ctx
from hub_labs.settings import LabsSettings

from hub import (
    Action,
    Appointment,
    CheckResult,
    Job,
    MappingKind,
    ReferenceKind,
    Service,
    SyncResult,
    hookimpl,
)

#: Jobs and actions that talk to laboratories: each request may take the HTTP time limit
#: (20 s), and a run goes through many orders.
JOB_TIMEOUT = 600.0
ACTION_TIMEOUT = 60.0


@hookimpl
def register_settings_model() -> type[LabsSettings]:
    return LabsSettings


@hookimpl
def register_migrations() -> Path:
    return Path(__file__).parent / "migrations"


@hookimpl
def register_reference_kinds() -> list[ReferenceKind]:
    return [
        ReferenceKind(
            const.REFERENCE_LAB_TESTS,
            description="The laboratories' orderable tests: id `<lab>:<code>`, lab, code, "
            "name, system, specimen (the tube).",
        )
    ]


@hookimpl
def register_mapping_kinds() -> list[MappingKind]:
    return [
        MappingKind(
            const.MAPPING_SERVICE_TESTS,
            hub_kind="services",
            description="«Связь тестов с услугами»: service id ↔ lab test id "
            "(`<lab>:<code>` of lab_tests), many-to-many.",
        ),
        MappingKind(
            const.MAPPING_DOCTOR_LAB,
            hub_kind="doctors",
            description="«Лаборатория по умолчанию» of a doctor: doctor id → laboratory id.",
        ),
    ]


@hookimpl
def register_jobs() -> list[Job]:
    return [
        Job(
            "send_orders",
            ordering.send_due,
            every="send_every",
            description="send orders that are due (and those a laboratory was down for); "
            "retry charges waiting for a laboratory or a test",
            timeout=JOB_TIMEOUT,
        ),
        Job(
            "poll",
            polling.poll,
            every="poll_every",
            description="each laboratory's order statuses and results (poll_minutes)",
            timeout=JOB_TIMEOUT,
        ),
        Job(
            "catalogue",
            every="catalogue_every",
            sync_kind=const.REFERENCE_LAB_TESTS,
            description="pull each laboratory's catalogue into the lab_tests reference",
            timeout=JOB_TIMEOUT,
        ),
    ]


@hookimpl
def register_actions() -> list[Action]:
    return [
        Action(
            "create_order",
            actions.create_order,
            actions.CreateOrder,
            description="Order tests by hand for a visit or a patient.",
            timeout=ACTION_TIMEOUT,
        ),
        Action(
            "cancel_order",
            actions.cancel_order,
            actions.OrderRef,
            description="Cancel an order (at the laboratory while it has not started).",
            timeout=ACTION_TIMEOUT,
        ),
        Action(
            "label",
            actions.label,
            actions.OrderRef,
            description="The order's tube labels for a ZPL printer (one label per tube).",
        ),
        Action(
            "results",
            actions.results,
            actions.OrderRef,
            description="The order's results PDF.",
        ),
        Action(
            "order",
            actions.order,
            actions.OrderRef,
            description="The order: state, tests, tubes, attempts, statuses and results.",
        ),
        Action(
            "charges",
            actions.charges,
            actions.ChargesQuery,
            description="Charged services and what became of them (ordered, unmapped, "
            "no laboratory, unknown test).",
        ),
    ]


@hookimpl
async def check_settings(ctx: Ctx) -> CheckResult:
    return await catalogue.check(ctx)


@hookimpl
async def sync_reference_data(ctx: Ctx, kind: str) -> SyncResult | None:
    if kind != const.REFERENCE_LAB_TESTS:
        return None
    return await catalogue.sync(ctx)


@hookimpl
async def on_service_charged(ctx: Ctx, appointment: Appointment, service: Service) -> None:
    if ctx.settings.order_on_charge:
        await ordering.on_charge(ctx, appointment, service.id)


@hookimpl
async def get_plugin_status(ctx: Ctx) -> dict[str, Any]:
    async with ctx.tables() as conn:
        found = await store.counts(conn, ctx.clinic.id)
    return {"labs": [lab.id for lab in ctx.settings.labs], **found}
