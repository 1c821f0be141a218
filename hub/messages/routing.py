"""Which provider plugins deliver a clinic's channel, in the order to try them.

The clinic option ``channels`` lists providers per channel (``{"sms": ["smsru",
"smsc"]}``): the first is tried first, the next after a provider-side failure (no
money, sender not approved, provider down past its retries).  A provider listed but
not enabled for the clinic (or with settings that no longer validate) is passed over.
Without the option, every enabled plugin serving the channel is a candidate, in name
order, with the hub's built-in providers (console) last.
"""

from __future__ import annotations

from dataclasses import dataclass

from hub.plugin_settings import SettingsInvalid
from hub.runtime import ClinicSnapshot, Runtime
from hub.schemas.clinics import ClinicOptions


@dataclass(frozen=True)
class Route:
    """The providers to try, and why some configured ones are not among them."""

    providers: list[str]
    notes: list[str]

    def explain(self, channel: str) -> str:
        why = f" ({'; '.join(self.notes)})" if self.notes else ""
        return f"no enabled provider plugin sends {channel} for this clinic{why}"


def route(runtime: Runtime, snapshot: ClinicSnapshot, options: ClinicOptions, channel: str) -> Route:
    serving = runtime.host.providers(channel)
    usable = {
        name for name, settings in snapshot.enabled.items()
        if not isinstance(settings, SettingsInvalid)
    }
    configured = options.channels.get(channel)  # type: ignore[call-overload]
    notes: list[str] = []
    if configured:
        chosen = []
        for name in configured:
            if name not in serving:
                notes.append(f"{name} is not installed or does not send {channel}")
            elif name not in usable:
                notes.append(f"{name} is not enabled for the clinic or its settings are invalid")
            else:
                chosen.append(name)
        return Route(chosen, notes)

    def order(name: str) -> tuple[bool, str]:
        info = runtime.host.get(name)
        return (bool(info and info.builtin), name)

    return Route(sorted((n for n in serving if n in usable), key=order), notes)
