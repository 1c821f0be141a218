"""The event dispatcher: a worker step that delivers due deliveries to their plugins.

One run of the step is a small pipeline::

    claim ──> call plugins (at most HUB_WORKER_CONCURRENCY at once) ──> write results
      ^                                                                    │
      └──── refill when half the claimed batch is done (successors unblock) ┘

*Claim.*  One transaction picks up to ``HUB_WORKER_BATCH`` open deliveries that are due,
not leased (or whose lease expired: their worker died), and whose earlier deliveries
for the same (clinic, plugin, subject) are all done — so per plugin the events of one
appointment or card arrive one at a time, in order; a dead one blocks its successors
until it is re-queued.  On PostgreSQL the rows are taken ``FOR UPDATE SKIP LOCKED``, so
several workers claim disjoint batches; each claimed row gets a lease
(``HUB_WORKER_LEASE``), renewed while its call runs.

*Call.*  ``host.notify(plugin, hook, ctx.with_key(idempotency_key), **kwargs)``, the
arguments rebuilt from the event's JSON by :mod:`hub.events.payloads`.

*Results.*  Written in batches with one executemany UPDATE, only for rows this worker
still holds: done; retrying after a back-off (:mod:`hub.retry`); dead after
``HUB_RETRY_MAX_ATTEMPTS`` failures or at once for a payload that no longer decodes;
done with a note when the plugin is no longer enabled for the clinic.

Delivery is at-least-once: a worker killed after a call but before its result is
written leaves the lease to expire and the call is made again (same idempotency key).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from hub import plugin_settings, retry
from hub.db.models import Delivery, OutboxEvent
from hub.db.models.events import DEAD, DONE, OPEN_STATES, RETRYING
from hub.events import payloads
from hub.plugins import PluginCallError
from hub.process import WORKER_ID
from hub.runtime import PluginNotEnabled, Runtime

log = logging.getLogger("hub.events")

DELIVERY = Delivery.__table__  # type: ignore[attr-defined]
EVENT = OutboxEvent.__table__  # type: ignore[attr-defined]
#: A step stops claiming after this long (then finishes what it holds and returns).
STEP_SECONDS = 10.0
#: Results are written at least this often while calls are running.
FLUSH_SECONDS = 0.2


@dataclass(frozen=True)
class ClaimedDelivery:
    """A delivery this worker holds, with its event's arguments."""

    id: int
    event_id: int
    clinic_id: str
    plugin: str
    hook: str
    subject: str
    attempts: int
    idempotency_key: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class CallOutcome:
    """How one call went: ``done``, ``failed`` (retry or dead) or ``broken`` (dead now)."""

    delivery: ClaimedDelivery
    kind: str
    error: str | None = None


def claim_query(now: dt.datetime, limit: int, *, skip_locked: bool) -> sa.Select[Any]:
    """The ids of up to ``limit`` claimable deliveries, oldest due first."""
    d = DELIVERY.alias("d")
    earlier = DELIVERY.alias("earlier")
    blocked = sa.exists().where(
        earlier.c.clinic_id == d.c.clinic_id,
        earlier.c.plugin == d.c.plugin,
        earlier.c.subject == d.c.subject,
        earlier.c.id < d.c.id,
        earlier.c.status != DONE,
    )
    query = (
        sa.select(d.c.id)
        .where(
            d.c.status.in_(OPEN_STATES),
            d.c.next_attempt_at <= now,
            sa.or_(d.c.lease_until.is_(None), d.c.lease_until < now),
            ~blocked,
        )
        .order_by(d.c.next_attempt_at, d.c.id)
        .limit(limit)
    )
    if skip_locked:
        query = query.with_for_update(skip_locked=True, of=d)
    return query


async def claim(runtime: Runtime, limit: int) -> list[ClaimedDelivery]:
    """Lease up to ``limit`` due deliveries to this worker (one transaction)."""
    now = runtime.clock.now()
    lease = dt.timedelta(seconds=runtime.settings.worker_lease)
    async with runtime.db.session() as session:
        ids = list(
            (
                await session.execute(claim_query(now, limit, skip_locked=not runtime.db.is_sqlite))
            ).scalars()
        )
        if not ids:
            return []
        await session.execute(
            sa.update(DELIVERY)
            .where(DELIVERY.c.id.in_(ids))
            .values(lease_until=now + lease, leased_by=WORKER_ID)
        )
        rows = (
            await session.execute(
                sa.select(
                    DELIVERY.c.id,
                    DELIVERY.c.event_id,
                    DELIVERY.c.clinic_id,
                    DELIVERY.c.plugin,
                    DELIVERY.c.hook,
                    DELIVERY.c.subject,
                    DELIVERY.c.attempts,
                    DELIVERY.c.idempotency_key,
                    EVENT.c.payload,
                )
                .select_from(DELIVERY.join(EVENT, EVENT.c.id == DELIVERY.c.event_id))
                .where(DELIVERY.c.id.in_(ids))
                .order_by(DELIVERY.c.id)
            )
        ).all()
    return [ClaimedDelivery(*row) for row in rows]


async def _context(runtime: Runtime, delivery: ClaimedDelivery) -> Any:
    try:
        return await runtime.context(
            delivery.clinic_id, delivery.plugin, idempotency_key=delivery.idempotency_key
        )
    except PluginNotEnabled:
        # The cached configuration may be seconds old: look again before giving up.
        runtime.invalidate(delivery.clinic_id)
        return await runtime.context(
            delivery.clinic_id, delivery.plugin, idempotency_key=delivery.idempotency_key
        )


async def deliver(runtime: Runtime, delivery: ClaimedDelivery) -> CallOutcome:
    """Make one call; never raises."""
    try:
        if runtime.host.get(delivery.plugin) is None:
            return CallOutcome(
                delivery,
                "failed",
                f"plugin {delivery.plugin!r} is not installed (or is broken) in this worker",
            )
        try:
            kwargs = payloads.decode(delivery.hook, delivery.payload)
        except payloads.PayloadError as exc:
            return CallOutcome(delivery, "broken", str(exc))
        try:
            ctx = await _context(runtime, delivery)
        except PluginNotEnabled:
            return CallOutcome(
                delivery,
                "skipped",
                f"not delivered: plugin {delivery.plugin!r} is no "
                f"longer enabled for clinic {delivery.clinic_id!r}",
            )
        except plugin_settings.SettingsInvalid as exc:
            return CallOutcome(
                delivery,
                "failed",
                f"settings of {delivery.plugin!r} are invalid: "
                + "; ".join(f"{e['field']}: {e['message']}" for e in exc.errors),
            )
        await runtime.host.notify(delivery.plugin, delivery.hook, ctx, **kwargs)
        return CallOutcome(delivery, "done")
    except PluginCallError as exc:
        return CallOutcome(delivery, "failed", exc.error)
    except Exception as exc:  # a bug of ours must not lose the delivery: retry it
        log.exception("delivery %s failed in the hub", delivery.id)
        return CallOutcome(delivery, "failed", runtime.redactor.redact(f"hub error: {exc!r}"))


def _row(runtime: Runtime, outcome: CallOutcome, now: dt.datetime) -> dict[str, Any]:
    settings = runtime.settings
    attempts = outcome.delivery.attempts + 1
    row: dict[str, Any] = {
        "b_id": outcome.delivery.id,
        "status": DONE,
        "attempts": attempts,
        "next_attempt_at": now,
        "finished_at": now,
        "last_error": outcome.error,
    }
    if outcome.kind == "broken" or (
        outcome.kind == "failed" and retry.exhausted(attempts, settings.retry_max_attempts)
    ):
        row["status"] = DEAD
        log.error(
            "delivery %s (%s → %s, %s) is dead after %d attempt(s): %s",
            outcome.delivery.id,
            outcome.delivery.hook,
            outcome.delivery.plugin,
            outcome.delivery.subject,
            attempts,
            outcome.error,
        )
    elif outcome.kind == "failed":
        delay = retry.backoff(
            attempts, base=settings.retry_base_delay, cap=settings.retry_max_delay
        )
        row.update(status=RETRYING, finished_at=None, next_attempt_at=now + delay)
    return row


async def write_results(runtime: Runtime, outcomes: list[CallOutcome]) -> None:
    """Record outcomes (one executemany UPDATE), only for rows this worker still holds."""
    if not outcomes:
        return
    now = runtime.clock.now()
    rows = [_row(runtime, o, now) for o in outcomes]
    statement = (
        sa.update(DELIVERY)
        .where(
            DELIVERY.c.id == sa.bindparam("b_id"),
            DELIVERY.c.leased_by == WORKER_ID,
            sa.or_(*(DELIVERY.c.status == state for state in OPEN_STATES)),  # no IN: executemany
        )
        .values(
            status=sa.bindparam("status"),
            attempts=sa.bindparam("attempts"),
            next_attempt_at=sa.bindparam("next_attempt_at"),
            finished_at=sa.bindparam("finished_at"),
            last_error=sa.bindparam("last_error"),
            lease_until=None,
        )
    )
    async with runtime.db.session() as session:
        await session.execute(statement, rows)
    for outcome, row in zip(outcomes, rows, strict=True):
        runtime.metrics.deliveries.labels(outcome.delivery.plugin, row["status"]).inc()


async def _renew(runtime: Runtime, held: dict[int, asyncio.Task[CallOutcome]]) -> None:
    """Keep the leases of running calls alive (a slow plugin must not lose its claim)."""
    period = max(0.05, runtime.settings.worker_lease / 3)
    while True:
        await asyncio.sleep(period)
        if not held:
            continue
        until = runtime.clock.now() + dt.timedelta(seconds=runtime.settings.worker_lease)
        try:
            async with runtime.db.session() as session:
                await session.execute(
                    sa.update(DELIVERY)
                    .where(DELIVERY.c.id.in_(list(held)), DELIVERY.c.leased_by == WORKER_ID)
                    .values(lease_until=until)
                )
        except Exception:
            log.exception("could not renew delivery leases")


async def dispatch(runtime: Runtime) -> int:
    """The worker step: deliver what is due; how many deliveries were handled."""
    settings = runtime.settings
    batch = settings.worker_batch
    gate = asyncio.Semaphore(settings.worker_concurrency)

    async def guarded(delivery: ClaimedDelivery) -> CallOutcome:
        async with gate:
            return await deliver(runtime, delivery)

    held: dict[int, asyncio.Task[CallOutcome]] = {}
    finished: list[CallOutcome] = []
    handled = 0
    more = True
    deadline = time.monotonic() + STEP_SECONDS
    last_flush = time.monotonic()
    renewer = asyncio.create_task(_renew(runtime, held))
    try:
        while True:
            if more and len(held) <= batch // 2 and time.monotonic() < deadline:
                await write_results(runtime, finished)
                handled, finished = handled + len(finished), []
                claimed = await claim(runtime, batch - len(held))
                more = bool(claimed)
                for delivery in claimed:
                    held[delivery.id] = asyncio.create_task(guarded(delivery))
            if not held:
                break
            done, _ = await asyncio.wait(
                held.values(), timeout=FLUSH_SECONDS, return_when=asyncio.FIRST_COMPLETED
            )
            for task in done:
                outcome = task.result()
                del held[outcome.delivery.id]
                finished.append(outcome)
            if finished and (
                not held
                or len(finished) >= batch // 2
                or time.monotonic() - last_flush >= FLUSH_SECONDS
            ):
                await write_results(runtime, finished)
                handled, finished = handled + len(finished), []
                last_flush = time.monotonic()
                more = True  # a finished delivery may unblock the next of its subject
        await write_results(runtime, finished)
        return handled + len(finished)
    finally:
        renewer.cancel()
        for task in held.values():
            task.cancel()
