"""The robot's answer: ``POST /MangoOffice/UpdateStatus`` (the path clinics already
configure in Mango's contact centre, as in the КСАМУ seed).

The robot scenario's HTTP request carries ``{"id": {{Дополнительная информация}},
"status": 1|2}``: Mango substitutes the task's comment (the hub's reference) into the
template, so the body may be JSON with the id as a string or a number, JSON that is
not strict (the id unquoted), or a form.  Every spelling is read:

    status 1   feed appointment.confirmed              communication status «Запись подтверждена»
    status 2   feed appointment.cancelled_by_patient   communication status «Запись отменена»

both with ``source: "mango"``, ``on_patient_answered`` for the other plugins and the
journal entry of the robot call marked ``delivered``.  Answers:

    204   taken (also when it repeats an answer already taken: nothing happens twice)
    404   unknown reference (or the plugin is no longer enabled for its clinic)
    422   no id, or a status other than 1 and 2
    503   the hub could not record it now: Mango may send it again

The reference is the request's only authority (see :mod:`hub_mango.references`).
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, HTTPException, Request, Response
from hub_mango import references
from hub_mango.const import ANSWER_TEXT, STATUS_CANCELLED, STATUS_CONFIRMED
from hub_mango.push import provider_id
from hub_mango.settings import MangoSettings

from hub import DeliveryReport, HookContext, PluginHubDep, PluginRouter

PATH = "/MangoOffice/UpdateStatus"
CANCEL_REASON = "голосовой робот Mango"
_ID = re.compile(r"""["']?\bid["']?\s*[:=]\s*["']?([^"',}&\r\n]+?)["']?\s*(?:[,}&\r\n]|$)""")
_STATUS = re.compile(r"""["']?\bstatus["']?\s*[:=]\s*["']?([^"',}&\s]+)""")

router = APIRouter()

#: This plugin's access to the hub in its routes (contexts typed by its settings).
MangoHub = PluginHubDep[MangoSettings]


def parse(body: bytes, content_type: str) -> dict[str, Any]:
    """``id`` and ``status`` from any spelling of the body (missing ones left out)."""
    text = body.decode("utf-8", errors="replace").strip().lstrip("\ufeff")
    if "x-www-form-urlencoded" in content_type or (text and text[0] not in "{["):
        return {k: v[-1] for k, v in parse_qs(text, keep_blank_values=True).items()}
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, dict):
        return data
    out: dict[str, Any] = {}
    if match := _ID.search(text):
        out["id"] = match.group(1).strip()
    if match := _STATUS.search(text):
        out["status"] = match.group(1).strip()
    return out


def reference_of(value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def status_of(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        status = int(str(value).strip())
    except ValueError:
        return None
    return status if status in (STATUS_CONFIRMED, STATUS_CANCELLED) else None


@router.post(PATH, status_code=204, response_class=Response)
async def update_status(request: Request, hub: MangoHub) -> Response:
    """The robot's answer about an appointment."""
    data = parse(await request.body(), request.headers.get("content-type", ""))
    data = {**dict(request.query_params), **data}
    token = reference_of(data.get("id"))
    if token is None:
        raise HTTPException(422, "The body has no id: put {{Дополнительная информация}} in it.")
    status = status_of(data.get("status"))
    if status is None:
        raise HTTPException(
            422, f"status must be 1 (confirmed) or 2 (cancelled), got {data.get('status')!r}"
        )
    async with hub.tables() as conn:
        found = await references.find(conn, token)
    if found is None:
        raise HTTPException(404, "Unknown reference: no robot task of the hub carries it.")
    ctx = await hub.context(found.clinic_id)
    try:
        await apply(ctx, found, status)
    except Exception:
        ctx.log.exception("could not record the robot's answer about %s", found.appointment_id)
        raise HTTPException(503, "The hub could not record the answer; send it again.") from None
    return Response(status_code=204)


async def apply(ctx: HookContext[MangoSettings], found: references.Reference, status: int) -> None:
    """Record the answer; each step is idempotent, so a repeat changes nothing."""
    answer = "confirmed" if status == STATUS_CONFIRMED else "cancelled"
    reason = CANCEL_REASON if status == STATUS_CANCELLED else None
    try:
        taken = await ctx.report_answer(found.appointment_id, answer, reason)
    except ValueError as exc:  # the clinic deleted the appointment since
        ctx.log.warning("robot answer about %s not taken: %s", found.appointment_id, exc)
        return
    if found.message_id is not None:
        await ctx.report_delivery(
            DeliveryReport(provider_message_id=provider_id(found.message_id), status="delivered")
        )
    if taken:
        await ctx.set_communication_status(found.appointment_id, ANSWER_TEXT[status])
    async with ctx.tables() as conn:
        await references.record_answer(conn, found.token, status, ctx.now())


routes = PluginRouter(router, at_root=True, tags=("plugin: mango",))
