"""What the registration hooks return: a plugin's jobs, actions and routes.

    Job           run periodically for every clinic the plugin is enabled for
    Action        run on demand: POST /api/v1/clinics/{clinic}/plugins/{plugin}/actions/{name}
    PluginRouter  FastAPI routes served under /plugins/{plugin} (or at the root)

They sit apart from :mod:`hub.types` because a job or an action is a function of a
:class:`hub.HookContext`, which itself is made of the value types.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

if TYPE_CHECKING:
    from fastapi import APIRouter

    from hub.context import HookContext

__all__ = ["Action", "ActionRun", "Job", "JobRun", "PluginRouter"]

JobRun = Callable[["HookContext[Any]"], Awaitable[str | None]]
ActionRun = Callable[["HookContext[Any]", Any], Awaitable[Any]]


@dataclass(frozen=True)
class Job:
    """A periodic job a plugin runs for every clinic it is enabled for.

    Give ``every`` (an interval) or ``at`` (a local time of day in the clinic's time
    zone).  Either may be a value or the name of a field of the plugin's settings that
    holds it, so that each clinic chooses: a field for ``every`` holds a ``timedelta`` or
    a number of minutes, a field for ``at`` a ``time`` or ``"HH:MM"``.  ``run(ctx)``
    returns an optional summary for the job log.  The hub never runs two copies of one
    (clinic, plugin, job) at once, even across several workers.

    ``sync_kind`` makes the job a scheduled reference-data sync: each run is the hub
    calling the plugin's ``sync_reference_data(ctx, kind)`` (``run`` may then be
    omitted) and the job log shows the counts it answered.

    ``timeout`` is the job's time limit in seconds (``None``: the hub's default for
    jobs, 600 s); a run past it is stopped and logged as an error.
    """

    name: str
    run: JobRun | None = None
    every: dt.timedelta | str | None = None
    at: dt.time | str | None = None
    description: str = ""
    sync_kind: str | None = None
    timeout: float | None = None

    def __post_init__(self) -> None:
        if (self.run is None) == (self.sync_kind is None):
            raise TypeError(f"job {self.name!r}: give exactly one of run= or sync_kind=")
        if self.timeout is not None and not self.timeout > 0:
            raise ValueError(f"job {self.name!r}: timeout must be a positive number of seconds")


@dataclass(frozen=True)
class Action:
    """Something an admin or the clinic system asks a plugin to do for one object.

    Exposed as ``POST /api/v1/clinics/{clinic}/plugins/{plugin}/actions/{name}``; the
    body is validated by ``input_model`` and ``run(ctx, data)`` returns a pydantic model
    or a JSON-compatible value, which becomes the response, or a :class:`hub.FileAnswer`,
    which is answered as that file.

    ``timeout`` is the action's time limit in seconds (``None``: the hub's plugin time
    limit, ``HUB_PLUGIN_TIMEOUT``, 30 s by default); past it the caller gets 502.
    """

    name: str
    run: ActionRun
    input_model: type[BaseModel]
    description: str = ""
    timeout: float | None = None

    def __post_init__(self) -> None:
        if self.timeout is not None and not self.timeout > 0:
            raise ValueError(f"action {self.name!r}: timeout must be a positive number of seconds")


@dataclass(frozen=True)
class PluginRouter:
    """Routes a plugin serves; under ``/plugins/{plugin}`` unless ``at_root`` is set.

    ``at_root`` is for legacy paths a vendor is already configured to call (Mango's
    ``/MangoOffice/UpdateStatus``); paths of the hub itself cannot be claimed.
    """

    router: APIRouter
    at_root: bool = False
    tags: tuple[str, ...] = field(default_factory=tuple)
