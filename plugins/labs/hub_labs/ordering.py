"""Charges become orders; orders go to their laboratory, once.

A charged service (``on_service_charged``) mapped to tests (mapping ``service_tests``)
joins the visit's order at the doctor's laboratory (mapping ``doctor_lab``, else
``default_lab``) that has not been sent yet, or starts one: several services charged
for one visit and laboratory make one order.  Tests done from the same tube type share a
tube (one barcode).  Every charge is recorded (:mod:`hub_labs.tables` ``labs_charge``):
ordered, unmapped, no laboratory, unknown test; a repeated charge event finds its row
and changes nothing.

The ``send_orders`` job sends orders whose ``order_delay_seconds`` have passed.  Before
each attempt the order is claimed (attempts + 1, a five-minute lease): from then on no
charge joins it, and a repeat after a lost answer is the same order (the laboratory
books it once, by the Task's identifier).  A laboratory that is down keeps its orders
waiting with growing pauses; a permanent refusal fails the order (feed
``labs.order_status`` ``failed`` with the laboratory's words).  Charges waiting for a
laboratory or a test are retried by the same job, which fails naming them, so the job
log says what to fix.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from hub_labs import const, store
from hub_labs.catalogue import test_id
from hub_labs.labs import Ctx, adapter
from hub_labs.model import LabError, LabOrder, OrderTest, Patient, Specimen
from hub_labs.settings import LabConfig
from hub_labs.tables import order as order_table

from hub import Appointment, Card

#: How long a claimed order is left alone by other senders while it is being sent.
SEND_LEASE = dt.timedelta(minutes=5)
#: The longest pause between attempts at a laboratory that is down.
MAX_PAUSE = dt.timedelta(minutes=30)
#: Charges waiting for a laboratory or a test are retried this long.
RETRY_CHARGES_FOR = dt.timedelta(days=7)


class OrderProblem(Exception):
    """Why tests cannot be ordered (no laboratory, unknown tests); ``status`` is the
    charge status to record."""

    def __init__(self, message: str, status: str) -> None:
        super().__init__(message)
        self.status = status


# --- which laboratory, which tests ---------------------------------------------------------


async def lab_for(ctx: Ctx, doctor_id: str | None, wanted: str | None = None) -> LabConfig:
    """The laboratory to order at: ``wanted``, else the doctor's, else ``default_lab``.

    :raises OrderProblem: if there is none.
    """
    settings = ctx.settings
    if wanted is not None:
        lab = settings.lab(wanted)
        if lab is None:
            ids = [lab.id for lab in settings.labs]
            raise OrderProblem(f"laboratory {wanted!r} is not one of labs: {ids}", "no_lab")
        return lab
    doctors_lab = ""
    if doctor_id:
        for lab_id in await ctx.mappings.external_ids(const.MAPPING_DOCTOR_LAB, doctor_id):
            if (lab := settings.lab(lab_id)) is not None:
                return lab
            doctors_lab = lab_id
    if settings.default_lab is not None:
        lab = settings.lab(settings.default_lab)
        assert lab is not None  # the settings model checks it
        return lab
    if doctors_lab:
        reason = f"doctor {doctor_id}'s laboratory {doctors_lab!r} is not one of labs"
    elif doctor_id:
        reason = f"doctor {doctor_id} has no «Лаборатория по умолчанию» (mapping doctor_lab)"
    else:
        reason = "the visit has no doctor"
    raise OrderProblem(f"{reason} and default_lab is not set", const.CHARGE_NO_LAB)


async def catalogue(ctx: Ctx) -> dict[str, dict[str, Any]]:
    """The ``lab_tests`` reference by id."""
    return {str(i["id"]): i for i in await ctx.reference(const.REFERENCE_LAB_TESTS)}


def pick_tests(
    lab: LabConfig, test_ids: Iterable[str], known: dict[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    """The tests of ``lab`` among ``test_ids`` (``<lab>:<code>``, or a bare code meaning
    this laboratory's), as order test entries (no barcode yet).

    :raises OrderProblem: if none is a known test of ``lab``.
    """
    picked: dict[str, dict[str, Any]] = {}
    unknown: list[str] = []
    elsewhere: list[str] = []
    for raw in test_ids:
        lab_id, _, code = raw.rpartition(":")
        if lab_id and lab_id != lab.id:
            elsewhere.append(raw)
            continue
        item = known.get(test_id(lab.id, code))
        if item is None:
            unknown.append(raw)
            continue
        picked.setdefault(
            code,
            {
                "code": code,
                "display": str(item.get("name") or code),
                "system": item.get("system"),
                "specimen": str(item.get("specimen") or ""),
            },
        )
    if not picked:
        if unknown:
            raise OrderProblem(
                f"tests {unknown} are not in the catalogue of laboratory {lab.id}: sync "
                "lab_tests or fix the service_tests mapping",
                const.CHARGE_UNKNOWN_TEST,
            )
        raise OrderProblem(
            f"no test of laboratory {lab.id} among {elsewhere}: map the service to a test "
            f"of {lab.id} (service_tests) or order at another laboratory",
            const.CHARGE_UNKNOWN_TEST,
        )
    return list(picked.values())


async def _add_tests(
    ctx: Ctx, conn: Any, lab: LabConfig, tests: list[dict[str, Any]], current: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """``current`` with ``tests`` added (those not in it yet), each on a tube of its type."""
    merged = [dict(t) for t in current]
    have = {t["code"] for t in merged}
    tubes = {t["specimen"]: t["barcode"] for t in merged}
    new = [t for t in tests if t["code"] not in have]
    types = list(dict.fromkeys(t["specimen"] for t in new if t["specimen"] not in tubes))
    for kind, code in zip(
        types, await store.allot_barcodes(conn, ctx.clinic.id, lab, len(types)), strict=True
    ):
        tubes[kind] = code
    merged.extend({**t, "barcode": tubes[t["specimen"]]} for t in new)
    return merged


# --- charges --------------------------------------------------------------------------------


async def on_charge(ctx: Ctx, appointment: Appointment, service_id: str) -> str:
    """Handle one charged service; the status recorded for it."""
    clinic, now = ctx.clinic.id, ctx.now()
    async with ctx.tables() as conn:
        seen = await store.get_charge(conn, clinic, appointment.id, service_id)
    if seen is not None and seen["status"] == const.CHARGE_ORDERED:
        ctx.log.info("service %s of %s was ordered already", service_id, appointment.id)
        return const.CHARGE_ORDERED
    test_ids = await ctx.mappings.external_ids(const.MAPPING_SERVICE_TESTS, service_id)
    if not test_ids:
        async with ctx.tables() as conn:
            await store.record_charge(
                conn,
                clinic,
                appointment.id,
                service_id,
                status=const.CHARGE_UNMAPPED,
                now=now,
                detail=f"service {service_id} has no tests (mapping service_tests)",
            )
        ctx.log.info("service %s has no laboratory tests mapped: no order", service_id)
        return const.CHARGE_UNMAPPED
    try:
        lab = await lab_for(ctx, appointment.doctor_id)
        tests = pick_tests(lab, test_ids, await catalogue(ctx))
    except OrderProblem as problem:
        async with ctx.tables() as conn:
            await store.record_charge(
                conn,
                clinic,
                appointment.id,
                service_id,
                status=problem.status,
                now=now,
                detail=str(problem),
            )
        ctx.log.error("service %s of visit %s not ordered: %s", service_id, appointment.id, problem)
        return problem.status
    async with ctx.tables() as conn:
        await store.lock_lab(conn, clinic, lab.id)
        seen = await store.get_charge(conn, clinic, appointment.id, service_id)
        if seen is not None and seen["status"] == const.CHARGE_ORDERED:
            return const.CHARGE_ORDERED
        tests = [{**t, "services": [service_id]} for t in tests]
        row = await store.open_order(conn, clinic, appointment.id, lab.id)
        if row is None:
            order_id = store.new_order_id()
            await store.insert_order(
                conn,
                clinic_id=clinic,
                order_id=order_id,
                lab=lab.id,
                appointment_id=appointment.id,
                patient_id=appointment.patient_id,
                source="charge",
                state=const.STATE_NEW,
                attempts=0,
                send_after=now + dt.timedelta(seconds=ctx.settings.order_delay_seconds),
                tests=await _add_tests(ctx, conn, lab, tests, []),
                created_at=now,
                updated_at=now,
            )
        else:
            order_id = row["order_id"]
            merged = await _add_tests(ctx, conn, lab, tests, row["tests"])
            for test in merged:
                if test["code"] in {t["code"] for t in tests}:
                    test["services"] = sorted({*test.get("services", []), service_id})
            await store.update_order(conn, row["id"], tests=merged, updated_at=now)
        await store.record_charge(
            conn,
            clinic,
            appointment.id,
            service_id,
            status=const.CHARGE_ORDERED,
            now=now,
            lab=lab.id,
            order_id=order_id,
        )
    ctx.log.info(
        "service %s of visit %s: order %s at %s", service_id, appointment.id, order_id, lab.id
    )
    return const.CHARGE_ORDERED


async def retry_waiting_charges(ctx: Ctx) -> list[str]:
    """Charges waiting for a laboratory or a test, tried again; what still fails."""
    async with ctx.tables() as conn:
        waiting = await store.charges(
            conn,
            ctx.clinic.id,
            [const.CHARGE_NO_LAB, const.CHARGE_UNKNOWN_TEST],
            since=ctx.now() - RETRY_CHARGES_FOR,
        )
    problems: list[str] = []
    for charge in waiting:
        appointment = await ctx.get_appointment(charge["appointment_id"])
        if appointment is None:
            problems.append(f"visit {charge['appointment_id']} is unknown to the hub")
            continue
        status = await on_charge(ctx, appointment, charge["service_id"])
        if status != const.CHARGE_ORDERED:
            async with ctx.tables() as conn:
                row = await store.get_charge(
                    conn, ctx.clinic.id, charge["appointment_id"], charge["service_id"]
                )
            detail = (row or {}).get("detail") or status
            problems.append(
                f"service {charge['service_id']} of visit {charge['appointment_id']}: {detail}"
            )
    return problems


# --- an order by hand ----------------------------------------------------------------------


async def create(
    ctx: Ctx,
    *,
    patient_id: str,
    appointment_id: str | None,
    doctor_id: str | None,
    lab_id: str | None,
    services: Sequence[str],
    tests: Sequence[str],
) -> dict[str, Any]:
    """A new order (source ``manual``), due at once; its row.

    :raises OrderProblem: no laboratory, or no known test to order.
    """
    named = {t.rpartition(":")[0] for t in tests}
    if lab_id is None and not services and len(named) == 1 and "" not in named:
        lab_id = named.pop()  # the tests say where
    lab = await lab_for(ctx, doctor_id, lab_id)
    wanted = list(tests)
    for service_id in services:
        mapped = await ctx.mappings.external_ids(const.MAPPING_SERVICE_TESTS, service_id)
        if not mapped:
            raise OrderProblem(
                f"service {service_id} has no tests (mapping service_tests)", const.CHARGE_UNMAPPED
            )
        wanted.extend(mapped)
    picked = pick_tests(lab, wanted, await catalogue(ctx))
    now = ctx.now()
    async with ctx.tables() as conn:
        await store.lock_lab(conn, ctx.clinic.id, lab.id)
        return await store.insert_order(
            conn,
            clinic_id=ctx.clinic.id,
            order_id=store.new_order_id(),
            lab=lab.id,
            appointment_id=appointment_id,
            patient_id=patient_id,
            source="manual",
            state=const.STATE_NEW,
            attempts=0,
            send_after=now,
            tests=await _add_tests(ctx, conn, lab, picked, []),
            created_at=now,
            updated_at=now,
        )


# --- sending --------------------------------------------------------------------------------


def lab_order(row: dict[str, Any], card: Card, lab: LabConfig) -> LabOrder:
    tests = tuple(
        OrderTest(t["code"], t["display"], t.get("system"), t["barcode"], t.get("specimen", ""))
        for t in row["tests"]
    )
    specimens = tuple(
        Specimen(barcode, kind)
        for barcode, kind in dict.fromkeys((t.barcode, t.specimen) for t in tests)
    )
    patient = Patient(
        id=card.id,
        last_name=card.last_name,
        first_name=card.first_name,
        middle_name=card.middle_name,
        birth_date=card.birth_date,
        sex=card.sex,
    )
    return LabOrder(row["order_id"], patient, tests, specimens, lab.name)


def pause(attempts: int) -> dt.timedelta:
    """The wait before the next attempt after ``attempts`` failed ones (1, 2, 4... min)."""
    return min(MAX_PAUSE, dt.timedelta(minutes=2 ** max(0, attempts - 1)))


async def _claim(ctx: Ctx, row: dict[str, Any]) -> bool:
    """Take the order for one attempt (nobody else sends it meanwhile)."""
    now = ctx.now()
    async with ctx.tables() as conn:
        claimed = await conn.execute(
            sa.update(order_table)
            .where(
                order_table.c.id == row["id"],
                order_table.c.state == const.STATE_NEW,
                order_table.c.attempts == row["attempts"],
            )
            .values(attempts=row["attempts"] + 1, send_after=now + SEND_LEASE, updated_at=now)
        )
    return bool(claimed.rowcount)


async def _fail(ctx: Ctx, row: dict[str, Any], reason: str) -> str:
    async with ctx.tables() as conn:
        await store.update_order(
            conn, row["id"], state=const.STATE_FAILED, last_error=reason, updated_at=ctx.now()
        )
    ctx.log.error("order %s not sent: %s", row["order_id"], reason)
    await ctx.publish(
        f"{ctx.plugin}.{const.FEED_ORDER_STATUS}",
        {
            "order_id": row["order_id"],
            "appointment_id": row["appointment_id"],
            "patient_id": row["patient_id"],
            "lab": row["lab"],
            "status": const.STATE_FAILED,
            "reason": reason,
        },
    )
    return "failed"


async def send(ctx: Ctx, row: dict[str, Any]) -> str:
    """One attempt at sending a new order: ``sent``, ``waiting`` (laboratory down: later),
    ``failed`` (for good) or ``busy`` (someone else is sending it)."""
    lab = ctx.settings.lab(row["lab"])
    if lab is None:
        return await _fail(ctx, row, f"laboratory {row['lab']!r} is no longer in the settings")
    card = await ctx.get_patient(row["patient_id"])
    if card is None:
        return await _fail(ctx, row, f"patient {row['patient_id']} is unknown to the hub")
    if not await _claim(ctx, row):
        return "busy"
    attempts = row["attempts"] + 1
    try:
        receipt = await adapter(ctx, lab).submit(lab_order(row, card, lab))
    except LabError as exc:
        if not exc.transient:
            return await _fail(ctx, row, f"laboratory {lab.id} refused the order: {exc}")
        async with ctx.tables() as conn:
            await store.update_order(
                conn,
                row["id"],
                last_error=str(exc),
                send_after=ctx.now() + pause(attempts),
                updated_at=ctx.now(),
            )
        ctx.log.warning("order %s: attempt %d failed: %s", row["order_id"], attempts, exc)
        return "waiting"
    now = ctx.now()
    async with ctx.tables() as conn:
        await store.update_order(
            conn,
            row["id"],
            state=const.STATE_SENT,
            task_id=receipt.task_id,
            request_ids=receipt.request_ids,
            lab_status=const.TASK_REQUESTED,
            last_error=None,
            sent_at=now,
            updated_at=now,
        )
    await ctx.publish(
        f"{ctx.plugin}.{const.FEED_ORDER_CREATED}",
        {
            "order_id": row["order_id"],
            "appointment_id": row["appointment_id"],
            "patient_id": row["patient_id"],
            "lab": lab.id,
            "tests": [t["code"] for t in row["tests"]],
            "barcodes": list(dict.fromkeys(t["barcode"] for t in row["tests"])),
        },
    )
    return "sent"


async def send_due(ctx: Ctx) -> str:
    """The ``send_orders`` job: retry waiting charges, send the orders that are due.

    :raises RuntimeError: after doing everything else, naming each charge that still
        waits (no laboratory, unknown test), so the job log shows it.
    """
    problems = await retry_waiting_charges(ctx)
    async with ctx.tables() as conn:
        due = await store.orders_in_state(conn, ctx.clinic.id, const.STATE_NEW, due_by=ctx.now())
    outcomes: dict[str, int] = {}
    down: set[str] = set()
    for row in due:
        if row["lab"] in down:
            outcome = "waiting"
        else:
            outcome = await send(ctx, row)
            if outcome == "waiting":
                down.add(row["lab"])
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    summary = ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())) or "nothing due"
    if problems:
        raise RuntimeError(
            f"{summary}; {len(problems)} charge(s) not ordered: " + "; ".join(problems)
        )
    return summary
