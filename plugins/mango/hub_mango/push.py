"""Pushing appointments to the voice robot's campaign.

    daily_push(ctx)          the job at ``export_time``: the appointments ``days_ahead``
                             days later, as КСАМУ's «Отправка сведений в Mango Office»
    send_to_robot(ctx, ...)  the action «Отправить голосовому роботу» for one appointment
    send(ctx, messages)      the ``send_messages`` hook: one ``tasks/push`` for a batch

The job and the action only *queue*: one ``voice`` message per appointment and day
(``dedupe_key`` = appointment + day), so a rerun, a manual push and a second worker
queue nothing twice, and each robot call is a journal entry.  The delivery worker
then hands the batch to :func:`send`, which issues each message its reference
(:mod:`hub_mango.references`), resolves the custom-field names to Mango's ids
(``custom-type/list``) and pushes all tasks in one request.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence

from hub_mango import references
from hub_mango.account import Ctx, client_for, failure
from hub_mango.client import MangoError, Task
from hub_mango.tasks import custom_fields, field_values, journal_text, missing_fields
from pydantic import BaseModel, Field

from hub import ActionError, Appointment, DeliveryResult, OutgoingMessage

KIND = "voice_confirmation"


def dedupe_key(appointment_id: str, day: dt.date) -> str:
    return f"push:{appointment_id}:{day.isoformat()}"


class SendToRobot(BaseModel):
    """Input of ``send_to_robot``."""

    appointment_id: str = Field(min_length=1, max_length=255)


async def _check_campaign(ctx: Ctx) -> int:
    """The campaign id, after making sure Mango will take tasks for it."""
    campaign_id = ctx.settings.campaign_id
    if campaign_id is None:
        raise ActionError(
            "campaign_id is not set: the robot has no campaign to call from", status=409
        )
    campaign = await client_for(ctx).campaign(campaign_id)
    if campaign is None:
        raise ActionError(
            f"Mango has no campaign {campaign_id}: check «ID кампании исходящего обзвона» "
            "(it may have been deleted)",
            status=409,
        )
    if campaign.finished:
        raise ActionError(
            f"Mango's campaign {campaign_id} «{campaign.name}» is finished and takes no tasks: "
            "create a new one (with «Не останавливать кампанию после обзвона всех клиентов») "
            "and set its id",
            status=409,
        )
    return campaign_id


async def _queue(ctx: Ctx, appointment: Appointment, day: dt.date) -> int | None | str:
    """Queue the robot call; its message id, ``None`` if already queued, or why not."""
    card = appointment.patient
    phones = card.phones if card else ()
    why = "no_phone"
    for phone in phones:
        try:
            return await ctx.queue_message(
                kind=KIND,
                channel="voice",
                address=phone,
                text=journal_text(appointment, ctx.clinic.tz),
                patient_id=appointment.patient_id,
                appointment_id=appointment.id,
                recipient_name=card.full_name if card else None,
                dedupe_key=dedupe_key(appointment.id, day),
            )
        except ValueError as exc:
            why = getattr(exc, "reason", None) or "invalid_phone"
    return why


async def push_day(ctx: Ctx, day: dt.date) -> str:
    """Queue the day's remindable appointments for the robot; the job-log summary."""
    log = ctx.log
    log.info("Начата отправка сведений в Mango Office (записи на %s).", day.isoformat())
    try:
        await _check_campaign(ctx)
    except MangoError as exc:
        raise RuntimeError(f"Mango could not be asked about the campaign: {exc.text}") from None
    except ActionError as exc:
        raise RuntimeError(exc.message) from None
    found = await ctx.remindable_appointments(day)
    log.info("Найдено записей: %d", len(found.eligible))
    queued, already, failed = 0, 0, Counter[str]()
    for appointment in found.eligible:
        outcome = await _queue(ctx, appointment, day)
        if outcome is None:
            already += 1
        elif isinstance(outcome, str):
            failed[outcome] += 1
        else:
            queued += 1
    skipped = Counter(s.reason for s in found.skipped) + failed
    log.info("Остановка отправки сведений в Mango Office: поставлено %d.", queued)
    parts = [
        f"Начата отправка сведений в Mango Office (записи на {day:%d.%m.%Y}).",
        f"Найдено записей: {len(found.eligible) + len(found.skipped)}.",
        f"Поставлено роботу: {queued}.",
    ]
    if already:
        parts.append(f"Уже отправлены раньше: {already}.")
    if skipped:
        parts.append(
            "Пропущено: " + ", ".join(f"{why} {n}" for why, n in sorted(skipped.items())) + "."
        )
    parts.append("Остановка отправки сведений в Mango Office.")
    return " ".join(parts)


async def daily_push(ctx: Ctx) -> str:
    """The job: the appointments ``days_ahead`` days after today, clinic time."""
    today = ctx.now().astimezone(ctx.clinic.tz).date()
    return await push_day(ctx, today + dt.timedelta(days=ctx.settings.days_ahead))


async def send_to_robot(ctx: Ctx, data: SendToRobot) -> dict[str, object]:
    """The action: push one appointment now (the same rules and dedupe as the job)."""
    appointment = await ctx.get_appointment(data.appointment_id)
    if appointment is None:
        raise ActionError(f"unknown appointment {data.appointment_id!r}", status=404)
    day = appointment.start.astimezone(ctx.clinic.tz).date()
    try:
        campaign_id = await _check_campaign(ctx)
    except MangoError as exc:
        status = 503 if exc.transient else 502
        raise ActionError(
            f"Mango could not be asked about the campaign: {exc.text}", status=status
        ) from None
    found = await ctx.remindable_appointments(day)
    reasons = [s.reason for s in found.skipped if s.appointment_id == appointment.id]
    if reasons:
        return {"pushed": False, "appointment_id": appointment.id, "reason": reasons[0]}
    if not any(a.id == appointment.id for a in found.eligible):
        return {"pushed": False, "appointment_id": appointment.id, "reason": "not_remindable"}
    outcome = await _queue(ctx, appointment, day)
    if outcome is None:
        return {"pushed": False, "appointment_id": appointment.id, "reason": "already_pushed"}
    if isinstance(outcome, str):
        return {"pushed": False, "appointment_id": appointment.id, "reason": outcome}
    return {
        "pushed": True,
        "appointment_id": appointment.id,
        "message_id": outcome,
        "campaign_id": campaign_id,
        "day": day.isoformat(),
    }


# --- the send_messages hook ---------------------------------------------------------------


async def send(ctx: Ctx, messages: Sequence[OutgoingMessage]) -> list[DeliveryResult]:
    """Push a batch of voice messages as tasks of the campaign, in one request."""
    settings = ctx.settings
    results: list[DeliveryResult | None] = [None] * len(messages)
    if settings.campaign_id is None:
        return [
            DeliveryResult.permanent(
                "no_campaign", "campaign_id is not set in the mango settings", provider_side=True
            )
        ] * len(messages)
    client = client_for(ctx)
    try:
        ids = await client.custom_fields()
    except MangoError as exc:
        return [failure(exc)] * len(messages)
    missing = missing_fields(settings.custom_fields, ids)
    if missing:
        text = (
            "the campaign's custom fields "
            + ", ".join(f"«{m}»" for m in missing)
            + " do not exist in Mango: create them in the contact centre or fix custom_fields"
        )
        return [DeliveryResult.permanent("custom_fields", text, provider_side=True)] * len(messages)
    tasks: list[tuple[int, Task, int]] = []
    for index, message in enumerate(messages):
        appointment = (
            await ctx.get_appointment(message.appointment_id) if message.appointment_id else None
        )
        if appointment is None:
            results[index] = DeliveryResult.permanent(
                "no_appointment", "Mango's robot calls only about an appointment the hub knows"
            )
            continue
        async with ctx.tables() as conn:
            token = await references.for_message(
                conn, ctx.clinic.id, appointment.id, message.id, ctx.now()
            )
        values = field_values(appointment, ctx.clinic.tz)
        task = Task(
            number=message.address,
            name=values["patient"] or (message.recipient_name or ""),
            comment=token,
            custom_fields=custom_fields(settings.custom_fields, ids, values),
        )
        tasks.append((index, task, message.id))
    for index, result in await _push(ctx, settings.campaign_id, tasks) if tasks else ():
        results[index] = result
    return [r if r is not None else DeliveryResult.transient(None, "not pushed") for r in results]


def provider_id(message_id: int) -> str:
    """The journal's provider id of a pushed task (never the reference itself, which is
    the status callback's only authority and stays out of the journal)."""
    return f"task:{message_id}"


async def _push(
    ctx: Ctx, campaign_id: int, tasks: list[tuple[int, Task, int]]
) -> list[tuple[int, DeliveryResult]]:
    """One ``tasks/push``; if Mango refuses the request for its content, each task alone,
    so one bad task does not fail the others."""
    client = client_for(ctx)
    try:
        answer = await client.push_tasks(campaign_id, [task for _, task, _ in tasks])
    except MangoError as exc:
        if exc.transient or exc.account or len(tasks) == 1 or exc.code in (3300, 4100):
            return [(index, failure(exc)) for index, _, _ in tasks]
        out: list[tuple[int, DeliveryResult]] = []
        for item in tasks:
            out.extend(await _push(ctx, campaign_id, [item]))
        return out
    raw = {"result": answer.get("result"), "campaign_id": campaign_id}
    return [(index, DeliveryResult.accepted(provider_id(mid), raw=raw)) for index, _, mid in tasks]
