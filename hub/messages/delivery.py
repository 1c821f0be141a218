"""The delivery worker step: claim due messages, send each through its provider, record.

For each claimed message, in order:

1. the stop list and the patient's opt-out are checked again (they may have changed
   since the message was queued) → ``failed`` with the reason;
2. inside the clinic's quiet hours → back to ``queued`` until the window ends;
3. the route (:mod:`hub.messages.routing`) gives the providers to try; those the
   message already fell back from are skipped → none left: ``failed``;
4. the provider account's rate limit: a short wait, or back to ``queued`` for later;
5. ``send_message`` is called with ``ctx.idempotency_key == message.idempotency_key``;
6. the answer decides::

       accepted                     → sent (provider id, cost, raw answer redacted)
       transient, exception, timeout→ queued again after back-off with jitter; after
                                      HUB_RETRY_MAX_ATTEMPTS with this provider → 7.
       permanent, provider_side     → 7.
       permanent                    → failed (the provider's code and text)
       None (not my channel)        → 7.
   7. fallback: queued at once for the next provider; none left → failed.

Every attempt and every status change is a line of the message's ``history``.
Results are written in batches (``hub.messages.claim.write``), and a batch that runs
long keeps its lease alive, so another worker never takes over messages still in
flight here.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import json
import logging
import socket
import time
import uuid
from dataclasses import dataclass
from typing import Any

from hub.messages import cards, communication, policy, routing
from hub.messages.claim import Claimed, claim, extend, write
from hub.messages.quiet import first_allowed, quiet_until
from hub.messages.queue import entry
from hub.messages.ratelimit import Buckets
from hub.messages.retry import backoff
from hub.plugin_settings import SettingsInvalid
from hub.plugins import PluginCallError
from hub.runtime import ClinicNotFound, ClinicSnapshot, PluginNotEnabled, Runtime
from hub.schemas.clinics import ClinicOptions
from hub.types import DeliveryResult, OutgoingMessage

log = logging.getLogger("hub.messages.delivery")

WORKER_ID = f"{socket.gethostname()}-{uuid.uuid4().hex[:8]}"


def to_json(value: Any) -> Any:
    """A provider's answer as plain JSON (Decimals and dates become strings)."""
    if value is None:
        return None
    return json.loads(json.dumps(value, ensure_ascii=False, default=str))


def provider_attempts(history: list[dict[str, Any]], provider: str) -> int:
    return sum(
        1 for line in history
        if line.get("provider") == provider and line.get("event") in ("attempt", "lease_expired")
    )


def fallen_back(history: list[dict[str, Any]]) -> set[str]:
    return {str(line["provider"]) for line in history if line.get("event") == "fallback"}


@dataclass
class ClinicView:
    snapshot: ClinicSnapshot
    options: ClinicOptions
    stop_listed: set[str]
    opted_out: set[str]


class DeliveryStep:
    """``hub.worker`` step ``messages``; one per worker, holding its rate-limit buckets."""

    name = "messages"

    def __init__(self) -> None:
        self.buckets = Buckets()
        self._batches = itertools.count(1)

    async def __call__(self, runtime: Runtime) -> int:
        settings = runtime.settings
        token = f"{WORKER_ID}:{next(self._batches)}"
        lease = dt.timedelta(seconds=settings.worker_lease)
        async with runtime.db.session() as session:
            claimed = await claim(
                session, now=runtime.clock.now(), token=token, lease=lease,
                limit=settings.worker_batch,
            )
        if not claimed:
            return 0
        await Batch(runtime, self.buckets, claimed, token).run()
        return len(claimed)


class Batch:
    """One claimed batch on its way through the providers."""

    def __init__(self, runtime: Runtime, buckets: Buckets, claimed: list[Claimed], token: str) -> None:
        self.runtime = runtime
        self.buckets = buckets
        self.claimed = claimed
        self.token = token
        self.settings = runtime.settings
        self.pending = {c["id"] for c in claimed}
        self.results: list[tuple[Claimed, dict[str, Any]]] = []
        self.flush_every = max(1, self.settings.worker_concurrency)
        self.write_lock = asyncio.Lock()
        self.clinics: dict[str, ClinicView | None] = {}
        self.max_wait = self.settings.worker_lease / 4

    async def run(self) -> None:
        await self._load_clinics()
        heartbeat = asyncio.create_task(self._heartbeat())
        semaphore = asyncio.Semaphore(self.flush_every)

        async def one(message: Claimed) -> None:
            async with semaphore:
                try:
                    values = await self.handle(message)
                except Exception:  # a bug here must not leave the rest of the batch unsent
                    log.exception("delivery of message %s failed", message["id"])
                    values = self.requeue(
                        message, self.runtime.clock.now() + dt.timedelta(seconds=60),
                        "error", "internal error in the delivery worker; retrying",
                    )
                await self.add(message, values)

        try:
            await asyncio.gather(*(one(m) for m in self.claimed))
            await self.flush()
        finally:
            heartbeat.cancel()

    async def _load_clinics(self) -> None:
        by_clinic: dict[str, list[Claimed]] = {}
        for message in self.claimed:
            by_clinic.setdefault(message["clinic_id"], []).append(message)
        async with self.runtime.db.session() as session:
            for clinic_id, messages in by_clinic.items():
                try:
                    snapshot = await self.runtime.snapshot(clinic_id)
                except ClinicNotFound:
                    self.clinics[clinic_id] = None
                    continue
                addresses = {m["address"] for m in messages}
                patients = {m["patient_id"] for m in messages if m["patient_id"] and not m["essential"]}
                self.clinics[clinic_id] = ClinicView(
                    snapshot=snapshot,
                    options=ClinicOptions.model_validate(snapshot.options),
                    stop_listed=await policy.stop_listed_many(session, clinic_id, addresses),
                    opted_out=await cards.opted_out_many(session, clinic_id, patients),
                )

    async def _heartbeat(self) -> None:
        every = self.settings.worker_lease / 3
        while True:
            await asyncio.sleep(every)
            until = self.runtime.clock.now() + dt.timedelta(seconds=self.settings.worker_lease)
            async with self.runtime.db.session() as session:
                await extend(session, ids=list(self.pending), token=self.token, until=until)

    async def add(self, message: Claimed, values: dict[str, Any]) -> None:
        self.results.append((message, values))
        if len(self.results) >= self.flush_every:
            await self.flush()

    async def flush(self) -> None:
        async with self.write_lock:
            results, self.results = self.results, []
            if not results:
                return
            async with self.runtime.db.session() as session:
                await write(session, results)
                marks = self._communication(results)
                if marks:
                    await communication.mark_sent(session, marks, now=self.runtime.clock.now())
            for message, _ in results:
                self.pending.discard(message["id"])

    def _communication(self, results: list[tuple[Claimed, dict[str, Any]]]) -> list[communication.Sent]:
        marks = []
        for message, values in results:
            view = self.clinics.get(message["clinic_id"])
            if values["status"] != "sent" or not message["appointment_id"] or view is None:
                continue
            status = message["communication_status"] or view.options.communication_status
            if status:
                marks.append(communication.Sent(
                    message["clinic_id"], message["appointment_id"], message["id"], status
                ))
        return marks

    # --- one message --------------------------------------------------------------

    def requeue(self, message: Claimed, due: dt.datetime, event: str, text: str) -> dict[str, Any]:
        now = self.runtime.clock.now()
        return {
            "status": "queued", "next_attempt_at": due, "lease_owner": None, "lease_until": None,
            "history": [*message["history"], entry(now, event, "queued", due=due.isoformat(), text=text)],
        }

    def fail(self, message: Claimed, code: str, text: str, *, event: str = "refused") -> dict[str, Any]:
        now = self.runtime.clock.now()
        self.runtime.metrics.messages.labels(message["provider"] or "-", "failed").inc()
        return {
            "status": "failed", "next_attempt_at": now, "lease_owner": None, "lease_until": None,
            "error_code": code, "error_text": text,
            "history": [*message["history"], entry(now, event, "failed", code=code, text=text)],
        }

    async def handle(self, message: Claimed) -> dict[str, Any]:
        view = self.clinics.get(message["clinic_id"])
        if view is None:
            return self.fail(message, "no_clinic", "the clinic no longer exists")
        now = self.runtime.clock.now()
        if message["address"] in view.stop_listed:
            return self.fail(message, "stop_list", f"{message['address']} is on the clinic's stop list")
        if message["patient_id"] in view.opted_out:
            return self.fail(
                message, "opt_out", f"patient {message['patient_id']} opted out of informational messages"
            )
        info = view.snapshot.info
        until = quiet_until(now, info.tz, view.options.quiet_hours)
        if until is not None:
            return self.requeue(message, until, "quiet_hours", "quiet hours in the clinic: waiting until morning")
        route = routing.route(self.runtime, view.snapshot, view.options, message["channel"])
        done = fallen_back(message["history"])
        candidates = [p for p in route.providers if p not in done]
        if not candidates:
            if done:
                return self.fail(
                    message, message["error_code"] or "all_providers_failed",
                    f"every provider failed (tried {', '.join(sorted(done))}); last error: "
                    f"{message['error_text'] or 'none recorded'}", event="failed",
                )
            return self.fail(message, "no_provider", route.explain(message["channel"]), event="failed")
        provider = candidates[0]
        key = f"{message['clinic_id']}:message:{message['id']}"
        try:
            ctx = await self.runtime.context(message["clinic_id"], provider, idempotency_key=key)
        except (PluginNotEnabled, SettingsInvalid) as exc:
            result = DeliveryResult.permanent("provider_unavailable", str(exc), provider_side=True)
            return self.outcome(message, view, provider, candidates, result)
        wait, bucket = self.buckets.reserve(provider, ctx.settings)
        if wait > self.max_wait:
            self.buckets.refund(bucket)
            due = now + dt.timedelta(seconds=wait)
            return self.requeue(message, due, "rate_limited", f"{provider}'s rate limit: waiting {wait:.0f} s")
        if wait > 0:
            await asyncio.sleep(wait)
        outgoing = OutgoingMessage(
            id=message["id"], clinic_id=message["clinic_id"], kind=message["kind"],
            channel=message["channel"], address=message["address"], text=message["text"],
            recipient_name=message["recipient_name"], patient_id=message["patient_id"],
            appointment_id=message["appointment_id"], attempt=message["attempts"] + 1,
            idempotency_key=key,
        )
        started = time.perf_counter()
        try:
            result = await self.runtime.host.call_strict(provider, "send_message", ctx, message=outgoing)
        except PluginCallError as exc:
            result = DeliveryResult.transient("plugin_error", exc.error)
        if result is None:
            result = DeliveryResult.permanent(
                "not_handled", f"{provider} did not take the {message['channel']} message",
                provider_side=True,
            )
        elif not isinstance(result, DeliveryResult):
            result = DeliveryResult.permanent(
                "bad_result", f"{provider}.send_message returned {type(result).__name__}, "
                "not a DeliveryResult", provider_side=True,
            )
        log.debug("message %s via %s: %s in %.3f s", message["id"], provider, result.outcome,
                  time.perf_counter() - started)
        return self.outcome(message, view, provider, candidates, result)

    def outcome(
        self, message: Claimed, view: ClinicView, provider: str, candidates: list[str],
        result: DeliveryResult,
    ) -> dict[str, Any]:
        """The message's new values after ``provider`` answered ``result``."""
        runtime = self.runtime
        now = runtime.clock.now()
        redactor = runtime.redactor
        text = redactor.redact(result.error_text) if result.error_text else None
        raw = redactor.redact_json(to_json(result.raw))
        attempts = message["attempts"] + 1
        values: dict[str, Any] = {
            "attempts": attempts, "provider": provider, "raw": raw,
            "lease_owner": None, "lease_until": None,
        }
        line = dict(provider=provider, attempt=attempts, outcome=result.outcome,
                    code=result.error_code, text=text)
        history = list(message["history"])
        metrics = runtime.metrics.messages
        if result.outcome == "accepted":
            metrics.labels(provider, "sent").inc()
            history.append(entry(now, "attempt", "sent", provider_message_id=result.provider_message_id,
                                 cost=str(result.cost) if result.cost is not None else None, **line))
            return {**values, "status": "sent", "sent_at": now, "next_attempt_at": now,
                    "provider_message_id": result.provider_message_id, "cost": result.cost,
                    "error_code": None, "error_text": None, "history": history}
        values.update(error_code=result.error_code, error_text=text)
        if result.outcome == "transient":
            tries = provider_attempts(history, provider) + 1
            if tries < self.settings.retry_max_attempts:
                metrics.labels(provider, "retry").inc()
                delay = backoff(tries, base=self.settings.retry_base_delay, cap=self.settings.retry_max_delay)
                due = first_allowed(now + delay, view.snapshot.info.tz, view.options.quiet_hours)
                history.append(entry(now, "attempt", "queued", retry_at=due.isoformat(), **line))
                return {**values, "status": "queued", "next_attempt_at": due, "history": history}
            reason = f"{provider} still failing after {tries} attempts"
        elif result.provider_side:
            reason = f"{provider} cannot send for this account"
        else:
            metrics.labels(provider, "failed").inc()
            history.append(entry(now, "attempt", "failed", **line))
            return {**values, "status": "failed", "next_attempt_at": now, "history": history}
        remaining = candidates[1:]
        if remaining:
            metrics.labels(provider, "fallback").inc()
            history.append(entry(now, "attempt", "queued", **line))
            history.append(entry(now, "fallback", "queued", provider=provider, next=remaining[0],
                                 text=f"{reason}; trying {remaining[0]}"))
            return {**values, "status": "queued", "next_attempt_at": now, "history": history}
        metrics.labels(provider, "failed").inc()
        history.append(entry(now, "attempt", "failed", **line))
        history.append(entry(now, "fallback", "failed", provider=provider,
                             text=f"{reason}; no other provider is configured for {message['channel']}"))
        return {**values, "status": "failed", "next_attempt_at": now, "history": history}
