"""The delivery-status callback sms.ru posts to: ``POST /plugins/smsru/callback/{clinic}/{secret}``.

sms.ru POSTs a form with ``data[0]``, ``data[1]``, ... and ``hash``.  Each ``data[i]``
is one record of ``\\n``-separated lines; the ones that matter are

    sms_status\\n<sms_id>\\n<status_code>\\n<unix time>

and ``hash`` is ``sha256_hex(api_id + data[0] + data[1] + ...)``.  The handler must
answer the body ``100``; anything else makes sms.ru think the handler is broken and
send again.  So:

    unknown clinic or wrong secret in the path   404, nothing read
    hash missing or wrong                        403, nothing changed
    a record of another type, malformed, or
    about an id the hub does not know           skipped, still ``100``
    final states (103, 110 / 104-108, 150)       reported to the hub -> journal
    the hub could not record a report            503, so sms.ru sends it again

The path carries the clinic (so the right account's ``api_id`` checks the hash) and a
per-clinic secret (so the address cannot be guessed, and a leaked address is fixed
by rotating the secret without touching the sms.ru key).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import PlainTextResponse
from hub_smsru.const import CALLBACK_ANSWER, RECORD_SMS_STATUS
from hub_smsru.delivery import report
from hub_smsru.settings import SmsruSettings

from hub import DeliveryReport, HookContext, PluginHubDep

_DATA_KEY = re.compile(r"^data\[(\d*)\]$")

router = APIRouter()


@dataclass(frozen=True)
class StatusRecord:
    """One ``sms_status`` record of a callback."""

    sms_id: str
    code: int
    at: dt.datetime | None


def callback_path(plugin: str, clinic_id: str, secret: str) -> str:
    """The path of a clinic's callback, below the hub's public URL (``plugin`` is the
    plugin's id, ``ctx.plugin``: the hub mounts its routes under ``/plugins/{plugin}``)."""
    return f"/plugins/{plugin}/callback/{quote(clinic_id, safe='')}/{quote(secret, safe='')}"


def callback_url(public_url: str, plugin: str, clinic_id: str, secret: str) -> str:
    return public_url.rstrip("/") + callback_path(plugin, clinic_id, secret)


def expected_hash(api_id: str, records: Iterable[str]) -> str:
    """sms.ru's signature: sha256 of the api_id followed by every record, in order."""
    digest = hashlib.sha256(api_id.encode())
    for record in records:
        digest.update(record.encode())
    return digest.hexdigest()


def form_records(items: Iterable[tuple[str, str]]) -> list[str]:
    """The ``data[i]`` values in index order (``data[]`` in the order sent)."""
    indexed: list[tuple[int, int, str]] = []
    for position, (key, value) in enumerate(items):
        match = _DATA_KEY.match(key)
        if match:
            index = int(match.group(1)) if match.group(1) else position
            indexed.append((index, position, value))
    return [value for _, _, value in sorted(indexed)]


def parse_record(record: str) -> StatusRecord | None:
    """A ``sms_status`` record, or ``None`` for other types and malformed records."""
    lines = [line.strip() for line in record.strip().splitlines()]
    if len(lines) < 3 or lines[0] != RECORD_SMS_STATUS or not lines[1]:
        return None
    try:
        code = int(lines[2])
    except ValueError:
        return None
    at = None
    if len(lines) > 3:
        try:
            at = dt.datetime.fromtimestamp(int(lines[3]), dt.UTC)
        except (ValueError, OverflowError, OSError):
            at = None
    return StatusRecord(sms_id=lines[1], code=code, at=at)


async def handle(ctx: HookContext[SmsruSettings], items: list[tuple[str, str]]) -> int:
    """Verify and apply one callback; returns how many reports the hub matched."""
    fields = dict(items)
    records = form_records(items)
    given = fields.get("hash", "").strip().lower()
    wanted = expected_hash(ctx.settings.api_id.get_secret_value(), records)
    if not given or not hmac.compare_digest(given, wanted):
        ctx.log.warning(
            "sms.ru callback rejected: the hash does not match (%d records)", len(records)
        )
        raise HTTPException(
            403,
            "The hash does not match: this callback is not from the "
            "sms.ru account configured for this clinic.",
        )
    reports: list[DeliveryReport] = []
    for record in records:
        parsed = parse_record(record)
        if parsed is None:
            continue
        delivery = report(parsed.sms_id, parsed.code, at=parsed.at)
        if delivery is not None:
            reports.append(delivery)
    matched = 0
    for delivery in reports:
        try:
            matched += bool(await ctx.report_delivery(delivery))
        except Exception:
            ctx.log.exception("could not record sms.ru status of %s", delivery.provider_message_id)
            raise HTTPException(
                503, "The hub could not record the status; send it again."
            ) from None
    if len(reports) > matched:
        ctx.log.info(
            "sms.ru callback: %d of %d reports are about messages the hub does not "
            "know or already closed",
            len(reports) - matched,
            len(reports),
        )
    return matched


@router.post("/callback/{clinic}/{secret}", response_class=PlainTextResponse)
async def sms_status_callback(
    clinic: str, secret: str, request: Request, hub: PluginHubDep[SmsruSettings]
) -> PlainTextResponse:
    """Delivery statuses from sms.ru; answers ``100`` as sms.ru requires."""
    ctx = await hub.context(clinic)
    if not hmac.compare_digest(
        secret.encode(), ctx.settings.callback_secret.get_secret_value().encode()
    ):
        raise HTTPException(404, "Not Found")
    form = await request.form()
    items = [(key, value) for key, value in form.multi_items() if isinstance(value, str)]
    await handle(ctx, items)
    return PlainTextResponse(CALLBACK_ANSWER)
