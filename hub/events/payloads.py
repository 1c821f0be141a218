"""Hook arguments to JSON and back, driven by the hookspecs' own annotations.

An event stores its hook's keyword arguments (all but ``ctx``) as JSON.  Each argument
is checked and encoded at :func:`encode` time (in the writer's transaction, so a bad
payload fails the write, not a delivery hours later) and rebuilt at :func:`decode`
time, both with a pydantic ``TypeAdapter`` of the annotation in :mod:`hub.hookspecs`.
Any hook works without special cases: ``on_stoplist_changed(phone: str, ...)`` and
``on_appointment_updated(appointment: Appointment, changes: tuple[FieldChange, ...])``
go through the same code.
"""

from __future__ import annotations

import functools
import typing
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from hub import hookspecs, types
from hub.context import HookContext
from hub.settings import PluginSettings


class PayloadError(ValueError):
    """The arguments given for a hook do not match its spec."""


def _namespace() -> dict[str, Any]:
    # hookspecs imports these under TYPE_CHECKING only; resolve its string annotations here.
    from fastapi import APIRouter

    return {
        **{name: getattr(types, name) for name in types.__all__},
        "HookContext": HookContext,
        "PluginSettings": PluginSettings,
        "APIRouter": APIRouter,
        "Path": Path,
        "Any": Any,
    }


@functools.cache
def adapters(hook: str) -> dict[str, TypeAdapter[Any]]:
    """A TypeAdapter for each argument of ``hook`` except ``ctx``, in spec order."""
    spec = getattr(hookspecs, hook, None)
    if spec is None or not callable(spec) or not hasattr(spec, f"{hookspecs.PROJECT_NAME}_spec"):
        raise PayloadError(f"unknown hook {hook!r}: not in hub.hookspecs")
    hints = typing.get_type_hints(spec, globalns=vars(hookspecs), localns=_namespace())
    names = [n for n in spec.__code__.co_varnames[: spec.__code__.co_argcount] if n != "ctx"]
    return {name: TypeAdapter(hints.get(name, Any)) for name in names}


def encode(hook: str, payload: dict[str, Any]) -> dict[str, Any]:
    """Validate ``payload`` (values or their JSON form) against ``hook``; its JSON form."""
    wanted = adapters(hook)
    missing = [name for name in wanted if name not in payload]
    extra = [name for name in payload if name not in wanted]
    if missing or extra:
        raise PayloadError(
            f"{hook}: arguments must be exactly {', '.join(wanted) or 'none'}"
            + (f"; missing {', '.join(missing)}" if missing else "")
            + (f"; unexpected {', '.join(extra)}" if extra else "")
        )
    out: dict[str, Any] = {}
    for name, adapter in wanted.items():
        try:
            out[name] = adapter.dump_python(adapter.validate_python(payload[name]), mode="json")
        except ValidationError as exc:
            raise PayloadError(f"{hook}: argument {name!r} is invalid: {exc}") from None
    return out


def decode(hook: str, payload: dict[str, Any]) -> dict[str, Any]:
    """The keyword arguments of ``hook`` rebuilt from an event's JSON payload."""
    out: dict[str, Any] = {}
    for name, adapter in adapters(hook).items():
        try:
            out[name] = adapter.validate_python(payload.get(name))
        except ValidationError as exc:
            raise PayloadError(f"{hook}: stored argument {name!r} no longer validates: {exc}") from None
    return out
