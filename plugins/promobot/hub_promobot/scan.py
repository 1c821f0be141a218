"""The ``scan`` action: scan a document at the desk, check it, offer it to the card.

    POST /api/v1/clinics/{clinic}/plugins/promobot/actions/scan
    {"patient_id"?: "P-1", "document": "passport" | "snils" | "oms" | "auto"}

answers ``{"document", "fields": {<field>: {"value", "confidence"}}, "flagged": [{"field",
"reason"}]}`` and, with a ``patient_id``, also the ``patch`` published in the feed as
``card.document_recognised`` ``{patient_id, document, patch, flagged}``.  A failed scan
answers the status of :mod:`hub_promobot.explain` with what to do.

Personal data: what the scanner read goes to the caller and, for a known patient, to
the feed (pruned with the feed); it is never logged and never kept in plugin state.
"""

from __future__ import annotations

from typing import Any, Literal

from hub_promobot import explain, mapping
from hub_promobot.client import PromobotClient
from hub_promobot.const import AUTO, DOCUMENT_RECOGNISED, DocumentKind, scan_deadline
from hub_promobot.scanner import Scanner, ScannerError
from hub_promobot.settings import PromobotSettings
from pydantic import BaseModel, ConfigDict, Field

from hub import ActionError, Card, HookContext

Ctx = HookContext[PromobotSettings]


class ScanInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    patient_id: str | None = Field(
        None,
        min_length=1,
        max_length=100,
        description="The card the document is for; omit it for a new patient.",
    )
    document: Literal["passport", "snils", "oms", "auto"] = Field(
        description="What the person puts on the glass; auto: the scanner decides."
    )


def scanner_for(ctx: Ctx) -> Scanner:
    """The clinic's scanner: the one place that picks the protocol implementation."""
    return PromobotClient(ctx.http, ctx.settings.scanner_url)


async def scan(ctx: Ctx, data: ScanInput) -> dict[str, Any]:
    card = await _card(ctx, data.patient_id) if data.patient_id is not None else None
    kind = None if data.document == AUTO else DocumentKind(data.document)
    wait = scan_deadline(ctx.settings.timeout_seconds)
    try:
        recognised = await scanner_for(ctx).scan(kind, wait=wait)
    except ScannerError as error:
        ctx.log.info("scan failed: %s (%s)", error.failure, error.message)
        raise ActionError(
            explain.for_desk(error, ctx.settings.scanner_url, wait),
            status=explain.STATUS[error.failure],
        ) from None
    document = mapping.read(
        recognised, min_confidence=ctx.settings.min_confidence, today=ctx.now().date()
    )
    flagged = document.flagged()
    answer: dict[str, Any] = {
        "document": document.kind.value,
        "fields": document.answer_fields(),
        "flagged": flagged,
    }
    if card is not None:
        patch = mapping.patch(card, document)
        await ctx.publish(
            DOCUMENT_RECOGNISED,
            {
                "patient_id": card.id,
                "document": document.kind.value,
                "patch": patch,
                "flagged": flagged,
            },
        )
        answer.update(patient_id=card.id, patch=patch)
    ctx.log.info(
        "scan: %s recognised, %d of %d fields flagged%s",
        document.kind.value,
        len(flagged),
        len(document.fields),
        " (published for the card)" if card is not None else "",
    )
    return answer


async def _card(ctx: Ctx, patient_id: str) -> Card:
    card = await ctx.get_patient(patient_id)
    if card is None:
        raise ActionError(
            f"The hub has no card {patient_id!r}: send the card first "
            "(PUT /api/v1/clinics/{clinic}/patients/{id}), or scan without patient_id "
            "for a new patient.",
            status=404,
        )
    if card.deleted:
        raise ActionError(f"The card {patient_id!r} was deleted: restore it first.", status=409)
    return card
