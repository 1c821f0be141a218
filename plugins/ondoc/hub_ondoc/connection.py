"""The portal of one clinic: :func:`portal_of` builds the :class:`~hub_ondoc.portal.Portal`
the plugin modules use, from the clinic's settings and the hub's shared HTTP client.

This and ``client.py`` are the two places that change when the real ONDOC protocol
replaces the assumed one: the new client is constructed here.
"""

from __future__ import annotations

from hub_ondoc.client import OndocClient
from hub_ondoc.portal import Portal
from hub_ondoc.settings import OndocSettings

from hub import HookContext

Ctx = HookContext[OndocSettings]


def portal_of(ctx: Ctx, settings: OndocSettings | None = None) -> Portal:
    """The portal as ``settings`` (default: the clinic's saved settings) reach it."""
    s = settings or ctx.settings
    return OndocClient(
        ctx.http,
        s.server,
        s.company_token.get_secret_value(),
        s.branch_token.get_secret_value(),
    )
