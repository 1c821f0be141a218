"""The demo clinic that ``hub demo`` (and ``make run``) sets up, once.

A clinic ``demo`` in Europe/Moscow whose every channel goes to the built-in console
provider, so the whole flow works without any gateway account; and an admin token
kept in a local file (mode 0600), printed at each start.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from hub.db.crud import clinics as clinics_crud
from hub.db.crud import tokens as tokens_crud
from hub.db.models import ApiToken, PluginConfig
from hub.runtime import Runtime
from hub.schemas.clinics import ClinicCreate
from hub.security.tokens import hash_token

DEMO_CLINIC = ClinicCreate(
    id="demo",
    name="Демо-клиника на Ленина",
    timezone="Europe/Moscow",
    address="ул. Ленина, 1",
    phone="+74951234567",
    channels={"sms": ["console"], "voice": ["console"], "messenger": ["console"], "email": ["console"]},
    communication_status="Отправили SMS",
)


async def ensure(runtime: Runtime, token_file: Path) -> str:
    """Create what is missing of the demo; return the demo admin token."""
    now = runtime.clock.now()
    async with runtime.db.session() as session:
        if await clinics_crud.get(session, clinic_id=DEMO_CLINIC.id) is None:
            await clinics_crud.create(session, data=DEMO_CLINIC, now=now)
        if await session.get(PluginConfig, (DEMO_CLINIC.id, "console")) is None:
            session.add(PluginConfig(clinic_id=DEMO_CLINIC.id, plugin="console", enabled=True,
                                     settings={}, updated_at=now))
        token = token_file.read_text().strip() if token_file.exists() else None
        if token:
            row = (await session.execute(
                sa.select(ApiToken).where(ApiToken.token_hash == hash_token(token))  # type: ignore[arg-type]
            )).scalar_one_or_none()
            if row is None or row.revoked_at is not None:
                token = None
        if not token:
            _, token = await tokens_crud.create(
                session, name="demo admin", role="admin", clinic_id=None, now=now
            )
            fd = os.open(token_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(token + "\n")
    await sample_data(runtime)
    return token


DEMO_PATIENTS: list[tuple[str, dict[str, object]]] = [
    ("P-1", {"last_name": "Иванов", "first_name": "Иван", "middle_name": "Иванович",
             "sex": "male", "birth_date": "1980-05-17", "phones": ["8 (918) 123-45-67"]}),
    ("P-2", {"last_name": "Смирнова", "first_name": "Ольга", "middle_name": "Петровна",
             "sex": "female", "birth_date": "1975-02-03", "phones": ["+7 916 555-12-34"]}),
    ("P-3", {"last_name": "Кузнецов", "first_name": "Пётр", "middle_name": "Андреевич",
             "sex": "male", "phones": ["+7 (495) 123-45-67"]}),  # a landline: a card warning
    ("P-4", {"last_name": "Попова", "first_name": "Мария", "middle_name": "Сергеевна",
             "sex": "female", "phones": ["+7 903 111-22-33"], "opt_out": True}),
]
#: (patient, doctor, service, local time) of the demo appointments of each next day.
DEMO_DAY = [("P-1", "D-1", "SRV-1", "09:30"), ("P-2", "D-2", "SRV-2", "11:00"),
            ("P-3", "D-1", "SRV-1", "14:15"), ("P-4", "D-2", "SRV-2", "16:40")]


async def sample_data(runtime: Runtime) -> None:
    """Reference data and cards (once), and appointments for tomorrow (each start), then
    the demo clinic's reminder for tomorrow, so that ``make run`` shows reminders being
    queued and, by the console provider, sent (the daily 12:00 run does the same)."""
    import datetime as dt

    from hub.intake import appointments, patients, reference, tx
    from hub.intake.scope import ClinicScope
    from hub.reminders import daily, timing
    from hub.schemas.appointments import AppointmentIn
    from hub.schemas.patients import PatientIn
    from hub.schemas.reference import DoctorIn, PriceListSectionIn, ServiceIn, SpecialtyIn

    clinic = await ClinicScope.load(runtime, DEMO_CLINIC.id)
    now = runtime.clock.now()
    async with runtime.db.session() as session:
        known = await reference.current(session, clinic.id, "doctors")
    if not known:
        lists: list[tuple[str, list[Any]]] = [
            ("price_list_sections", [PriceListSectionIn(id="PL-1", name="Платные услуги")]),
            ("specialties", [SpecialtyIn(id="S-1", name="врач-терапевт"),
                             SpecialtyIn(id="S-2", name="врач-кардиолог")]),
            ("doctors", [DoctorIn(id="D-1", last_name="Петрова", first_name="Анна",
                                  middle_name="Сергеевна", sex="female", specialty_id="S-1"),
                         DoctorIn(id="D-2", last_name="Соколов", first_name="Илья",
                                  middle_name="Викторович", sex="male", specialty_id="S-2")]),
            ("services", [ServiceIn(id="SRV-1", name="Приём терапевта", price_list_section="PL-1"),
                          ServiceIn(id="SRV-2", name="Приём кардиолога", price_list_section="PL-1")]),
        ]
        for kind, items in lists:
            await tx.write(runtime.db, lambda session, kind=kind, items=items: reference.replace(
                session, clinic, kind, items, now=now))
        for patient_id, fields in DEMO_PATIENTS:
            data = PatientIn.model_validate(fields)
            await tx.write(runtime.db, lambda session, pid=patient_id, data=data: patients.upsert_patient(
                session, runtime, clinic, pid, data, now=now))
    tomorrow = timing.local_date(now, clinic.tz) + dt.timedelta(days=1)
    for n, (patient_id, doctor_id, service_id, at) in enumerate(DEMO_DAY, 1):
        data = AppointmentIn.model_validate({
            "patient_id": patient_id, "doctor_id": doctor_id, "services": [{"id": service_id}],
            "start": f"{tomorrow.isoformat()}T{at}:00", "cabinet": str(200 + n)})
        await tx.write(runtime.db, lambda session, aid=f"DEMO-{tomorrow}-{n}", data=data:
                       appointments.upsert_appointment(session, runtime, clinic, aid, data, now=now))
    snapshot = await runtime.snapshot(DEMO_CLINIC.id)
    rule = await daily.rule_for(runtime, snapshot, None)
    await daily.run_day(runtime, snapshot, rule, day=tomorrow, dry_run=False)
