"""Sending to a patient by contact priority: the first channel that can reach the patient,
the next one when it cannot.

``queue_to_patient`` walks the ordered ``channels`` (``sms``, ``voice``, ``messenger``
use the card's phones, ``email`` its e-mail address; :mod:`hub.messages.recipients`):
a channel without a usable address, or whose address is on the clinic's stop list, is
passed over with a ``channel_skipped`` line; the message is queued on the first usable
one and remembers the channels still to try in its ``fallback`` column.  ``ValueError``
(:class:`NoUsableChannel`) names each channel's reason when none is usable.

When that message fails for good — a permanent error of the recipient, every provider
of the channel failing, or a later ``failed`` delivery report — :func:`follow_up`
queues it on the next usable channel, in the same transaction as the failure is
recorded: the failed message gets a ``channel_fallback`` line naming the new one, and
the new one starts with the same line and any ``channel_skipped`` ones, so the journal
shows every attempt.  A follow-up's dedupe key is the failed message's key plus
``>channel``: recording the same failure twice queues one follow-up.  A patient's
opt-out ends the chain (it holds on every channel).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from hub.intake.snapshots import load_card
from hub.messages import policy, recipients
from hub.messages.queue import CHANNELS, entry, queue_message
from hub.types import Card

if TYPE_CHECKING:
    from hub.runtime import Runtime

__all__ = ["NoUsableChannel", "follow_up", "queue_to_patient"]

#: Failures after which the next channel is not tried.
FINAL_CODES = frozenset({"opt_out"})


class NoUsableChannel(ValueError):
    """No channel of the list can reach the patient; ``reasons`` by channel."""

    def __init__(self, patient_id: str, reasons: Mapping[str, str]) -> None:
        listed = "; ".join(f"{channel}: {why}" for channel, why in reasons.items())
        super().__init__(f"no channel can reach patient {patient_id!r} ({listed})")
        self.reasons = dict(reasons)


@dataclass(frozen=True)
class Choice:
    """The channel and address chosen, the channels after it, the lines of those passed."""

    channel: str | None
    address: str | None
    rest: tuple[str, ...]
    skipped: list[dict[str, Any]]
    reasons: dict[str, str]


async def _choose(
    session: AsyncSession,
    clinic_id: str,
    card: Card,
    channels: Sequence[str],
    region: str,
    now: dt.datetime,
) -> Choice:
    skipped: list[dict[str, Any]] = []
    reasons: dict[str, str] = {}
    for index, channel in enumerate(channels):
        found = recipients.for_card(card, channel, region)
        reason, detail = found.reason, found.detail
        if found.address is not None:
            if not await policy.stop_listed_many(session, clinic_id, {found.address}):
                return Choice(
                    channel, found.address, tuple(channels[index + 1 :]), skipped, reasons
                )
            reason, detail = "stop_list", f"{found.address} is on the clinic's stop list"
        reasons[channel] = f"{detail} ({reason})"
        skipped.append(
            entry(now, "channel_skipped", "queued", channel=channel, code=reason, text=detail)
        )
    return Choice(None, None, (), skipped, reasons)


def _check_channels(channels: Sequence[str]) -> None:
    if not channels:
        raise ValueError("channels: give at least one channel")
    for channel in channels:
        if channel not in CHANNELS:
            raise ValueError(f"unknown channel {channel!r}: use one of {', '.join(CHANNELS)}")
    if len(set(channels)) != len(channels):
        raise ValueError("channels: each channel at most once")


async def queue_to_patient(
    session: AsyncSession,
    runtime: Runtime,
    *,
    clinic_id: str,
    region: str,
    patient_id: str,
    kind: str,
    text: str,
    channels: Sequence[str],
    subject: str | None = None,
    html: str | None = None,
    appointment_id: str | None = None,
    essential: bool = False,
    dedupe_key: str | None = None,
) -> int | None:
    """Queue ``text`` to the patient on the first usable channel (see the module).

    :returns: the message id, or ``None`` if ``dedupe_key`` was already used.
    :raises ValueError: unknown channel or patient, or :class:`NoUsableChannel`.
    """
    _check_channels(channels)
    card = await load_card(session, clinic_id, patient_id)
    if card is None or card.deleted:
        raise ValueError(f"unknown patient {patient_id!r} (or the card was deleted)")
    choice = await _choose(session, clinic_id, card, channels, region, runtime.clock.now())
    if choice.channel is None or choice.address is None:
        raise NoUsableChannel(patient_id, choice.reasons)
    email = choice.channel == "email"
    message = await queue_message(
        session,
        runtime,
        clinic_id=clinic_id,
        kind=kind,
        channel=choice.channel,
        address=choice.address,
        text=text,
        recipient_name=card.full_name,
        patient_id=patient_id,
        appointment_id=appointment_id,
        dedupe_key=dedupe_key,
        essential=essential,
        subject=subject if email else None,
        html=html if email else None,
        fallback=_fallback(choice.rest, subject, html),
        history=choice.skipped,
    )
    return message.id if message is not None else None


def _fallback(rest: Sequence[str], subject: str | None, html: str | None) -> dict[str, Any] | None:
    if not rest:
        return None
    return {"channels": list(rest), "subject": subject, "html": html}


async def follow_up(
    session: AsyncSession,
    runtime: Runtime,
    failed: Mapping[str, Any],
    *,
    region: str,
    now: dt.datetime,
) -> dict[str, Any] | None:
    """Queue the failed message ``failed`` (its row's values) on its next usable channel.

    :returns: the ``channel_fallback`` line to add to the failed message's history
        (naming the new message, or saying no channel was left), or ``None`` when the
        message has no channels left to try.
    """
    fallback = failed.get("fallback") or {}
    channels = list(fallback.get("channels") or ())
    if not channels or failed.get("patient_id") is None:
        return None
    if failed.get("error_code") in FINAL_CODES:
        return None
    clinic_id = failed["clinic_id"]
    card = await load_card(session, clinic_id, failed["patient_id"])
    gone = card is None or card.deleted
    choice = (
        Choice(None, None, (), [], {})
        if gone
        else await _choose(session, clinic_id, card, channels, region, now)  # type: ignore[arg-type]
    )
    why = f"{failed['channel']} failed: {failed.get('error_text') or failed.get('error_code')}"
    if choice.channel is None or choice.address is None or card is None:
        left = "; ".join(f"{c}: {r}" for c, r in choice.reasons.items()) or "the card is gone"
        return entry(
            now,
            "channel_fallback",
            "failed",
            text=f"{why}; no other channel can reach the patient ({left})",
        )
    line = entry(
        now,
        "channel_fallback",
        "queued",
        channel=choice.channel,
        text=f"{why}; trying {choice.channel}",
        from_message=failed["id"],
    )
    email = choice.channel == "email"
    message = await queue_message(
        session,
        runtime,
        clinic_id=clinic_id,
        kind=failed["kind"],
        channel=choice.channel,
        address=choice.address,
        text=failed["text"],
        recipient_name=failed.get("recipient_name"),
        patient_id=failed["patient_id"],
        appointment_id=failed.get("appointment_id"),
        appointment_at=failed.get("appointment_at"),
        dedupe_key=f"{failed['dedupe_key']}>{choice.channel}"[:255],
        essential=bool(failed.get("essential")),
        communication_status=failed.get("communication_status"),
        subject=fallback.get("subject") if email else None,
        html=fallback.get("html") if email else None,
        fallback=_fallback(choice.rest, fallback.get("subject"), fallback.get("html")),
        history=[line, *choice.skipped],
    )
    return entry(
        now,
        "channel_fallback",
        "failed",
        channel=choice.channel,
        text=f"moved to {choice.channel}",
        message_id=message.id if message is not None else None,
    )
