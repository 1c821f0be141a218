"""The connection check, the plugin status and the poll job.

``check`` pings the portal with each token on its own, so that a refused token is named
(«company_token (Access token (старое API))» or the branch's), never guessed.
``poll`` is the periodic job: the links feed, then the changes feed; a failure raises
(the job log and the plugin's last errors show it) and the cursors stay where they were,
so the next run picks up from there — nothing is lost.
"""

from __future__ import annotations

from typing import Any

from hub_ondoc import adoption, bookings, const, linking
from hub_ondoc.connection import Ctx, portal_of
from hub_ondoc.const import Token
from hub_ondoc.portal import OndocError

from hub import CheckResult


async def check(ctx: Ctx) -> CheckResult:
    portal = portal_of(ctx)
    problems: list[str] = []
    details: dict[str, Any] = {}
    for token in (Token.COMPANY, Token.BRANCH):
        try:
            ping = await portal.ping(token)
        except OndocError as exc:
            problems.append(str(exc))
            if exc.token is None:
                break  # the portal itself is unreachable: one sentence is enough
            continue
        details["company" if token is Token.COMPANY else "branch"] = (
            ping.company if token is Token.COMPANY else ping.branch
        )
    return CheckResult.failed(*problems, **details) if problems else CheckResult.passed(**details)


async def poll(ctx: Ctx) -> str:
    """Fetch what happened in the portal; a summary for the job log."""
    portal = portal_of(ctx)
    links = await linking.poll_links(ctx, portal)
    changes = await bookings.poll_bookings(ctx, portal)
    return (
        f"linked {links['linked']}, unlinked {links['unlinked']}; bookings: "
        f"{changes['created']} new, {changes['updated']} changed, {changes['cancelled']} "
        f"cancelled, {changes['problems']} unreadable, {changes['acknowledged']} acknowledged"
    )


async def status(ctx: Ctx) -> dict[str, Any]:
    linked = await ctx.state.items("link:")
    pending = await adoption.pending(ctx)
    return {
        "linked_patients": len(linked),
        "bookings_awaiting_adoption": len(pending),
        "links_cursor": await ctx.state.get(const.LINKS_CURSOR),
        "changes_cursor": await ctx.state.get(const.CHANGES_CURSOR),
    }
