"""What intake needs to know about the clinic it writes for."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from hub.runtime import ClinicSnapshot, Runtime


@dataclass(frozen=True)
class ClinicScope:
    """A clinic's id, time zone (offset-less times are local) and phone region."""

    id: str
    tz: ZoneInfo
    phone_region: str = "RU"

    @classmethod
    def of(cls, snapshot: ClinicSnapshot) -> ClinicScope:
        return cls(
            id=snapshot.info.id, tz=ZoneInfo(snapshot.info.timezone),
            phone_region=str(snapshot.options.get("phone_region") or "RU"),
        )

    @classmethod
    async def load(cls, runtime: Runtime, clinic_id: str) -> ClinicScope:
        return cls.of(await runtime.snapshot(clinic_id))

    def aware(self, value: dt.datetime) -> dt.datetime:
        """``value`` as aware UTC; a naive value is the clinic's local time."""
        if value.tzinfo is None:
            value = value.replace(tzinfo=self.tz)
        return value.astimezone(dt.UTC)
