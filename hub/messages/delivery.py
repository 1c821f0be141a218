"""The delivery worker step: claim due messages, send each through its provider, record.

For each claimed message, in order:

1. the stop list and the patient's opt-out are checked again (they may have changed
   since the message was queued) → ``failed`` with the reason;
2. inside the clinic's quiet hours → back to ``queued`` until the window ends;
3. the route (:mod:`hub.messages.routing`) gives the providers to try; those the
   message already fell back from are skipped → none left: ``failed``;
4. the provider account's rate limit: a short wait, or back to ``queued`` for later;
5. ``send_message`` is called with ``ctx.idempotency_key == message.idempotency_key``
   — or, for a provider implementing ``send_messages``, the messages of one clinic
   claimed together go in one call (up to :data:`BATCH_SIZE`), each with its own
   ``idempotency_key`` and its own result;
6. the answer decides::

       accepted                     → sent (provider id, cost, raw answer redacted)
       transient, exception, timeout→ queued again after back-off with jitter; after
                                      HUB_RETRY_MAX_ATTEMPTS with this provider → 7.
       permanent, provider_side     → 7.
       permanent                    → failed (the provider's code and text)
       None (not my channel)        → 7.
   7. fallback: queued at once for the next provider; none left → failed.
8. a message sent to a patient by contact priority that failed for good is queued on
   its next channel (:mod:`hub.messages.priority`), in the transaction that records
   the failure.

Every attempt and every status change is a line of the message's ``history``; the
rules of step 6 are :mod:`hub.messages.outcomes`.
A message holds one of ``HUB_WORKER_CONCURRENCY`` senders from before it is sent until
its result is committed (a batch holds one sender for all its messages); results finished
together are written together
(``hub.messages.claim.write``, a group commit), so a killed worker leaves at most that
many messages sent and unrecorded.  A run that goes long keeps its leases alive, so
another worker never takes over messages still in flight here.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import itertools
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hub.context import HookContext
from hub.messages import communication, outcomes, policy, priority, routing
from hub.messages.claim import ClaimedMessage, claim, extend, write
from hub.messages.outcomes import Values
from hub.messages.quiet import quiet_until
from hub.messages.ratelimit import Buckets
from hub.plugin_settings import SettingsInvalid
from hub.plugins import PluginCallError
from hub.process import WORKER_ID
from hub.runtime import ClinicNotFound, ClinicSnapshot, PluginNotEnabled, Runtime
from hub.schemas.clinics import ClinicOptions
from hub.settings import PluginSettings
from hub.types import DeliveryResult, OutgoingMessage

log = logging.getLogger("hub.messages.delivery")

#: Batches one call of the step may claim before giving the other steps a turn.
BATCHES_PER_RUN = 100
#: Messages per ``send_messages`` call at most.
BATCH_SIZE = 100
#: Seconds after which a run claims no more (its cached settings and routes are re-read
#: by the next run).
RUN_SECONDS = 2.0

Result = tuple[ClaimedMessage, Values]
#: What a sender runs: a coroutine function of the run and its argument.
Job = tuple[Callable[[Any], Awaitable[None]], Any]


@dataclass
class ClinicView:
    snapshot: ClinicSnapshot
    options: ClinicOptions


@dataclass(frozen=True)
class Prepared:
    """A message ready to go to ``provider`` (``candidates[0]``) once ``time.monotonic()``
    reaches ``ready_at`` (its rate-limit token).  ``ctx`` is the provider's context for
    the clinic, without an idempotency key (a batch call has none; a single send gets
    the message's)."""

    message: ClaimedMessage
    view: ClinicView
    provider: str
    candidates: list[str]
    ctx: HookContext[PluginSettings]
    outgoing: OutgoingMessage
    ready_at: float = 0.0


class DeliveryStep:
    """``hub.worker`` step ``messages``; one per worker, holding its rate-limit buckets."""

    name = "messages"

    def __init__(self) -> None:
        self.buckets = Buckets()
        self._runs = itertools.count(1)

    async def __call__(self, runtime: Runtime) -> int:
        token = f"{WORKER_ID}:{next(self._runs)}"
        return await Run(runtime, self.buckets, token).go()


class Run:
    """One call of the step: batches claimed one after another, sent as a stream.

    Each claimed batch is prepared in one pass (:meth:`prepare` per message: no task,
    no future) into jobs: a message sent alone, a call of ``send_messages`` (up to
    :data:`BATCH_SIZE` messages of a clinic and provider that implements it), or the
    results known without a send (refused, quiet hours, rate limit).  At most
    ``HUB_WORKER_CONCURRENCY`` senders (tasks made as jobs wait for one, kept for the
    run) take the jobs in turn; a sender takes its next job only once the last one's
    results are written (committed), so at most that many calls are ever made and not
    yet recorded — what a worker killed at any moment can have sent without the
    database knowing (they are sent again after their lease).  No task per message: a
    job is a plain call on its sender.  Results are written as they come: whatever
    finished while the last write ran goes in the next one (a group commit; nothing
    waits for a timer).

    The next batch is claimed as soon as a sender has taken the previous one's last
    job, so the gateway never waits for a claim.  A run stops after
    :data:`BATCHES_PER_RUN` batches or :data:`RUN_SECONDS`, or when a claim comes back
    short (nothing more is due), so the worker's other steps get their turn.
    """

    def __init__(self, runtime: Runtime, buckets: Buckets, token: str) -> None:
        self.runtime = runtime
        self.buckets = buckets
        self.token = token
        self.settings = runtime.settings
        self.pending: set[int] = set()
        self.results: list[tuple[list[Result], asyncio.Future[None]]] = []
        self.concurrency = max(1, self.settings.worker_concurrency)
        self.jobs: asyncio.Queue[Job] = asyncio.Queue()
        self.senders: list[asyncio.Task[None]] = []
        self.idle = 0  # senders waiting for a job
        self.unfinished = 0  # jobs given and not yet done
        self.finished = asyncio.Event()
        self.write_lock = asyncio.Lock()
        self.ready = asyncio.Event()
        self.closing = False
        self.write_failures = 0
        self.clinics: dict[str, ClinicView | None] = {}
        self.contexts: dict[tuple[str, str], HookContext[PluginSettings]] = {}
        self.routes: dict[tuple[str, str], routing.Route] = {}
        self.rules: dict[str, outcomes.Rules] = {}
        self.declined: set[tuple[str, str]] = set()
        self.stop_listed: set[tuple[str, str]] = set()
        self.opted_out: set[tuple[str, str]] = set()
        self.max_wait = self.settings.worker_lease / 4

    @contextlib.asynccontextmanager
    async def _session(self) -> AsyncIterator[AsyncSession]:
        """A transaction; on SQLite, in turn with this process's other writers (the
        run's claims, writes and lease renewals, and intake's) rather than asleep in
        SQLite's busy handler (:meth:`hub.db.engine.Database.writers`)."""
        db = self.runtime.db
        async with db.writers(), db.session() as session:
            yield session

    async def go(self) -> int:
        queue: asyncio.Queue[list[ClaimedMessage] | None] = asyncio.Queue(maxsize=1)
        producer = asyncio.create_task(self._claim_into(queue))
        heartbeat = asyncio.create_task(self._heartbeat())
        writer = asyncio.create_task(self._writer())
        try:
            while (claimed := await queue.get()) is not None:
                queue.task_done()  # the producer may claim the next batch now
                await self._dispatch(claimed)
            while self.unfinished:
                self.finished.clear()
                await self.finished.wait()
            return await producer
        finally:
            producer.cancel()
            for sender in self.senders:
                sender.cancel()  # each waits for a job by now (or the run failed)
            await asyncio.gather(*self.senders, return_exceptions=True)
            self.closing = True
            self.ready.set()
            await writer
            heartbeat.cancel()

    async def _context(self, clinic_id: str, provider: str) -> HookContext[PluginSettings]:
        """The provider's context for the clinic, built once per run (not per message:
        a run is short, and the settings cache would otherwise be re-read mid-run)."""
        found = self.contexts.get((clinic_id, provider))
        if found is None:
            found = await self.runtime.context(clinic_id, provider)
            self.contexts[(clinic_id, provider)] = found
        return found

    async def _claim_into(self, queue: asyncio.Queue[list[ClaimedMessage] | None]) -> int:
        """Claim batches into ``queue``; the next claim runs once the previous batch
        has been taken from it (and is being dispatched), never while it still waits
        there.  So a worker holds at most two batches not yet sent (the one being
        dispatched, the one just claimed) plus its sends in flight and the results being
        written.  Ends the queue with ``None``."""
        settings = self.settings
        lease = dt.timedelta(seconds=settings.worker_lease)
        total = 0
        until = time.monotonic() + RUN_SECONDS
        try:
            for _ in range(BATCHES_PER_RUN):
                if self.write_failures or time.monotonic() > until:
                    break  # results cannot be recorded: claim nothing more this run
                async with self._session() as session:
                    claimed = await claim(
                        session,
                        now=self.runtime.clock.now(),
                        token=self.token,
                        lease=lease,
                        limit=settings.worker_batch,
                    )
                    stop, opted = await policy.blocked(session, [c.row for c in claimed])
                self.stop_listed |= stop
                self.opted_out |= opted
                if not claimed:
                    break
                total += len(claimed)
                self.pending.update(c["id"] for c in claimed)
                await self._load_clinics(claimed)
                await queue.put(claimed)
                await queue.join()  # taken: claiming ahead of it would only hold more
                if len(claimed) < settings.worker_batch:
                    break
        finally:
            await queue.put(None)
        return total

    async def _dispatch(self, claimed: list[ClaimedMessage]) -> None:
        """Prepare a claimed batch in one pass into jobs for the senders: one per call
        of ``send_messages`` (up to :data:`BATCH_SIZE` messages of a clinic and
        provider), one per message sent alone, one for the results known without a
        send.  Returns once a sender has taken the last of them, so claiming waits
        while every sender is busy."""
        settled: list[Result] = []
        groups: dict[tuple[str, str], list[Prepared]] = {}
        for message in claimed:
            try:
                prepared = await self.prepare(message)
            except Exception:  # a bug here must not leave the rest of the batch unsent
                prepared = self._internal_error(message)
            if not isinstance(prepared, Prepared):
                settled.append((message, prepared))
            elif self._batched(prepared):
                groups.setdefault((message["clinic_id"], prepared.provider), []).append(prepared)
            else:
                self._give(self._one, prepared)
        if settled:
            self._give(self._settle, settled)
        for group in groups.values():
            for start in range(0, len(group), BATCH_SIZE):
                self._give(self._batch, group[start : start + BATCH_SIZE])
        await self.jobs.join()  # every job taken (senders call task_done on taking one)

    def _give(self, run: Callable[[Any], Awaitable[None]], what: Any) -> None:
        """Queue a job for the senders, starting one more if every sender is busy and
        there are fewer than ``HUB_WORKER_CONCURRENCY``."""
        self.unfinished += 1
        self.jobs.put_nowait((run, what))
        if self.jobs.qsize() > self.idle and len(self.senders) < self.concurrency:
            self.senders.append(asyncio.create_task(self._sender()))

    async def _sender(self) -> None:
        """Run jobs one after another, each until its results are written."""
        jobs = self.jobs
        while True:
            self.idle += 1
            try:
                run, what = await jobs.get()
            finally:
                self.idle -= 1
            jobs.task_done()
            try:
                await run(what)
            except Exception:  # a job records its own failures; this is a bug
                log.exception("a delivery job failed")
            finally:
                self.unfinished -= 1
                if not self.unfinished:
                    self.finished.set()

    async def _settle(self, results: list[Result]) -> None:
        """Record results known without a send (a sender's job)."""
        await self.record(results)

    async def _one(self, prepared: Prepared) -> None:
        """Send and record one message (a sender's job: the sender is free again once
        the result is written)."""
        try:
            values = await self.send_one(prepared)
        except Exception:
            values = self._internal_error(prepared.message)
        await self.record([(prepared.message, values)])

    async def _batch(self, batch: list[Prepared]) -> None:
        """Send and record messages of one clinic and provider in one ``send_messages``
        call (a sender's job, until their results are written).  If the provider
        declines the batch, each becomes a job of its own through ``send_message``, and
        so does every later message of this clinic and provider in this run."""
        try:
            values = await self.send_batch(batch)
        except Exception:  # recorded as a retry, as for one message
            values = [self._internal_error(p.message) for p in batch]
        if values is not None:
            await self.record([(p.message, v) for p, v in zip(batch, values, strict=True)])
            return
        self.declined.add((batch[0].message["clinic_id"], batch[0].provider))
        for prepared in batch:
            self._give(self._one, prepared)

    def _internal_error(self, message: ClaimedMessage) -> Values:
        log.exception("delivery of message %s failed", message["id"])
        return self.requeue(
            message,
            self.runtime.clock.now() + dt.timedelta(seconds=60),
            "error",
            "internal error in the delivery worker; retrying",
        )

    def _batched(self, prepared: Prepared) -> bool:
        """Whether the message goes through ``send_messages`` (the provider has it and
        did not decline a batch of this clinic in this run)."""
        key = (prepared.message["clinic_id"], prepared.provider)
        return key not in self.declined and self.runtime.host.sends_batches(prepared.provider)

    async def _load_clinics(self, claimed: list[ClaimedMessage]) -> None:
        """The clinics of these messages (the runtime's cached snapshots)."""
        for clinic_id in {m["clinic_id"] for m in claimed} - set(self.clinics):
            try:
                snapshot = await self.runtime.snapshot(clinic_id)
            except ClinicNotFound:
                self.clinics[clinic_id] = None
                continue
            self.clinics[clinic_id] = ClinicView(
                snapshot=snapshot, options=ClinicOptions.model_validate(snapshot.options)
            )

    async def _heartbeat(self) -> None:
        """Keep the leases of held messages alive; a failed renewal is logged and tried
        again at the next beat (one failure must not end the renewals of the run)."""
        every = self.settings.worker_lease / 3
        while True:
            await asyncio.sleep(every)
            until = self.runtime.clock.now() + dt.timedelta(seconds=self.settings.worker_lease)
            try:
                async with self._session() as session:
                    await extend(session, ids=list(self.pending), token=self.token, until=until)
            except Exception:
                log.exception("could not renew the leases of %d messages", len(self.pending))

    async def record(self, results: list[Result]) -> None:
        """Hand ``results`` to the writer; return once they are written (or the write
        failed for good: then they are kept for the next write, and the run claims
        nothing more)."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.results.append((results, done))
        self.ready.set()
        await done

    async def _writer(self) -> None:
        """Write results as they come: whatever accumulated while the last write ran
        goes in the next one."""
        while True:
            await self.ready.wait()
            # one turn of the loop: the other sends that finished at the same moment
            # join this write instead of waiting for the next one
            await asyncio.sleep(0)
            self.ready.clear()
            await self.flush()
            if self.closing and not self.results:
                return

    async def flush(self) -> None:
        async with self.write_lock:
            waiting, self.results = self.results, []
            if not waiting:
                return
            results = [result for group, _ in waiting for result in group]
            try:
                for attempt in range(3):
                    try:
                        await self._write(results)
                        break
                    except Exception:
                        if attempt < 2:
                            await asyncio.sleep(0.5 * (attempt + 1))
                            continue
                        log.exception("could not record %d delivery results", len(results))
                        if not self.closing:
                            # keep them (and their leases, renewed by the heartbeat) for
                            # the next write; only a worker that stops gives them up, and
                            # then the leases expire and another claim sends them again
                            self.results = waiting + self.results
                            self.write_failures += 1
                        return
                for message, _ in results:
                    self.pending.discard(message["id"])
            finally:
                for _, done in waiting:
                    if not done.done():
                        done.set_result(None)

    async def _write(self, results: list[tuple[ClaimedMessage, dict[str, Any]]]) -> None:
        async with self._session() as session:
            results = await self._channel_fallbacks(session, results)
            await write(session, results)
            marks = self._communication(results)
            if marks:
                await communication.mark_sent(session, marks, now=self.runtime.clock.now())

    async def _channel_fallbacks(
        self, session: Any, results: list[tuple[ClaimedMessage, dict[str, Any]]]
    ) -> list[tuple[ClaimedMessage, dict[str, Any]]]:
        """Queue each failed message that has channels left on the next one (step 8);
        the results with that step in their history (new dicts: a write that fails is
        tried again from the same results, and its follow-ups were rolled back)."""
        now = self.runtime.clock.now()
        out = []
        for message, values in results:
            view = self.clinics.get(message["clinic_id"])
            if values["status"] == "failed" and message["fallback"] and view is not None:
                line = await priority.follow_up(
                    session,
                    self.runtime,
                    {**message.row, **values},
                    region=view.options.phone_region,
                    now=now,
                )
                if line is not None:
                    values = {**values, "lines": [*values["lines"], line]}
            out.append((message, values))
        return out

    def _communication(
        self, results: list[tuple[ClaimedMessage, dict[str, Any]]]
    ) -> list[communication.Sent]:
        marks = []
        for message, values in results:
            view = self.clinics.get(message["clinic_id"])
            if values["status"] != "sent" or not message["appointment_id"] or view is None:
                continue
            status = message["communication_status"] or view.options.communication_status
            if status:
                marks.append(
                    communication.Sent(
                        message["clinic_id"], message["appointment_id"], message["id"], status
                    )
                )
        return marks

    # --- one message --------------------------------------------------------------

    def requeue(self, message: ClaimedMessage, due: dt.datetime, event: str, text: str) -> Values:
        return outcomes.requeue(message, self.runtime.clock.now(), due, event, text)

    def fail(
        self, message: ClaimedMessage, code: str, text: str, *, event: str = "refused"
    ) -> Values:
        self.runtime.metrics.messages.labels(message["provider"] or "-", "failed").inc()
        return outcomes.fail(message, self.runtime.clock.now(), code, text, event=event)

    def outcome(
        self,
        message: ClaimedMessage,
        view: ClinicView,
        provider: str,
        candidates: list[str],
        result: DeliveryResult,
    ) -> Values:
        rules = self.rules.get(message["clinic_id"])
        if rules is None:
            rules = self.rules[message["clinic_id"]] = outcomes.Rules(
                settings=self.settings,
                redactor=self.runtime.redactor,
                metrics=self.runtime.metrics,
                tz=view.snapshot.info.tz,
                quiet=view.options.quiet_hours,
            )
        now = self.runtime.clock.now()
        return outcomes.outcome(message, now, provider, candidates, result, rules)

    async def handle(self, message: ClaimedMessage) -> dict[str, Any]:
        """Send one message through ``send_message`` (or return why it was not sent)."""
        prepared = await self.prepare(message)
        if not isinstance(prepared, Prepared):
            return prepared
        return await self.send_one(prepared)

    async def prepare(self, message: ClaimedMessage) -> Values | Prepared:
        """Steps 1-4: the new values if the message is not to be sent now, else what
        sending it needs (its rate-limit token taken: it goes at ``ready_at``)."""
        view = self.clinics.get(message["clinic_id"])
        if view is None:
            return self.fail(message, "no_clinic", "the clinic no longer exists")
        now = self.runtime.clock.now()
        if (message["clinic_id"], message["address"]) in self.stop_listed:
            return self.fail(
                message, "stop_list", f"{message['address']} is on the clinic's stop list"
            )
        if (
            not message["essential"]
            and (message["clinic_id"], message["patient_id"]) in self.opted_out
        ):
            return self.fail(
                message,
                "opt_out",
                f"patient {message['patient_id']} opted out of informational messages",
            )
        info = view.snapshot.info
        until = quiet_until(now, info.tz, view.options.quiet_hours)
        if until is not None:
            return self.requeue(
                message, until, "quiet_hours", "quiet hours in the clinic: waiting until morning"
            )
        route = self.routes.get((message["clinic_id"], message["channel"]))
        if route is None:
            route = routing.route(self.runtime, view.snapshot, view.options, message["channel"])
            self.routes[(message["clinic_id"], message["channel"])] = route
        done = outcomes.fallen_back(message["history"])
        candidates = [p for p in route.providers if p not in done]
        if not candidates:
            if done:
                return self.fail(
                    message,
                    message["error_code"] or "all_providers_failed",
                    f"every provider failed (tried {', '.join(sorted(done))}); last error: "
                    f"{message['error_text'] or 'none recorded'}",
                    event="failed",
                )
            return self.fail(
                message, "no_provider", route.explain(message["channel"]), event="failed"
            )
        provider = candidates[0]
        key = f"{message['clinic_id']}:message:{message['id']}"
        try:
            ctx = await self._context(message["clinic_id"], provider)
        except (PluginNotEnabled, SettingsInvalid) as exc:
            result = DeliveryResult.permanent("provider_unavailable", str(exc), provider_side=True)
            return self.outcome(message, view, provider, candidates, result)
        wait, bucket = self.buckets.reserve(provider, ctx.settings)
        if wait > self.max_wait:
            self.buckets.refund(bucket)
            due = now + dt.timedelta(seconds=wait)
            return self.requeue(
                message, due, "rate_limited", f"{provider}'s rate limit: waiting {wait:.0f} s"
            )
        outgoing = OutgoingMessage(
            id=message["id"],
            clinic_id=message["clinic_id"],
            kind=message["kind"],
            channel=message["channel"],
            address=message["address"],
            text=message["text"],
            subject=message["subject"],
            html=message["html"],
            recipient_name=message["recipient_name"],
            patient_id=message["patient_id"],
            appointment_id=message["appointment_id"],
            attempt=message["attempts"] + 1,
            idempotency_key=key,
        )
        ready_at = time.monotonic() + wait if wait > 0 else 0.0
        return Prepared(message, view, provider, candidates, ctx, outgoing, ready_at)

    async def send_one(self, p: Prepared) -> Values:
        """Steps 5-7 for one message through ``send_message``, once its rate-limit
        token is due."""
        await _until(p.ready_at)
        started = time.perf_counter()
        ctx = p.ctx.with_key(p.outgoing.idempotency_key)
        try:
            result = await self.runtime.host.send_message(p.provider, ctx, p.outgoing)
        except PluginCallError as exc:
            result = DeliveryResult.transient("plugin_error", exc.error)
        log.debug(
            "message %s via %s: %s in %.3f s",
            p.message["id"],
            p.provider,
            result.outcome,
            time.perf_counter() - started,
        )
        return self.outcome(p.message, p.view, p.provider, p.candidates, result)

    async def send_batch(self, batch: list[Prepared]) -> list[Values] | None:
        """Steps 5-7 for messages of one clinic and provider through ``send_messages``,
        once the last of their rate-limit tokens is due; ``None`` if the provider
        declines the batch."""
        first = batch[0]
        await _until(max(p.ready_at for p in batch))
        started = time.perf_counter()
        try:
            results = await self.runtime.host.send_messages(
                first.provider, first.ctx, tuple(p.outgoing for p in batch)
            )
        except PluginCallError as exc:
            results = [DeliveryResult.transient("plugin_error", exc.error)] * len(batch)
        if results is None:
            return None
        log.debug(
            "%d messages via %s.send_messages in %.3f s",
            len(batch),
            first.provider,
            time.perf_counter() - started,
        )
        return [
            self.outcome(p.message, p.view, p.provider, p.candidates, result)
            for p, result in zip(batch, results, strict=True)
        ]


async def _until(moment: float) -> None:
    """Sleep until ``time.monotonic()`` reaches ``moment`` (a rate-limit token)."""
    delay = moment - time.monotonic()
    if delay > 0:
        await asyncio.sleep(delay)
