"""The status webhook: ``POST /plugins/fromni/status/{clinic}/{secret}``.

Fromni / Imobis POST a message's status to the ``report`` address the plugin gave
with the message: JSON ``{"id", "status", "channel", "error", "code", "price",
"parts", "custom_id"}`` (a list of such objects, or the same fields as a form, are
taken too).  Answers:

    404   unknown clinic, plugin not enabled there, or a wrong secret: nothing read
    422   a body that is neither a JSON object/list nor a form with an ``id``
    200   {"result": "success"} — taken; statuses about messages the hub does not know
          (or not final yet, or a cascade's messenger step before its SMS) change nothing
    503   the hub could not record it now: Fromni may send it again

The path carries the clinic (whose settings decide what a status means) and a
per-clinic secret, so the address cannot be guessed; a leaked one is fixed by
rotating ``webhook_secret``.  No credential arrives with the webhook: the secret in
the address is its only authority.
"""

from __future__ import annotations

import hmac
import json
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse
from hub_fromni.const import SUCCESS
from hub_fromni.delivery import report
from hub_fromni.settings import FromniSettings

from hub import DeliveryReport, HookContext, PluginHubDep

router = APIRouter()


def statuses(body: bytes, content_type: str) -> list[dict[str, Any]]:
    """The status objects of a webhook body; 422 if there are none to read."""
    text = body.decode("utf-8", errors="replace").strip().lstrip("\ufeff")
    data: Any
    if "x-www-form-urlencoded" in content_type:
        data = {k: v[-1] for k, v in parse_qs(text, keep_blank_values=True).items()}
    else:
        try:
            data = json.loads(text)
        except ValueError:
            raise HTTPException(422, "The body is not JSON.") from None
    items = data if isinstance(data, list) else [data]
    found = [item for item in items if isinstance(item, dict) and item.get("id")]
    if not found:
        raise HTTPException(422, "No status with an id in the body.")
    return found


async def apply(ctx: HookContext[FromniSettings], items: list[dict[str, Any]]) -> int:
    """Report the final statuses to the hub; returns how many messages it matched."""
    reports: list[DeliveryReport] = []
    for item in items:
        found = report(ctx.settings, item)
        if found is not None:
            reports.append(found)
    matched = 0
    for delivery in reports:
        try:
            matched += bool(await ctx.report_delivery(delivery))
        except Exception:
            ctx.log.exception("could not record Fromni status of %s", delivery.provider_message_id)
            raise HTTPException(
                503, "The hub could not record the status; send it again."
            ) from None
    if len(reports) > matched:
        ctx.log.info(
            "Fromni webhook: %d of %d statuses are about messages the hub does not know",
            len(reports) - matched,
            len(reports),
        )
    return matched


@router.post("/status/{clinic}/{secret}")
async def status_webhook(
    clinic: str, secret: str, request: Request, hub: PluginHubDep[FromniSettings]
) -> JSONResponse:
    """A message's status from Fromni / Imobis."""
    ctx = await hub.context(clinic)
    wanted = ctx.settings.webhook_secret.get_secret_value()
    if not hmac.compare_digest(secret.encode(), wanted.encode()):
        ctx.log.warning("Fromni webhook refused: wrong secret in the address")
        raise HTTPException(404, "Not Found")
    items = statuses(await request.body(), request.headers.get("content-type", ""))
    await apply(ctx, items)
    return JSONResponse({"result": SUCCESS})
