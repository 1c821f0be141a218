"""Statuses and results: the ``poll`` job asks each laboratory about its sent orders.

For each order the laboratory has: a changed Task status is stored and published
(feed ``labs.order_status``); while it is ``in-progress`` or ``completed`` the reports
are fetched, and new or changed results (values, units, ranges, flags, the PDF) are
stored and reported through the platform (``ctx.report_lab_results``: other plugins get
``on_lab_results_ready``, the clinic system ``labs.results_ready``, and the
«Готовность результата анализа» mailing schedules see them).  ``complete`` is true
once every order of the visit that is still going has its final results.  A
laboratory that is down is skipped until the next run; the others are polled.
"""

from __future__ import annotations

import base64
from typing import Any

from hub_labs import const, store
from hub_labs.labs import Ctx, adapter
from hub_labs.model import LabError, LabReport

from hub import LabResults


def _settled(row: dict[str, Any]) -> bool:
    """Whether an order no longer waits for results (cancelled, failed, rejected)."""
    return row["state"] in (const.STATE_CANCELLED, const.STATE_FAILED) or row["lab_status"] in (
        const.TASK_REJECTED,
        const.TASK_CANCELLED,
    )


async def visit_complete(ctx: Ctx, row: dict[str, Any]) -> bool:
    """Every order of the visit still going has its final results."""
    if not row["appointment_id"]:
        return bool(row["results_status"] == "final")
    async with ctx.tables() as conn:
        orders = await store.visit_orders(conn, ctx.clinic.id, row["appointment_id"])
    return all(o["results_status"] == "final" for o in orders if not _settled(o))


def summarize(
    reports: list[LabReport], row: dict[str, Any]
) -> tuple[list[dict[str, Any]], str, list[str]]:
    """The result items, ``partial``/``final``, and the distinct PDFs (base64)."""
    requests = {str(v): k for k, v in (row["request_ids"] or {}).items()}
    items: list[dict[str, Any]] = []
    pdfs: list[str] = []
    final_for: set[str] = set()
    for report in reports:
        tests = [requests.get(b, "") for b in report.based_on]
        for observation in report.observations:
            items.append({"test": tests[0] if tests else "", **observation.as_item()})
        if report.status == "final":
            final_for.update(t for t in tests if t)
        if report.pdf is not None:
            encoded = base64.b64encode(report.pdf).decode()
            if encoded not in pdfs:
                pdfs.append(encoded)
    everything = set(requests.values())
    status = "final" if everything and everything <= final_for else "partial"
    return items, status, pdfs


async def _publish_status(ctx: Ctx, row: dict[str, Any], status: str, reason: str | None) -> None:
    await ctx.publish(
        f"{ctx.plugin}.{const.FEED_ORDER_STATUS}",
        {
            "order_id": row["order_id"],
            "appointment_id": row["appointment_id"],
            "patient_id": row["patient_id"],
            "lab": row["lab"],
            "status": status,
            "reason": reason,
        },
    )


async def poll_order(ctx: Ctx, row: dict[str, Any]) -> bool:
    """Follow one sent order; whether new results were reported.

    :raises LabError: if the laboratory failed the request.
    """
    lab = ctx.settings.lab(row["lab"])
    if lab is None:
        return False
    client = adapter(ctx, lab)
    status = await client.status(row["order_id"])
    now = ctx.now()
    if status is None:
        async with ctx.tables() as conn:
            await store.update_order(
                conn,
                row["id"],
                last_error=f"laboratory {lab.id} does not know the order",
                updated_at=now,
            )
        return False
    updates: dict[str, Any] = {"lab_status": status.status, "lab_reason": status.reason}
    changed = status.status != row["lab_status"]
    if status.status in const.TASK_WITH_RESULTS:
        reports = await client.reports(list((row["request_ids"] or {}).values()))
        items, results_status, pdfs = summarize(reports, row)
        if items and (items != row["results"] or results_status != row["results_status"]):
            updates |= {
                "results": items,
                "results_status": results_status,
                "pdfs": pdfs,
                "unreported": True,
            }
            row = {**row, "results_status": results_status}
    finished = status.status in (const.TASK_REJECTED, const.TASK_CANCELLED) or (
        status.status == const.TASK_COMPLETED and row["results_status"] == "final"
    )
    row = {**row, **updates}
    if finished and not row["unreported"]:
        updates["state"] = const.STATE_DONE
    async with ctx.tables() as conn:
        await store.update_order(conn, row["id"], last_error=None, updated_at=now, **updates)
    if changed:
        await _publish_status(ctx, row, status.status, status.reason)
    if row["unreported"]:
        await report(ctx, row, finished=finished)
        return True
    return False


async def report(ctx: Ctx, row: dict[str, Any], *, finished: bool) -> None:
    """Report the order's results through the platform, then mark them reported (a
    failure leaves them to be reported by the next run: nothing is lost).

    :raises ValueError: if the hub does not know the patient or the visit.
    """
    await ctx.report_lab_results(
        LabResults(
            patient_id=row["patient_id"],
            appointment_id=row["appointment_id"],
            order_id=row["order_id"],
            complete=await visit_complete(ctx, row),
            items=tuple(row["results"] or ()),
        )
    )
    async with ctx.tables() as conn:
        done = {"state": const.STATE_DONE} if finished else {}
        await store.update_order(conn, row["id"], unreported=False, **done)


async def poll(ctx: Ctx) -> str:
    """The ``poll`` job: every laboratory's sent orders."""
    counts = {"orders": 0, "results": 0}
    problems: list[str] = []
    for lab in ctx.settings.labs:
        async with ctx.tables() as conn:
            rows = await store.orders_in_state(conn, ctx.clinic.id, const.STATE_SENT, lab=lab.id)
        for row in rows:
            try:
                counts["results"] += await poll_order(ctx, row)
            except LabError as exc:
                problems.append(f"laboratory {lab.id}: {exc}")
                if exc.transient:
                    break  # down: its other orders wait for the next run
                continue
            except ValueError as exc:  # report_lab_results: patient or visit unknown
                problems.append(f"order {row['order_id']}: results kept, not reported: {exc}")
            counts["orders"] += 1
    summary = f"polled {counts['orders']} order(s), {counts['results']} with new results"
    if problems:
        raise RuntimeError(f"{summary}; " + "; ".join(problems))
    return summary
