"""queue_message(): the one way a message enters the journal and outbox.

The caller's session is used for everything (the clinic's options included), so the
message is queued in the caller's transaction: an appointment saved and its message
queued commit together or not at all.

* The address is normalised for the channel (E.164 for phones; the clinic's
  ``phone_region`` reads local numbers) or :class:`InvalidAddress` is raised.
* An empty text raises :class:`EmptyText`.
* ``dedupe_key`` makes the message unique per clinic, enforced by the database
  (``INSERT ... ON CONFLICT DO NOTHING``): a second call with the same key returns
  ``None`` and queues nothing, even from another worker at the same instant.
* A number on the stop list, or an opted-out patient for a non-essential message, is
  still journaled, as ``failed`` with the reason (``stop_list``, ``opt_out``): a
  message asked for is never silently dropped.
* The first attempt is ``not_before`` (default: now), moved out of the clinic's quiet
  hours.
* ``appointment_at`` (shown in the journal) is read from the appointment when not
  given; ``communication_status`` is what the appointment shows once the message is
  sent (default: the clinic option of that name).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db.models import Clinic, Message
from hub.messages import policy
from hub.messages.addresses import InvalidAddress, normalize
from hub.messages.quiet import first_allowed
from hub.schemas.clinics import ClinicOptions

if TYPE_CHECKING:
    from hub.runtime import Runtime

__all__ = ["EmptyText", "InvalidAddress", "UnknownClinic", "entry", "queue_message", "search_key"]

CHANNELS = ("sms", "voice", "messenger", "email")
MAX_TEXT = 4000


class EmptyText(ValueError):
    """The text is empty (or only spaces)."""


class UnknownClinic(LookupError):
    """No clinic with that id."""


def search_key(name: str | None) -> str:
    """How names are compared in the journal's filter: case-folded, ё as е."""
    return " ".join((name or "").casefold().replace("ё", "е").split())[:255]


def entry(at: dt.datetime, event: str, status: str, **fields: Any) -> dict[str, Any]:
    """One line of a message's ``history``."""
    line: dict[str, Any] = {"at": at.isoformat(), "event": event, "status": status}
    line.update({k: v for k, v in fields.items() if v is not None})
    return line


def _insert(session: AsyncSession) -> Any:
    dialect = postgresql if session.bind.dialect.name == "postgresql" else sqlite
    return dialect.insert(Message)


async def queue_message(
    session: AsyncSession,
    runtime: Runtime,
    *,
    clinic_id: str,
    kind: str,
    channel: str,
    address: str,
    text: str,
    recipient_name: str | None = None,
    patient_id: str | None = None,
    appointment_id: str | None = None,
    dedupe_key: str | None = None,
    not_before: dt.datetime | None = None,
    essential: bool = False,
    mailing_id: int | None = None,
    appointment_at: dt.datetime | None = None,
    communication_status: str | None = None,
) -> Message | None:
    """Queue one message; ``None`` when ``dedupe_key`` was already used in the clinic."""
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}: use one of {', '.join(CHANNELS)}")
    if not text or not text.strip():
        raise EmptyText("the message text is empty")
    if len(text) > MAX_TEXT:
        raise ValueError(f"the message text is {len(text)} characters; at most {MAX_TEXT}")
    clinic = await session.get(Clinic, clinic_id)
    if clinic is None:
        raise UnknownClinic(f"unknown clinic {clinic_id!r}")
    options = ClinicOptions.model_validate(clinic.options)
    address = normalize(channel, address, options.phone_region)
    now = runtime.clock.now()
    if appointment_at is None and appointment_id is not None:
        from hub.messages import cards

        appointment_at = await cards.appointment_start(session, clinic_id, appointment_id)

    refused = await policy.refusal(
        session, clinic_id=clinic_id, address=address, patient_id=patient_id, essential=essential
    )
    values: dict[str, Any] = dict(
        clinic_id=clinic_id, kind=kind, channel=channel, address=address, text=text,
        recipient_name=recipient_name, recipient_search=search_key(recipient_name),
        patient_id=patient_id, appointment_id=appointment_id, appointment_at=appointment_at,
        mailing_id=mailing_id, essential=essential, dedupe_key=dedupe_key, created_at=now,
        communication_status=communication_status,
    )
    if refused is not None:
        values.update(
            status="failed", next_attempt_at=now, error_code=refused.code,
            error_text=refused.text,
            history=[entry(now, "refused", "failed", code=refused.code, text=refused.text)],
        )
    else:
        due = max(now, not_before) if not_before is not None else now
        due = first_allowed(due, clinic_tz(clinic), options.quiet_hours)
        values.update(
            status="queued", next_attempt_at=due,
            history=[entry(now, "queued", "queued", due=due.isoformat() if due != now else None)],
        )
    statement = (
        _insert(session).values(**values)
        .on_conflict_do_nothing(index_elements=["clinic_id", "dedupe_key"])
        .returning(Message)
    )
    return (await session.scalars(statement)).one_or_none()


def clinic_tz(clinic: Clinic) -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo(clinic.timezone)
