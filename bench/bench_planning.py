"""Planning benchmark: 50,000 and 100,000 appointments across 50 clinics selected and
queued, each against the bare baseline in one run.

The hub's run (``hub.reminders.daily.run_day`` for every clinic: load tomorrow's
appointments with cards and reference data, decide each one — flags, exclusions, the
phone's verdict stored with the card —, render the text with the doctor's dative and an
answer link, queue with dedupe keys, store the hashed links) is compared with the floor
of what any implementation must do: one bare ``INSERT INTO message ... SELECT`` of the
same rows (constant text, the phone as stored, no checks) into the same database.  The
baseline runs first, into an empty table; the hub's run then writes into a table that
already holds its rows, so the ratio errs against the hub.  The cards are seeded as
intake writes them, with the verdict on their phones (``patient.phone_verdict``, decided
by libphonenumber when the card is written; the seeding is not timed).  The measuring
process keeps its start-up objects out of the garbage collector's walks before timing,
as ``hub serve`` and ``hub worker`` (the processes that run the scheduler) do.

    python -m bench planning        (make bench)
    HUB_BENCH_SCALE=0.1             a tenth of the appointments (a quick look)
    HUB_BENCH_POSTGRES_URL=...      also on PostgreSQL (a fresh schema, dropped after)

Peak memory is the growth of the process's peak RSS during the hub's run; each size runs
in a fresh process (seeded by the parent), so the two growths compare: flat means the
hub streams the day instead of loading it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from cryptography.fernet import Fernet
from sqlmodel import SQLModel

from hub import services
from hub._startup import freeze_startup_objects
from hub.clock import FrozenClock
from hub.db.engine import sync_url
from hub.db.models import AppointmentRecord, Clinic, Message, PatientRecord, ReferenceItem
from hub.db.types import JSONType
from hub.reminders import daily
from hub.runtime import Runtime
from hub.schemas.clinics import ClinicOptions
from hub.settings import HubSettings
from hub.text.phones import CardPhones

CLINICS = 50
#: The two sizes whose peak memory must match (streamed: flat in the size).  Both give
#: each clinic at least a full chunk (``hub.intake.snapshots.STREAM_CHUNK``, 1,000):
#: a smaller day holds less than a chunk, so its peak is smaller for that reason alone.
SIZES = (50_000, 100_000)
ZONES = (
    "Europe/Kaliningrad",
    "Europe/Moscow",
    "Asia/Yekaterinburg",
    "Asia/Novosibirsk",
    "Asia/Vladivostok",
)
NOW = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)


def _cpu_seconds() -> float:
    """This process's CPU time (every thread: SQLite works in aiosqlite's)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _seed(url: str, per_clinic: int) -> None:
    """Clinics, reference data, one card and one appointment tomorrow per slot."""
    import hub.db.models  # noqa: F401

    engine = sa.create_engine(sync_url(url))
    SQLModel.metadata.create_all(engine)
    now = NOW
    options = ClinicOptions().model_dump(mode="json")
    region = ClinicOptions().phone_region
    with engine.begin() as conn:
        for c in range(CLINICS):
            clinic_id, zone = f"c{c:02d}", ZONES[c % len(ZONES)]
            conn.execute(
                sa.insert(Clinic.__table__),
                [
                    dict(  # type: ignore[attr-defined]
                        id=clinic_id,
                        name=f"Клиника {c}",
                        timezone=zone,
                        address=f"ул. Ленина, {c}",
                        phone="+74951234567",
                        options=options,
                        created_at=now,
                        updated_at=now,
                    )
                ],
            )
            refs = [
                (
                    "specialties",
                    "S-3",
                    {"name": "врач-терапевт", "auto": {"dative": "врачу-терапевту"}},
                ),
                (
                    "doctors",
                    "D-7",
                    {
                        "last_name": "Петрова",
                        "first_name": "Анна",
                        "middle_name": "Сергеевна",
                        "sex": "female",
                        "specialty_id": "S-3",
                        "auto": {
                            "dative": "Петровой Анне Сергеевне",
                            "dative_short": "Петровой А. С.",
                            "short_name": "Петрова А. С.",
                        },
                    },
                ),
                ("services", "SRV-1", {"name": "Приём терапевта", "price_list_section": "PL-A"}),
            ]
            conn.execute(
                sa.insert(ReferenceItem.__table__),
                [  # type: ignore[attr-defined]
                    {
                        "clinic_id": clinic_id,
                        "kind": kind,
                        "external_id": rid,
                        "data": data,
                        "updated_at": now,
                    }
                    for kind, rid, data in refs
                ],
            )
            tomorrow = (now.astimezone(ZoneInfo(zone)) + dt.timedelta(days=1)).date()
            patients, appointments = [], []
            for n in range(per_clinic):
                pid = f"P-{n}"
                patients.append(
                    dict(
                        clinic_id=clinic_id,
                        external_id=pid,
                        last_name="Иванов",
                        first_name="Иван",
                        middle_name="Иванович",
                        phones=[f"+7918{c:02d}{n:05d}"],
                        phone_verdict=CardPhones.of([f"+7918{c:02d}{n:05d}"], region).to_json(),
                        opt_out=n % 50 == 0,
                        inpatient=False,
                        created_at=now,
                        updated_at=now,
                    )
                )
                start = dt.datetime.combine(
                    tomorrow, dt.time(8), tzinfo=ZoneInfo(zone)
                ) + dt.timedelta(minutes=(n % 48) * 15)
                appointments.append(
                    dict(
                        clinic_id=clinic_id,
                        external_id=f"A-{n}",
                        patient_id=pid,
                        doctor_id="D-7",
                        specialty_id="S-3",
                        services=[{"id": "SRV-1", "price_list_section": "PL-A"}],
                        start=start,
                        end=None,
                        cabinet="214",
                        status="booked",
                        comment="",
                        cancelled=False,
                        created_at=now,
                        updated_at=now,
                    )
                )
            conn.execute(sa.insert(PatientRecord.__table__), patients)  # type: ignore[attr-defined]
            conn.execute(sa.insert(AppointmentRecord.__table__), appointments)  # type: ignore[attr-defined]
    engine.dispose()


async def _baseline(runtime: Runtime) -> tuple[float, int]:
    """One bare INSERT ... SELECT of every appointment of tomorrow into ``message``."""
    appointment, patient = AppointmentRecord.__table__, PatientRecord.__table__  # type: ignore[attr-defined]
    message = Message.__table__  # type: ignore[attr-defined]
    now = runtime.clock.now()
    phone = (
        sa.cast(patient.c.phones, sa.String)
        if runtime.db.is_sqlite
        else patient.c.phones.op("->>")(0)
    )
    select = (
        sa.select(
            appointment.c.clinic_id,
            sa.literal("reminder"),
            sa.literal("sms"),
            phone,
            sa.literal("Напоминаем о записи"),
            sa.literal(""),
            appointment.c.patient_id,
            appointment.c.external_id,
            appointment.c.start,
            sa.literal(False),
            ("baseline:" + appointment.c.external_id + ":" + appointment.c.clinic_id),
            sa.literal("queued"),
            sa.literal([], JSONType),
            sa.literal(0),
            sa.literal(now, Message.__table__.c.next_attempt_at.type),  # type: ignore[attr-defined]
            sa.literal(now, Message.__table__.c.created_at.type),  # type: ignore[attr-defined]
        )
        .select_from(
            appointment.join(
                patient,
                sa.and_(
                    patient.c.clinic_id == appointment.c.clinic_id,
                    patient.c.external_id == appointment.c.patient_id,
                ),
            )
        )
        .where(appointment.c.start >= now + dt.timedelta(hours=6))
    )
    columns = [
        "clinic_id",
        "kind",
        "channel",
        "address",
        "text",
        "recipient_search",
        "patient_id",
        "appointment_id",
        "appointment_at",
        "essential",
        "dedupe_key",
        "status",
        "history",
        "attempts",
        "next_attempt_at",
        "created_at",
    ]
    t0 = time.perf_counter()
    async with runtime.db.session() as session:
        await session.execute(sa.insert(message).from_select(columns, select))
    seconds = time.perf_counter() - t0
    async with runtime.db.session() as session:
        rows = int(
            (
                await session.execute(
                    sa.select(sa.func.count())
                    .select_from(message)
                    .where(message.c.dedupe_key.like("baseline:%"))
                )
            ).scalar_one()
        )
    async with runtime.db.session() as session:  # keep the table's size, drop the rows' keys
        await session.execute(sa.update(message).values(status="failed"))
    return seconds, rows


async def _hub(runtime: Runtime) -> tuple[float, int, int]:
    """Every clinic's run as the scheduler starts it (counts only, nothing collected)."""
    queued = skipped = 0
    t0 = time.perf_counter()
    for c in range(CLINICS):
        snapshot = await runtime.snapshot(f"c{c:02d}")
        rule = await daily.rule_for(runtime, snapshot, None)
        day = (runtime.clock.now().astimezone(snapshot.info.tz) + dt.timedelta(days=1)).date()
        result = await daily.run_day(runtime, snapshot, rule, day=day, dry_run=False, collect=False)
        queued += result.queued
        skipped += result.skipped_count
    return time.perf_counter() - t0, queued, skipped


async def _measure(url: str, per_clinic: int, key_file: Path) -> dict[str, Any]:
    """Baseline, then the hub, in this process (seeded by the caller)."""
    settings = HubSettings(
        database_url=url,
        secret_key=Fernet.generate_key().decode(),  # type: ignore[arg-type]
        secret_key_file=key_file,
        public_url="https://hub.example.org",
        plugins=["console"],
    )
    runtime = Runtime(settings, services=services.make, clock=FrozenClock(NOW))
    runtime.load_plugins()
    # as the processes that run the scheduler do once started (``hub serve``, ``hub
    # worker``): the start-up objects are not walked by the run's collections
    freeze_startup_objects()
    try:
        base_seconds, base_rows = await _baseline(runtime)
        rss_before, cpu_before = _rss_mb(), _cpu_seconds()
        hub_seconds, queued, skipped = await _hub(runtime)
        rss_peak, hub_cpu = _rss_mb(), _cpu_seconds() - cpu_before
    finally:
        await runtime.close()
    return {
        "appointments": per_clinic * CLINICS,
        "clinics": CLINICS,
        "hub_seconds": round(hub_seconds, 2),
        # on a shared machine wall time includes waiting for a core; CPU time does not
        "hub_cpu_seconds": round(hub_cpu, 2),
        "hub_queued": queued,
        "hub_skipped": skipped,
        "hub_per_second": round(per_clinic * CLINICS / hub_seconds),
        "hub_peak_rss_growth_mb": round(max(0.0, rss_peak - rss_before), 1),
        "process_peak_rss_mb": round(rss_peak, 1),
        "baseline_seconds": round(base_seconds, 3),
        "baseline_rows": base_rows,
        "ratio_hub_to_baseline": round(hub_seconds / base_seconds, 1),
    }


def _one(url: str, per_clinic: int, tmp: str) -> dict[str, Any]:
    """Seed here, measure in a fresh process: its peak RSS is the run's alone."""
    _seed(url, per_clinic)
    out = subprocess.run(
        [sys.executable, "-m", "bench.bench_planning", url, str(per_clinic), tmp],
        check=True,
        capture_output=True,
        text=True,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def _backend(make_url: Any, sizes: list[int], tmp: str) -> dict[str, Any]:
    runs = {}
    for per_clinic in sizes:
        with make_url(per_clinic) as url:
            runs[str(per_clinic * CLINICS)] = _one(url, per_clinic, tmp)
    return runs


@contextmanager
def _sqlite(tmp: str, per_clinic: int) -> Iterator[str]:
    yield f"sqlite:///{tmp}/bench-{per_clinic}.db"


@contextmanager
def _postgres(base: str) -> Iterator[str]:
    from hub.testing import postgres_schema

    schema = postgres_schema(base)
    try:
        yield next(schema)
    finally:
        next(schema, None)


def run(results: Path) -> dict[str, Any]:
    scale = float(os.environ.get("HUB_BENCH_SCALE", "1"))
    sizes = [max(1, int(n * scale) // CLINICS) for n in SIZES]
    summary: dict[str, Any] = {
        "what": "reminder planning of a day (run_day per clinic, as the scheduler runs it) "
        "vs one bare INSERT ... SELECT of the same rows, measured in one run; peak RSS "
        "growth of the hub's run at two sizes (flat: streamed in chunks)",
        "machine": f"{os.cpu_count()} cores, Python {sys.version.split()[0]}; shared with "
        "other jobs while measured: compare the ratios, not the seconds",
        "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    with tempfile.TemporaryDirectory() as tmp:
        summary["sqlite"] = _backend(lambda n: _sqlite(tmp, n), sizes, tmp)
        pg = os.environ.get("HUB_BENCH_POSTGRES_URL") or os.environ.get("HUB_TEST_POSTGRES_URL")
        if pg:
            summary["postgresql"] = _backend(lambda n: _postgres(pg), sizes, tmp)
    (results / "planning.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2) + "\n")
    lines = [
        "# Planning benchmark",
        "",
        f"{summary['measured_at']}; {summary['machine']}.",
        f"{CLINICS} clinics; each size seeded fresh and measured in its own process; "
        "the baseline first, the hub's run after it in the same process.",
        "",
        "| database | appointments | hub s | baseline s | hub ÷ baseline "
        "| hub peak RSS growth MB |",
        "|---|---|---|---|---|---|",
    ]
    for backend in ("sqlite", "postgresql"):
        for size, r in summary.get(backend, {}).items():
            lines.append(
                f"| {backend} | {int(size):,} | {r['hub_seconds']} | {r['baseline_seconds']} "
                f"| {r['ratio_hub_to_baseline']} | {r['hub_peak_rss_growth_mb']} |"
            )
    (results / "planning.md").write_text("\n".join(lines) + "\n")
    return summary


if __name__ == "__main__":  # one measurement, in its own process (see _one)
    url, per_clinic, tmp = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    result = asyncio.run(_measure(url, per_clinic, Path(tmp) / f"k{per_clinic}"))
    print(json.dumps(result))
