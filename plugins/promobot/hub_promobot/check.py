"""The connection check and the plugin's status: is the scanner there, and is it free?

check(ctx)   ready / busy pass (the scanner answers); error / unreachable fail, in
             plain words (unreachable: where the hub must run to reach it)
status(ctx)  the scanner's state, model and version for the admin's dashboard
"""

from __future__ import annotations

from typing import Any

from hub_promobot import explain
from hub_promobot.scan import Ctx, scanner_for
from hub_promobot.scanner import ScannerError, State

from hub import CheckResult

_SAYS = {
    State.READY: "The scanner is ready.",
    State.BUSY: "The scanner answers and is busy with a scan right now; it is set up.",
    State.ERROR: "The scanner answers but reports an error of its own.",
}


async def check(ctx: Ctx) -> CheckResult:
    url = ctx.settings.scanner_url
    try:
        status = await scanner_for(ctx).status()
    except ScannerError as error:
        return CheckResult.failed(explain.for_admin(error, url), state="unreachable")
    details = {"state": status.state.value, "model": status.model, "version": status.version}
    if status.state is State.ERROR:
        return CheckResult.failed(
            f"The scanner at {url} answers but reports an error of its own: restart it; "
            "if it stays, call Promobot's support.",
            **details,
        )
    return CheckResult.passed(message=_SAYS[status.state], **details)


async def status(ctx: Ctx) -> dict[str, Any]:
    try:
        found = await scanner_for(ctx).status()
    except ScannerError as error:
        return {
            "state": "unreachable",
            "message": explain.for_admin(error, ctx.settings.scanner_url),
        }
    return {
        "state": found.state.value,
        "message": _SAYS[found.state],
        "model": found.model,
        "version": found.version,
    }
