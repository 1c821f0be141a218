"""Delivery reports: what a provider learned after it accepted a message.

A provider's callback route or status-polling job calls ``ctx.report_delivery``; the
message of that plugin, clinic and provider id moves from ``sent`` to ``delivered``
(``delivered_at``) or ``failed`` (the provider's code and text), with a history line.
A report for a message already in that final state changes nothing (providers repeat
callbacks); a later report may still correct an earlier one (``failed`` after
``delivered`` is recorded as said).  A ``failed`` report on a message sent to a patient
by contact priority queues it on its next channel (:mod:`hub.messages.priority`).

``awaiting_report`` lists the provider ids a poller should ask about: this plugin's
messages of the clinic still ``sent`` after ``older_than``, least recently polled
first (each listed id is marked polled), so ids the provider never resolves do not
hide the others.  Only messages sent within :data:`POLL_HORIZON` are listed.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db.models import Message
from hub.messages import priority
from hub.messages.queue import entry
from hub.types import DeliveryReport

if TYPE_CHECKING:
    from hub.runtime import Runtime

POLL_HORIZON = dt.timedelta(days=3)
FINAL = ("delivered", "failed")


async def report_delivery(
    session: AsyncSession,
    *,
    clinic_id: str,
    plugin: str,
    report: DeliveryReport,
    now: dt.datetime,
    runtime: Runtime | None = None,
    region: str = "RU",
) -> bool:
    """Apply ``report``; ``True`` if the message was found.  With ``runtime``, a
    ``failed`` report moves a message with channels left to the next one."""
    message = (
        (
            await session.execute(
                sa.select(Message)
                .where(
                    Message.clinic_id == clinic_id,  # type: ignore[arg-type]
                    Message.provider == plugin,  # type: ignore[arg-type]
                    Message.provider_message_id == report.provider_message_id,  # type: ignore[arg-type]
                )
                .with_for_update()
            )
        )
        .scalars()
        .first()
    )
    if message is None:
        return False
    if message.status == report.status and message.status in FINAL:
        return True
    if message.status not in ("sent", *FINAL):
        return True  # not sent yet through this id (a stale report): nothing to move
    at = report.at or now
    message.status = report.status
    if report.status == "delivered":
        message.delivered_at = at
        message.error_code = message.error_text = None
    else:
        message.error_code = report.error_code or "undelivered"
        message.error_text = report.error_text or "the provider could not deliver the message"
    if report.cost is not None:
        message.cost = report.cost
    message.history = [
        *message.history,
        entry(
            now,
            "report",
            report.status,
            provider=plugin,
            reported_at=at.isoformat(),
            code=report.error_code,
            text=report.error_text,
            channel=report.channel,
        ),
    ]
    if report.status == "failed" and message.fallback and runtime is not None:
        columns = Message.__table__.columns  # type: ignore[attr-defined]
        row = {column.name: getattr(message, column.name) for column in columns}
        line = await priority.follow_up(session, runtime, row, region=region, now=now)
        if line is not None:
            message.history = [*message.history, line]
    return True


async def awaiting_report(
    session: AsyncSession,
    *,
    clinic_id: str,
    plugin: str,
    older_than: dt.timedelta,
    limit: int,
    now: dt.datetime,
) -> list[str]:
    """Provider ids still waiting for a delivery report (see the module docstring)."""
    t = Message.__table__  # type: ignore[attr-defined]
    rows = (
        await session.execute(
            sa.select(t.c.id, t.c.provider_message_id)
            .where(
                t.c.clinic_id == clinic_id,
                t.c.provider == plugin,
                t.c.status == "sent",
                t.c.provider_message_id.is_not(None),
                t.c.sent_at <= now - older_than,
                t.c.sent_at >= now - POLL_HORIZON,
            )
            .order_by(t.c.polled_at.is_not(None), t.c.polled_at, t.c.sent_at)
            .limit(limit)
        )
    ).all()
    if rows:
        await session.execute(
            sa.update(t).where(t.c.id.in_([r.id for r in rows])).values(polled_at=now)
        )
    return [str(r.provider_message_id) for r in rows]
