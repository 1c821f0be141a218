"""The baseline of ``bench_intake``: a bare FastAPI app that writes the same appointment
rows into the same table, with nothing else (no auth, no comparison, no references, no
events).  ``python -m bench.bare_intake <database url> <port>`` serves it with uvicorn.
"""

from __future__ import annotations

import datetime as dt
import sys
from typing import Any
from zoneinfo import ZoneInfo

import uvicorn
from fastapi import FastAPI
from pydantic import BaseModel
from sqlalchemy.dialects import postgresql, sqlite

from hub.db.engine import make_engine
from hub.db.models import AppointmentRecord

TABLE = AppointmentRecord.__table__  # type: ignore[attr-defined]
TZ = ZoneInfo("Europe/Moscow")
CLINIC = "bare"


class Item(BaseModel):
    patient_id: str
    doctor_id: str | None = None
    start: dt.datetime
    services: list[dict[str, Any]] = []
    cabinet: str | None = None


class BulkItem(Item):
    id: str


class Bulk(BaseModel):
    appointments: list[BulkItem]


def _row(appointment_id: str, item: Item, now: dt.datetime) -> dict[str, Any]:
    start = item.start if item.start.tzinfo else item.start.replace(tzinfo=TZ)
    return {
        "clinic_id": CLINIC,
        "external_id": appointment_id,
        "patient_id": item.patient_id,
        "doctor_id": item.doctor_id,
        "specialty_id": None,
        "services": item.services,
        "start": start,
        "end": None,
        "cabinet": item.cabinet,
        "status": "booked",
        "comment": "",
        "cancelled": False,
        "cancel_reason": None,
        "communication_status": None,
        "status_changed_at": now,
        "created_at": now,
        "updated_at": now,
    }


def create_app(url: str) -> FastAPI:
    engine = make_engine(url)
    dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
    insert = dialect.insert(TABLE)
    upsert = insert.on_conflict_do_update(
        index_elements=["clinic_id", "external_id"],
        set_={
            c: insert.excluded[c]
            for c in ("patient_id", "doctor_id", "services", "start", "cabinet", "updated_at")
        },
    )
    app = FastAPI()

    @app.put("/appointments/{appointment_id}")
    async def put(appointment_id: str, item: Item) -> dict[str, str]:
        async with engine.begin() as conn:
            await conn.execute(upsert, [_row(appointment_id, item, dt.datetime.now(dt.UTC))])
        return {"id": appointment_id}

    @app.post("/bulk")
    async def bulk(body: Bulk) -> dict[str, int]:
        now = dt.datetime.now(dt.UTC)
        async with engine.begin() as conn:
            await conn.execute(upsert, [_row(i.id, i, now) for i in body.appointments])
        return {"written": len(body.appointments)}

    return app


if __name__ == "__main__":
    uvicorn.run(
        create_app(sys.argv[1]), host="127.0.0.1", port=int(sys.argv[2]), log_level="warning"
    )
