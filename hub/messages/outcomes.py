"""What a message becomes after an attempt: the new values of its row.

Pure functions of the claimed row, the time and the provider's answer (no I/O), so
the rules read in one place::

    accepted                       → sent: provider id, cost, sent_at
    transient (exception, timeout) → queued after back-off (out of quiet hours), until
                                     HUB_RETRY_MAX_ATTEMPTS with this provider → fallback
    permanent, provider_side       → fallback
    permanent                      → failed with the provider's code and text
    fallback                       → queued at once for the next provider; none left →
                                     failed

Each function returns the columns to write (see ``hub.messages.claim.RESULT_COLUMNS``;
the rest keep the claimed row's values).  Two of them are carried as what the write
needs rather than as the column's value: ``lines``, the new lines of ``history`` (the
write appends them to the stored history in SQL, it does not rewrite it), and ``raw``,
the provider's answer as redacted JSON text (dumped and redacted once, not loaded
back to be dumped again by the write).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from hub.messages.claim import ClaimedMessage
from hub.messages.queue import entry
from hub.messages.quiet import first_allowed
from hub.metrics import Metrics
from hub.retry import backoff
from hub.schemas.clinics import QuietHours
from hub.security.redaction import Redactor
from hub.settings import HubSettings
from hub.types import DeliveryResult

Values = dict[str, Any]
_RELEASED: Values = {"lease_owner": None, "lease_until": None}


#: ``json.dumps(value, ensure_ascii=False, default=str)`` with one encoder for all calls.
_dump = json.JSONEncoder(ensure_ascii=False, default=str).encode


def redacted_json(value: Any, redactor: Redactor) -> str:
    """A provider's answer as JSON text with every secret redacted (``null`` for none).

    Dumped once and redacted as text.  Text a redaction left unparseable (a secret
    ending in a backslash, say) is kept as one JSON string, so the write never fails
    on it."""
    text = _dump(value)
    redacted = redactor.redact(text)
    if redacted is not text and redacted != text:
        try:
            json.loads(redacted)
        except ValueError:
            return _dump(redacted)
    return redacted


def provider_attempts(history: list[dict[str, Any]], provider: str) -> int:
    """Attempts made with ``provider`` so far (lost ones included)."""
    return sum(
        1
        for line in history
        if line.get("provider") == provider and line.get("event") in ("attempt", "lease_expired")
    )


def fallen_back(history: list[dict[str, Any]]) -> set[str]:
    """Providers this message already gave up on."""
    return {str(line["provider"]) for line in history if line.get("event") == "fallback"}


def requeue(
    message: ClaimedMessage, now: dt.datetime, due: dt.datetime, event: str, text: str
) -> Values:
    """Back to ``queued`` until ``due`` without an attempt (quiet hours, rate limit)."""
    line = entry(now, event, "queued", due=due.isoformat(), text=text)
    return {**_RELEASED, "status": "queued", "next_attempt_at": due, "lines": [line]}


def fail(
    message: ClaimedMessage, now: dt.datetime, code: str, text: str, *, event: str = "refused"
) -> Values:
    """``failed`` with ``code`` and ``text`` without asking a provider."""
    return {
        **_RELEASED,
        "status": "failed",
        "next_attempt_at": now,
        "error_code": code,
        "error_text": text,
        "lines": [entry(now, event, "failed", code=code, text=text)],
    }


@dataclass(frozen=True)
class Rules:
    """What :func:`outcome` needs besides the message and the answer."""

    settings: HubSettings
    redactor: Redactor
    metrics: Metrics
    tz: ZoneInfo
    quiet: QuietHours
    #: The ``messages`` counter's child per (provider, result), looked up once.
    counters: dict[tuple[str, str], Any] = field(default_factory=dict)

    def count(self, provider: str, result: str) -> None:
        counter = self.counters.get((provider, result))
        if counter is None:
            counter = self.counters[(provider, result)] = self.metrics.messages.labels(
                provider, result
            )
        counter.inc()


def outcome(
    message: ClaimedMessage,
    now: dt.datetime,
    provider: str,
    candidates: list[str],
    result: DeliveryResult,
    rules: Rules,
) -> Values:
    """The message's new values after ``provider`` (``candidates[0]``) answered ``result``."""
    text = rules.redactor.redact(result.error_text) if result.error_text else None
    attempts = message["attempts"] + 1
    values: Values = {
        **_RELEASED,
        "attempts": attempts,
        "provider": provider,
        "raw": redacted_json(result.raw, rules.redactor),
    }
    line = dict(
        provider=provider,
        attempt=attempts,
        outcome=result.outcome,
        code=result.error_code,
        text=text,
    )
    if result.outcome == "accepted":
        rules.count(provider, "sent")
        cost = str(result.cost) if result.cost is not None else None
        sent = entry(
            now,
            "attempt",
            "sent",
            provider_message_id=result.provider_message_id,
            cost=cost,
            **line,
        )
        return {
            **values,
            "status": "sent",
            "sent_at": now,
            "next_attempt_at": now,
            "provider_message_id": result.provider_message_id,
            "cost": result.cost,
            "error_code": None,
            "error_text": None,
            "lines": [sent],
        }
    values.update(error_code=result.error_code, error_text=text)
    settings = rules.settings
    if result.outcome == "transient":
        tries = provider_attempts(message["history"], provider) + 1
        if tries < settings.retry_max_attempts:
            rules.count(provider, "retry")
            delay = backoff(tries, base=settings.retry_base_delay, cap=settings.retry_max_delay)
            due = first_allowed(now + delay, rules.tz, rules.quiet)
            retry = entry(now, "attempt", "queued", retry_at=due.isoformat(), **line)
            return {**values, "status": "queued", "next_attempt_at": due, "lines": [retry]}
        reason = f"{provider} still failing after {tries} attempts"
    elif result.provider_side:
        reason = f"{provider} cannot send for this account"
    else:
        rules.count(provider, "failed")
        failed = entry(now, "attempt", "failed", **line)
        return {**values, "status": "failed", "next_attempt_at": now, "lines": [failed]}
    remaining = candidates[1:]
    if remaining:
        rules.count(provider, "fallback")
        lines = [
            entry(now, "attempt", "queued", **line),
            entry(
                now,
                "fallback",
                "queued",
                provider=provider,
                next=remaining[0],
                text=f"{reason}; trying {remaining[0]}",
            ),
        ]
        return {**values, "status": "queued", "next_attempt_at": now, "lines": lines}
    rules.count(provider, "failed")
    last = f"{reason}; no other provider is configured for {message['channel']}"
    lines = [
        entry(now, "attempt", "failed", **line),
        entry(now, "fallback", "failed", provider=provider, text=last),
    ]
    return {**values, "status": "failed", "next_attempt_at": now, "lines": lines}
