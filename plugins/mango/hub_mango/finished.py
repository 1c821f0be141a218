"""Calls the robot did not complete: the ``tasks/finished`` poll.

Mango pushes nothing when the robot could not reach a patient; the campaign's
finished tasks are pulled instead (a window of at most 4 hours per request).  Each
task whose comment is one of this clinic's references updates its journal entry:

    talked (1)                           delivered (unless the answer already came)
    busy (2), no answer (3),
    unreachable (4), no such number (8)  failed with ``busy`` / ``no_answer`` /
    and the operator/stop reasons        ``unreachable``..., Mango's text

A task already answered (the robot's status callback came) is not touched.  The
cursor (the end of the last window asked) is kept in ``ctx.state``; windows overlap
by a few minutes because reports are harmless to repeat.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from hub_mango import references
from hub_mango.account import Ctx, client_for
from hub_mango.const import FINISHED_WINDOW_HOURS, TASK_REASONS, TaskStatus
from hub_mango.push import provider_id

from hub import DeliveryReport

CURSOR = "finished_cursor"
OVERLAP = dt.timedelta(minutes=10)
#: The first poll, and a poll after a long pause, look back at most this far.
LOOK_BACK = dt.timedelta(days=1)


async def poll(ctx: Ctx) -> str:
    """The job: ask tasks/finished since the last poll; update the journal."""
    campaign_id = ctx.settings.campaign_id
    if campaign_id is None:
        return "no campaign_id: nothing to poll"
    now = ctx.now()
    saved = await ctx.state.get(CURSOR)
    start = dt.datetime.fromisoformat(saved) - OVERLAP if saved else now - LOOK_BACK
    start = max(start, now - LOOK_BACK)
    window = dt.timedelta(hours=FINISHED_WINDOW_HOURS)
    client = client_for(ctx)
    counts: Counter[str] = Counter()
    while start < now:
        end = min(start + window, now)
        for task in await client.finished_tasks(campaign_id, start, end):
            counts[await _record(ctx, task.comment.strip(), task.status, task.status_reason)] += 1
        await ctx.state.set(CURSOR, end.isoformat())
        start = end
    if not counts:
        return "no finished robot calls"
    return "finished robot calls: " + ", ".join(f"{what} {n}" for what, n in sorted(counts.items()))


async def _record(ctx: Ctx, token: str, status: int, reason: int | None) -> str:
    if status != TaskStatus.DONE:
        return "not done"
    async with ctx.tables() as conn:
        found = await references.find(conn, token, ctx.clinic.id)
        if found is None or found.message_id is None:
            return "not ours"
        outcome, code, text = TASK_REASONS.get(
            reason or 0, ("failed", f"reason_{reason}", f"Mango status_reason {reason}")
        )
        await references.record_call_result(conn, token, code)
    if found.answer_status is not None:
        return "answered"
    provider = provider_id(found.message_id)
    if outcome == "delivered":
        await ctx.report_delivery(DeliveryReport(provider_message_id=provider, status="delivered"))
    else:
        await ctx.report_delivery(
            DeliveryReport(
                provider_message_id=provider, status="failed", error_code=code, error_text=text
            )
        )
    return code
