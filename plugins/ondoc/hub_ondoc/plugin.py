"""The ONDOC patient portal: the hook implementations (entry point ``ondoc`` in ``clinic_hub``).

Each function is a thin adapter; the work is in :mod:`hub_ondoc.linking` (codes, links,
unlinking), :mod:`hub_ondoc.mirror` (appointments sent to the portal),
:mod:`hub_ondoc.bookings` (portal bookings written back), :mod:`hub_ondoc.directories`
(reference upload, mapping read-back) and :mod:`hub_ondoc.account` (check, status, poll).
"""

from __future__ import annotations

from typing import Any

from hub_ondoc import account, directories, linking, mirror
from hub_ondoc.const import CALL_TIMEOUT, DIRECTORY_KINDS
from hub_ondoc.settings import OndocSettings

from hub import (
    Action,
    Appointment,
    Card,
    CheckResult,
    FieldChange,
    HookContext,
    Job,
    MappingKind,
    SyncResult,
    hookimpl,
)

Ctx = HookContext[OndocSettings]

#: A link asks the portal for a code (up to CALL_TIMEOUT) and queues the message.
LINK_TIMEOUT = CALL_TIMEOUT + 15.0
#: A poll may page through a long backlog; each portal call has its own 15 s limit.
POLL_TIMEOUT = 300.0


@hookimpl
def register_settings_model() -> type[OndocSettings]:
    return OndocSettings


@hookimpl
def register_actions() -> list[Action]:
    return [
        Action(
            "link",
            linking.link,
            linking.LinkInput,
            timeout=LINK_TIMEOUT,
            description="«Привязать к OnDoc»: issue the 9-digit code for a card, answer it and "
            "send it to the patient (contact_priority order). The same code while it is valid; "
            '"resend": true sends it again.',
        ),
        Action(
            "status",
            linking.status,
            linking.StatusInput,
            description="Whether a card is linked to ONDOC, since when, and the last code sent.",
        ),
    ]


@hookimpl
def register_jobs() -> list[Job]:
    return [
        Job(
            "poll",
            account.poll,
            every="poll_every",
            timeout=POLL_TIMEOUT,
            description="fetch links, unlinks and bookings made in the portal (poll_minutes)",
        ),
        *(
            Job(
                f"sync_{kind}",
                every="directory_sync_every",
                sync_kind=kind,
                description=f"upload {kind} to ONDOC and read back their mapping",
            )
            for kind in DIRECTORY_KINDS
        ),
    ]


@hookimpl
def register_mapping_kinds() -> list[MappingKind]:
    return [
        MappingKind(
            kind,
            hub_kind=kind,
            description=f"the clinic's {kind} -> ONDOC's, as mapped by a person in the portal",
        )
        for kind in DIRECTORY_KINDS
    ]


@hookimpl
async def check_settings(ctx: Ctx) -> CheckResult:
    return await account.check(ctx)


@hookimpl
async def get_plugin_status(ctx: Ctx) -> dict[str, Any]:
    return await account.status(ctx)


@hookimpl
async def sync_reference_data(ctx: Ctx, kind: str) -> SyncResult | None:
    return await directories.sync(ctx, kind)


@hookimpl
async def on_appointment_created(ctx: Ctx, appointment: Appointment) -> None:
    await mirror.send(ctx, appointment)


@hookimpl
async def on_appointment_updated(
    ctx: Ctx, appointment: Appointment, changes: tuple[FieldChange, ...]
) -> None:
    await mirror.send(ctx, appointment)


@hookimpl
async def on_appointment_cancelled(ctx: Ctx, appointment: Appointment, reason: str) -> None:
    await mirror.cancel(ctx, appointment, reason)


@hookimpl
async def on_card_deleted(ctx: Ctx, card: Card) -> None:
    await linking.unlink_deleted_card(ctx, card)
