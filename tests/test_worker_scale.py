"""Scale-out on PostgreSQL: two ``hub worker`` processes deliver every (event, plugin)
pair exactly once; one of them SIGKILLed mid-way loses nothing.

The workers are real processes that discover the ``counter_a``/``counter_b`` plugins by
entry point (``tests/fixtures/plugins/counter``, pip-installed for the session); the
plugins count each delivery in ``counter_seen`` keyed by its idempotency key, so a
duplicate shows as ``hits > 1``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa
from alembic import command
from cryptography.fernet import Fernet
from sqlalchemy.engine import make_url

from hub.clock import Clock
from hub.db.engine import sync_url
from hub.db.migrate import alembic_config
from hub.settings import HubSettings
from hub.testing import POSTGRES_ENV, _create_schema, postgres_schema, start_harness

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

EVENTS = 10_000
PLUGINS = ("counter_a", "counter_b")
HUB = str(Path(sys.executable).with_name("hub"))


@pytest.fixture
def pg_url() -> Iterator[str]:
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.skip(f"needs PostgreSQL: set {POSTGRES_ENV}")
    yield from postgres_schema(base)


def _conninfo(url: str) -> str:
    return (
        make_url(sync_url(url)).set(drivername="postgresql").render_as_string(hide_password=False)
    )


def _query(url: str, sql: str) -> Any:
    with psycopg.connect(_conninfo(url), autocommit=True) as conn:
        cursor = conn.execute(sql)
        return cursor.fetchall() if cursor.description else None


async def _prepare(url: str, key: str, install: Callable[[str], str]) -> None:
    """Schema, the counting table, a clinic with both plugins, 10,000 new appointments."""
    install("counter")
    _create_schema(url)
    command.stamp(alembic_config(url), "heads")  # the workers' `db upgrade` has nothing to do
    from hub_counter.core import TABLE_SQL  # type: ignore[import-not-found]

    _query(url, TABLE_SQL)
    settings = HubSettings(
        database_url=url,
        secret_key=key,
        plugins=list(PLUGINS),  # type: ignore[arg-type]
        http_transport="httpx",
    )
    runtime, hub = await start_harness(settings, clock=Clock())  # type: ignore[arg-type]
    try:
        await hub.create_clinic("clinic-1")
        for plugin in PLUGINS:
            await hub.enable(plugin)
        await hub.seed_reference()
        start = dt.datetime(2026, 11, 24, 8, 0)
        body = {
            "patients": [
                {
                    "id": f"P-{i}",
                    "last_name": "Тестов",
                    "first_name": "Тест",
                    "phones": ["+79180000000"],
                }
                for i in range(EVENTS // 4)
            ],
            "appointments": [
                {
                    "id": f"A-{i}",
                    "patient_id": f"P-{i // 4}",
                    "doctor_id": "D-7",
                    "start": (start + dt.timedelta(minutes=i % 720)).isoformat(),
                }
                for i in range(EVENTS)
            ],
        }
        response = await hub.client.post("/api/v1/clinics/clinic-1/bulk", json=body, timeout=600)
        assert response.status_code == 200, response.text[:300]
        assert response.json()["counts"]["appointments.created"] == EVENTS
    finally:
        await hub.client.aclose()
        await runtime.close()
    assert _query(url, "SELECT count(*) FROM delivery")[0][0] == EVENTS * len(PLUGINS)


class Worker:
    """A ``hub worker`` process whose output goes to a log file."""

    def __init__(self, url: str, key: str, lease: float, log: Path) -> None:
        env = {
            **os.environ,
            "HUB_DATABASE_URL": url,
            "HUB_SECRET_KEY": key,
            "HUB_PLUGINS": ",".join(PLUGINS),
            "COUNTER_DSN": _conninfo(url),
            "HUB_WORKER_LEASE": str(lease),
            "HUB_WORKER_POLL": "0.2",
            "HUB_LOG_LEVEL": "WARNING",
        }
        self.log = log
        with log.open("ab") as out:  # the child keeps its own copy of the descriptor
            self.process = subprocess.Popen(
                [HUB, "worker"], env=env, stdout=out, stderr=subprocess.STDOUT
            )

    def check_alive(self) -> None:
        if self.process.poll() is not None:
            pytest.fail(
                f"worker exited {self.process.returncode}: "
                f"{self.log.read_text(errors='replace')[-2000:]}"
            )

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _done(url: str) -> int:
    return int(_query(url, "SELECT count(*) FROM delivery WHERE status = 'done'")[0][0])


def _wait(url: str, until: int, workers: list[Worker], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while _done(url) < until:
        for w in workers:
            w.check_alive()
        if time.monotonic() > deadline:
            pytest.fail(f"only {_done(url)} of {until} deliveries done after {timeout:.0f} s")
        time.sleep(0.2)


def _counts(url: str) -> tuple[int, int, int, dict[int, int]]:
    """(distinct deliveries seen, total calls, max hits, calls per worker pid)."""
    seen, calls, most = _query(url, "SELECT count(*), sum(hits), max(hits) FROM counter_seen")[0]
    per_pid = dict(_query(url, "SELECT pid, count(*) FROM counter_seen GROUP BY pid"))
    return int(seen), int(calls), int(most), per_pid


def test_two_workers_deliver_every_pair_exactly_once(
    pg_url: str, install_distribution: Callable[[str], str], tmp_path: Path
) -> None:
    key = Fernet.generate_key().decode()
    asyncio.run(_prepare(pg_url, key, install_distribution))
    workers = [Worker(pg_url, key, 60, tmp_path / f"worker{i}.log") for i in range(2)]
    started = time.monotonic()
    try:
        _wait(pg_url, EVENTS * len(PLUGINS), workers, timeout=600)
    finally:
        for w in workers:
            w.stop()
    elapsed = time.monotonic() - started
    seen, calls, most, per_pid = _counts(pg_url)
    assert (seen, calls, most) == (EVENTS * 2, EVENTS * 2, 1)
    assert len(per_pid) == 2, f"both workers should have taken work: {per_pid}"
    rows = _query(pg_url, "SELECT status, count(*) FROM delivery GROUP BY status")
    assert rows == [("done", EVENTS * 2)]
    print(
        f"\n2 workers: {EVENTS * 2} deliveries in {elapsed:.1f} s, split {sorted(per_pid.values())}"
    )


def test_a_worker_killed_mid_way_loses_nothing(
    pg_url: str, install_distribution: Callable[[str], str], tmp_path: Path
) -> None:
    key = Fernet.generate_key().decode()
    asyncio.run(_prepare(pg_url, key, install_distribution))
    lease = 3.0
    victim = Worker(pg_url, key, lease, tmp_path / "victim.log")
    survivor = Worker(pg_url, key, lease, tmp_path / "survivor.log")
    try:
        _wait(pg_url, EVENTS // 2, [victim, survivor], timeout=600)
        victim.stop(signal.SIGKILL)
        killed_at = _done(pg_url)
        _wait(pg_url, EVENTS * len(PLUGINS), [survivor], timeout=600)
    finally:
        victim.stop()
        survivor.stop()
    seen, calls, most, per_pid = _counts(pg_url)
    redelivered = calls - seen
    assert seen == EVENTS * 2, "every (event, plugin) pair was delivered"
    # only what the victim held in flight may have been delivered twice
    assert redelivered <= HubSettings().worker_batch
    assert _query(pg_url, "SELECT count(*) FROM delivery WHERE status <> 'done'")[0][0] == 0
    print(
        f"\nkilled one worker after {killed_at} deliveries: nothing lost, "
        f"{redelivered} redelivered (max hits {most}), calls per pid {per_pid}"
    )


def test_schema_has_the_claim_index(pg_url: str) -> None:
    _create_schema(pg_url)
    engine = sa.create_engine(sync_url(pg_url))
    try:
        names = {i["name"] for i in sa.inspect(engine).get_indexes("delivery")}
    finally:
        engine.dispose()
    assert {"ix_delivery_due", "ix_delivery_subject"} <= names
