"""The demo clinic that ``hub demo`` (and ``make run``) sets up, once.

A clinic ``demo`` in Europe/Moscow whose every channel goes to the built-in console
provider, so the whole flow works without any gateway account; and an admin token
kept in a local file (mode 0600), printed at each start.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import col

from hub.db.crud import clinics as clinics_crud
from hub.db.crud import tokens as tokens_crud
from hub.db.models import ApiToken, PluginConfig
from hub.runtime import Runtime
from hub.schemas.clinics import ClinicCreate, ReminderOptions
from hub.security.tokens import hash_token

DEMO_CLINIC = ClinicCreate(
    id="demo",
    name="Демо-клиника на Ленина",
    timezone="Europe/Moscow",
    address="ул. Ленина, 1",
    phone="+74951234567",
    channels={
        "sms": ["console"],
        "voice": ["console"],
        "messenger": ["console"],
        "email": ["console"],
    },
    communication_status="Отправили SMS",
    reminders=ReminderOptions(excluded_services=["SRV-9"], excluded_price_list_sections=["PL-DMS"]),
)


async def ensure(runtime: Runtime, token_file: Path) -> str:
    """Create what is missing of the demo; return the demo admin token."""
    now = runtime.clock.now()
    async with runtime.db.session() as session:
        if await clinics_crud.get(session, clinic_id=DEMO_CLINIC.id) is None:
            await clinics_crud.create(session, data=DEMO_CLINIC, now=now)
        if await session.get(PluginConfig, (DEMO_CLINIC.id, "console")) is None:
            session.add(
                PluginConfig(
                    clinic_id=DEMO_CLINIC.id,
                    plugin="console",
                    enabled=True,
                    settings={},
                    updated_at=now,
                )
            )
        token = token_file.read_text().strip() if token_file.exists() else None
        if token:
            row = (
                await session.execute(
                    sa.select(ApiToken).where(col(ApiToken.token_hash) == hash_token(token))
                )
            ).scalar_one_or_none()
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
    await remind(runtime)
    return token


SPECIALTIES = [
    {"id": "S-1", "name": "врач-терапевт"},
    {"id": "S-2", "name": "врач общей практики"},
    {"id": "S-3", "name": "медицинская сестра процедурного кабинета"},
    {"id": "S-4", "name": "врач ультразвуковой диагностики", "dative": "врачу УЗ-диагностики"},
]
DOCTORS = [
    {
        "id": "D-1",
        "last_name": "Петрова",
        "first_name": "Анна",
        "middle_name": "Сергеевна",
        "sex": "female",
        "specialty_id": "S-1",
    },
    {
        "id": "D-2",
        "last_name": "Цой",
        "first_name": "Виктор",
        "middle_name": "Робертович",
        "sex": "male",
        "specialty_id": "S-2",
    },
    {
        "id": "D-3",
        "last_name": "Черных",
        "first_name": "Мария",
        "middle_name": "Петровна",
        "sex": "female",
        "specialty_id": "S-3",
    },
    {
        "id": "D-4",
        "last_name": "Кох",
        "first_name": "Роберт",
        "middle_name": "Генрихович",
        "sex": "male",
        "specialty_id": "S-4",
        "dative": "Коху Роберту Генриховичу",
    },
]
SECTIONS = [{"id": "PL-A", "name": "Платные услуги"}, {"id": "PL-DMS", "name": "ДМС"}]
SERVICES = [
    {"id": "SRV-1", "name": "Приём терапевта первичный", "price_list_section": "PL-A"},
    {"id": "SRV-2", "name": "Забор крови из вены", "price_list_section": "PL-A"},
    {"id": "SRV-3", "name": "УЗИ брюшной полости", "price_list_section": "PL-DMS"},
    {"id": "SRV-9", "name": "Справка в бассейн", "price_list_section": "PL-A"},
]
#: One patient per case the reminders must handle.
PATIENTS = [
    {
        "id": "P-1",
        "last_name": "Иванов",
        "first_name": "Иван",
        "middle_name": "Иванович",
        "birth_date": "1980-05-17",
        "sex": "male",
        "phones": ["8 (918) 123-45-67"],
        "email": "ivanov@example.org",
    },
    {
        "id": "P-2",
        "last_name": "Смирнова",
        "first_name": "Ольга",
        "middle_name": "Павловна",
        "sex": "female",
        "phones": ["+7 (495) 123-45-67"],
    },  # a landline: no SMS
    {
        "id": "P-3",
        "last_name": "Кузнецов",
        "first_name": "Пётр",
        "sex": "male",
        "phones": [],
    },  # no phone at all
    {
        "id": "P-4",
        "last_name": "Попова",
        "first_name": "Елена",
        "middle_name": "Игоревна",
        "sex": "female",
        "phones": ["+79161234567"],
        "opt_out": True,
    },  # «отказ от рассылки»
    {
        "id": "P-5",
        "last_name": "Васильев",
        "first_name": "Андрей",
        "sex": "male",
        "phones": ["9031234567"],
        "inpatient": True,
    },  # in hospital now
    {
        "id": "P-6",
        "last_name": "Новикова",
        "first_name": "Дарья",
        "middle_name": "Олеговна",
        "sex": "female",
        "phones": ["8 999 765-43-21"],
    },
]
#: (id, patient, doctor, local time tomorrow, service, section)
APPOINTMENTS = [
    ("A-1", "P-1", "D-1", "09:30", "SRV-1", "PL-A"),
    ("A-2", "P-2", "D-1", "10:00", "SRV-1", "PL-A"),
    ("A-3", "P-3", "D-2", "10:30", "SRV-1", "PL-A"),
    ("A-4", "P-4", "D-2", "11:00", "SRV-1", "PL-A"),
    ("A-5", "P-5", "D-3", "11:30", "SRV-2", "PL-A"),
    ("A-6", "P-6", "D-4", "12:00", "SRV-3", "PL-DMS"),  # an excluded price-list section
    ("A-7", "P-6", "D-3", "12:30", "SRV-9", "PL-A"),  # an excluded service
]


async def sample_data(runtime: Runtime) -> None:
    """Reference data, a patient for each reminder case and tomorrow's appointments.

    Idempotent: a second run changes nothing, except that it moves the appointments to
    the new "tomorrow" if the day has changed.
    """
    from hub.intake import bulk, reference
    from hub.intake.scope import ClinicScope
    from hub.schemas.bulk import BulkIn
    from hub.schemas.reference import KINDS

    clinic = await ClinicScope.load(runtime, DEMO_CLINIC.id)
    now = runtime.clock.now()
    tomorrow = (now.astimezone(clinic.tz) + dt.timedelta(days=1)).date()
    async with runtime.db.session() as session:
        for kind, items in (
            ("price_list_sections", SECTIONS),
            ("specialties", SPECIALTIES),
            ("doctors", DOCTORS),
            ("services", SERVICES),
        ):
            models = [KINDS[kind].model_validate(item) for item in items]
            await reference.replace(session, clinic, kind, models, now=now)
        appointments = [
            {
                "id": aid,
                "patient_id": pid,
                "doctor_id": did,
                "cabinet": "2" + aid[-1],
                "start": f"{tomorrow.isoformat()}T{at}:00",
                "services": [{"id": sid, "price_list_section": section}],
            }
            for aid, pid, did, at, sid, section in APPOINTMENTS
        ]
        result = await bulk.apply(
            session, runtime, clinic, BulkIn(patients=PATIENTS, appointments=appointments), now=now
        )
    failed = [item for item in result.items if item.result == "error"]
    if failed:
        raise RuntimeError(f"demo data refused: {failed}")


async def remind(runtime: Runtime) -> None:
    """Run the demo clinic's reminder for tomorrow now, so that ``make run`` shows
    reminders being queued and, by the console provider, sent (the daily 12:00 run does
    the same; its dedupe keys make a second ``hub demo`` queue nothing twice)."""
    from hub.reminders import daily, timing

    snapshot = await runtime.snapshot(DEMO_CLINIC.id)
    tomorrow = timing.local_date(runtime.clock.now(), snapshot.info.tz) + dt.timedelta(days=1)
    rule = await daily.rule_for(runtime, snapshot, None)
    await daily.run_day(runtime, snapshot, rule, day=tomorrow, dry_run=False)
