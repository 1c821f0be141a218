"""The laboratories' catalogues and the connection check.

``check`` reaches every configured laboratory (a search for an order that does not
exist: cheap, and it proves the address and the token) and names each one that fails.
``sync`` pulls each laboratory's catalogue into the ``lab_tests`` reference: items
``{"id": "<lab>:<code>", "lab", "code", "name", "system", "specimen"}``.  A laboratory
that cannot be reached keeps its previous items; the run then fails naming it.
"""

from __future__ import annotations

from typing import Any

from hub_labs import const
from hub_labs.labs import Ctx, adapter
from hub_labs.model import LabError

from hub import CheckResult, SyncResult

#: The order id the connection check asks about (no order ever has it).
CHECK_ORDER_ID = "connection-check"


async def check(ctx: Ctx) -> CheckResult:
    problems: list[str] = []
    reached: list[str] = []
    for lab in ctx.settings.labs:
        try:
            await adapter(ctx, lab).status(CHECK_ORDER_ID)
        except LabError as exc:
            hint = " (check the token)" if exc.status in (401, 403) else ""
            problems.append(f"laboratory {lab.id} «{lab.name}»: {exc}{hint}")
        else:
            reached.append(lab.id)
    if problems:
        return CheckResult.failed(*problems, reached=reached)
    return CheckResult.passed(reached=reached)


def test_id(lab: str, code: str) -> str:
    """The ``lab_tests`` item id (and ``service_tests`` external id) of a test."""
    return f"{lab}:{code}"


async def sync(ctx: Ctx) -> SyncResult:
    """Replace the ``lab_tests`` reference with every laboratory's catalogue."""
    previous = await ctx.reference(const.REFERENCE_LAB_TESTS)
    items: list[dict[str, Any]] = []
    failed: list[str] = []
    counts: dict[str, int] = {}
    for lab in ctx.settings.labs:
        try:
            tests = await adapter(ctx, lab).catalogue()
        except LabError as exc:
            failed.append(f"laboratory {lab.id} «{lab.name}»: {exc}")
            items.extend(dict(i) for i in previous if i.get("lab") == lab.id)
            continue
        counts[lab.id] = len(tests)
        items.extend(
            {
                "id": test_id(lab.id, t.code),
                "lab": lab.id,
                "code": t.code,
                "name": t.display,
                "system": t.system,
                "specimen": t.specimen,
            }
            for t in tests
        )
    await ctx.store_reference(const.REFERENCE_LAB_TESTS, items)
    if failed:
        raise RuntimeError("catalogue not synced for " + "; ".join(failed))
    return SyncResult(kind=const.REFERENCE_LAB_TESTS, counts={"tests": len(items), **counts})
