"""The plugin's actions (``POST /api/v1/clinics/{clinic}/plugins/labs/actions/{name}``).

    create_order  {"appointment_id" | "patient_id", "services"?, "tests"?, "lab"?}
                  an order by hand, sent at once (a laboratory that is down gets it later)
    cancel_order  {"order_id"}   cancel it (at the laboratory while it has not started)
    label         {"order_id"}   the tube labels: ZPL, one ^XA…^XZ per tube
    results       {"order_id"}   the results PDF
    order         {"order_id"}   the order: state, tests, tubes, attempts, statuses, results
    charges       {"status"?}    charged services and what became of them (unmapped...)

Unknown orders answer 404, what cannot be done now 409, with a sentence saying why.
"""

from __future__ import annotations

import base64
import io
import zipfile
from typing import Annotated, Any, Literal

from hub_labs import const, ordering, store, zpl
from hub_labs.labs import Ctx, adapter
from hub_labs.model import LabError
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from hub import ActionError, FileAnswer

Id = Annotated[str, StringConstraints(min_length=1, max_length=100, strip_whitespace=True)]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CreateOrder(_Input):
    appointment_id: Id | None = Field(None, description="The visit (its patient and doctor).")
    patient_id: Id | None = Field(None, description="The patient, when there is no visit.")
    services: list[Id] = Field(
        default_factory=list, max_length=100, description="Services whose mapped tests to order."
    )
    tests: list[Id] = Field(
        default_factory=list,
        max_length=100,
        description="Tests to order: `<lab>:<code>` ids of lab_tests, or the laboratory's codes.",
    )
    lab: Id | None = Field(
        None, description="The laboratory (default: the doctor's, else default_lab)."
    )

    @model_validator(mode="after")
    def _who(self) -> CreateOrder:
        if (self.appointment_id is None) == (self.patient_id is None):
            raise ValueError("give appointment_id or patient_id (one of them)")
        return self


class OrderRef(_Input):
    order_id: Id = Field(description="The order's id (from labs.order_created or create_order).")


class ChargesQuery(_Input):
    status: Literal["ordered", "unmapped", "no_lab", "unknown_test"] | None = Field(
        None, description="Only charges with this outcome."
    )


def view(row: dict[str, Any]) -> dict[str, Any]:
    """The order as actions answer it (no patient data beyond ids)."""
    return {
        "order_id": row["order_id"],
        "lab": row["lab"],
        "appointment_id": row["appointment_id"],
        "patient_id": row["patient_id"],
        "source": row["source"],
        "state": row["state"],
        "lab_status": row["lab_status"],
        "lab_reason": row["lab_reason"],
        "attempts": row["attempts"],
        "last_error": row["last_error"],
        "lab_order_id": row["task_id"],
        "tests": [
            {k: t.get(k) for k in ("code", "display", "specimen", "barcode", "services")}
            for t in row["tests"]
        ],
        "barcodes": list(dict.fromkeys(t["barcode"] for t in row["tests"])),
        "results_status": row["results_status"],
        "results": row["results"] or [],
        "pdfs": len(row["pdfs"] or []),
        "created_at": row["created_at"].isoformat() if row["created_at"] else None,
        "sent_at": row["sent_at"].isoformat() if row["sent_at"] else None,
    }


async def _order(ctx: Ctx, order_id: str) -> dict[str, Any]:
    async with ctx.tables() as conn:
        row = await store.get_order(conn, ctx.clinic.id, order_id)
    if row is None:
        raise ActionError(f"no order {order_id!r} in this clinic", status=404)
    return row


async def create_order(ctx: Ctx, data: CreateOrder) -> dict[str, Any]:
    doctor_id = None
    services = list(data.services)
    if data.appointment_id is not None:
        appointment = await ctx.get_appointment(data.appointment_id)
        if appointment is None:
            raise ActionError(f"no appointment {data.appointment_id!r}", status=404)
        patient_id, doctor_id = appointment.patient_id, appointment.doctor_id
        if not services and not data.tests:
            services = [s.id for s in appointment.services]
    else:
        assert data.patient_id is not None
        patient_id = data.patient_id
        if await ctx.get_patient(patient_id) is None:
            raise ActionError(f"no patient {patient_id!r}", status=404)
    if not services and not data.tests:
        raise ActionError("nothing to order: give services or tests", status=422)
    try:
        row = await ordering.create(
            ctx,
            patient_id=patient_id,
            appointment_id=data.appointment_id,
            doctor_id=doctor_id,
            lab_id=data.lab,
            services=services,
            tests=data.tests,
        )
    except ordering.OrderProblem as problem:
        status = 409 if problem.status == const.CHARGE_NO_LAB else 422
        raise ActionError(str(problem), status=status) from None
    await ordering.send(ctx, row)
    return view(await _order(ctx, row["order_id"]))


async def cancel_order(ctx: Ctx, data: OrderRef) -> dict[str, Any]:
    row = await _order(ctx, data.order_id)
    if row["state"] in (const.STATE_CANCELLED, const.STATE_FAILED, const.STATE_DONE):
        raise ActionError(f"order {data.order_id} is {row['state']} already", status=409)
    lab = ctx.settings.lab(row["lab"])
    reached = row["state"] == const.STATE_SENT or row["attempts"] > 0
    lab_status = row["lab_status"]
    if reached and lab is not None:
        try:
            lab_status = (await adapter(ctx, lab).cancel(data.order_id)).status
        except LabError as exc:
            if exc.transient:
                raise ActionError(
                    f"laboratory {lab.id} is unavailable: {exc}", status=503
                ) from None
            if not (row["state"] == const.STATE_NEW and "does not know" in str(exc)):
                raise ActionError(f"laboratory {lab.id}: {exc}", status=409) from None
    async with ctx.tables() as conn:
        await store.update_order(
            conn,
            row["id"],
            state=const.STATE_CANCELLED,
            lab_status=lab_status,
            updated_at=ctx.now(),
        )
    await ctx.publish(
        f"{ctx.plugin}.{const.FEED_ORDER_STATUS}",
        {
            "order_id": row["order_id"],
            "appointment_id": row["appointment_id"],
            "patient_id": row["patient_id"],
            "lab": row["lab"],
            "status": const.TASK_CANCELLED,
            "reason": "cancelled by the clinic",
        },
    )
    return view(await _order(ctx, data.order_id))


async def label(ctx: Ctx, data: OrderRef) -> Any:
    row = await _order(ctx, data.order_id)
    card = await ctx.get_patient(row["patient_id"])
    if card is None:
        raise ActionError(f"patient {row['patient_id']} is unknown to the hub", status=409)
    tubes: dict[str, tuple[str, list[str]]] = {}
    for test in row["tests"]:
        tubes.setdefault(test["barcode"], (test.get("specimen", ""), []))[1].append(test["display"])
    settings = ctx.settings.label
    layout = zpl.Layout(
        dpi=settings.dpi,
        width_mm=settings.width_mm,
        height_mm=settings.height_mm,
        font=settings.font,
    )
    document = zpl.labels(
        [
            zpl.Label(barcode, card.full_name, card.birth_date, kind, tuple(tests))
            for barcode, (kind, tests) in tubes.items()
        ],
        layout,
    )
    return FileAnswer(content=document, media_type=const.ZPL, filename=f"{row['order_id']}.zpl")


async def results(ctx: Ctx, data: OrderRef) -> Any:
    row = await _order(ctx, data.order_id)
    pdfs = [base64.b64decode(p) for p in row["pdfs"] or []]
    if not pdfs:
        state = row["lab_status"] or row["state"]
        raise ActionError(f"order {data.order_id} has no results PDF yet ({state})", status=409)
    if len(pdfs) == 1:
        return FileAnswer(content=pdfs[0], media_type=const.PDF, filename=f"{row['order_id']}.pdf")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for n, pdf in enumerate(pdfs, 1):
            archive.writestr(f"{row['order_id']}-{n}.pdf", pdf)
    return FileAnswer(
        content=buffer.getvalue(), media_type="application/zip", filename=f"{row['order_id']}.zip"
    )


async def order(ctx: Ctx, data: OrderRef) -> dict[str, Any]:
    return view(await _order(ctx, data.order_id))


async def charges(ctx: Ctx, data: ChargesQuery) -> dict[str, Any]:
    async with ctx.tables() as conn:
        rows = await store.charges(conn, ctx.clinic.id, [data.status] if data.status else None)
    return {
        "items": [
            {
                "appointment_id": r["appointment_id"],
                "service_id": r["service_id"],
                "status": r["status"],
                "lab": r["lab"],
                "order_id": r["order_id"],
                "detail": r["detail"],
                "at": r["updated_at"].isoformat() if r["updated_at"] else None,
            }
            for r in rows
        ]
    }
