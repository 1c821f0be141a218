"""Scale-out of the delivery worker on PostgreSQL (issue 4, must-show).

Two real ``hub worker`` processes send 10,000 queued messages through ``counter_sms``
(``tests/fixtures/plugins/counter``, pip-installed for the session), which counts each
``send_message`` by the message's idempotency key: a message sent twice shows
``hits = 2``.  Then a run where one worker is SIGKILLed half-way: nothing is lost, and
the only messages sent twice are ones the dead worker held in flight; each of those
shows the lost attempt (``lease_expired``) in its journal history.
"""

from __future__ import annotations

import asyncio
import json
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
from alembic import command
from cryptography.fernet import Fernet
from sqlalchemy.engine import make_url

from hub.clock import Clock
from hub.db.engine import sync_url
from hub.db.migrate import alembic_config
from hub.messages.queue import queue_message
from hub.settings import HubSettings
from hub.testing import POSTGRES_ENV, _create_schema, postgres_schema, start_harness

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

MESSAGES = 10_000
PLUGIN = "counter_sms"
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
    """Schema, the counting table, a clinic routed to counter_sms, 10,000 queued messages."""
    install("counter")
    _create_schema(url)
    command.stamp(alembic_config(url), "heads")  # the workers' `db upgrade` has nothing to do
    from hub_counter.core import TABLE_SQL  # type: ignore[import-not-found]

    _query(url, TABLE_SQL)
    settings = HubSettings(
        database_url=url,
        secret_key=key,
        plugins=[PLUGIN],  # type: ignore[arg-type]
        http_transport="httpx",
    )
    runtime, hub = await start_harness(settings, clock=Clock())  # type: ignore[arg-type]
    try:
        # real time: quiet hours off, so the test behaves the same at any hour
        await hub.create_clinic(
            "clinic-1", channels={"sms": [PLUGIN]}, quiet_hours={"enabled": False}
        )
        await hub.enable(PLUGIN)
        async with runtime.db.session() as session:
            for i in range(MESSAGES):
                await queue_message(
                    session,
                    runtime,
                    clinic_id="clinic-1",
                    kind="reminder",
                    channel="sms",
                    address=f"+7918{i:07d}",
                    text=f"Напоминание {i}",
                )
    finally:
        await hub.client.aclose()
        await runtime.close()
    assert _query(url, "SELECT count(*) FROM message WHERE status = 'queued'")[0][0] == MESSAGES


class Worker:
    """A ``hub worker`` process whose output goes to a log file."""

    def __init__(self, url: str, key: str, lease: float, log: Path) -> None:
        env = {
            **os.environ,
            "HUB_DATABASE_URL": url,
            "HUB_SECRET_KEY": key,
            "HUB_PLUGINS": PLUGIN,
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


def _sent(url: str) -> int:
    return int(_query(url, "SELECT count(*) FROM message WHERE status = 'sent'")[0][0])


def _wait(url: str, until: int, workers: list[Worker], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while _sent(url) < until:
        for w in workers:
            w.check_alive()
        if time.monotonic() > deadline:
            pytest.fail(f"only {_sent(url)} of {until} messages sent after {timeout:.0f} s")
        time.sleep(0.2)


def _counts(url: str) -> tuple[int, int, int, dict[int, int]]:
    """(distinct messages the provider got, its calls, max calls of one, calls per pid)."""
    seen, calls, most = _query(url, "SELECT count(*), sum(hits), max(hits) FROM counter_seen")[0]
    per_pid = dict(_query(url, "SELECT pid, sum(hits) FROM counter_seen GROUP BY pid"))
    return int(seen), int(calls), int(most), {int(k): int(v) for k, v in per_pid.items()}


def test_two_workers_send_every_message_exactly_once(
    pg_url: str, install_distribution: Callable[[str], str], tmp_path: Path
) -> None:
    key = Fernet.generate_key().decode()
    asyncio.run(_prepare(pg_url, key, install_distribution))
    workers = [Worker(pg_url, key, 60, tmp_path / f"worker{i}.log") for i in range(2)]
    started = time.monotonic()
    try:
        _wait(pg_url, MESSAGES, workers, timeout=600)
    finally:
        for w in workers:
            w.stop()
    elapsed = time.monotonic() - started
    seen, calls, most, per_pid = _counts(pg_url)
    assert (seen, calls, most) == (MESSAGES, MESSAGES, 1)
    assert len(per_pid) == 2, f"both workers should have taken work: {per_pid}"
    assert _query(pg_url, "SELECT status, count(*) FROM message GROUP BY status") == [
        ("sent", MESSAGES)
    ]
    assert _query(pg_url, "SELECT sum(cost) FROM message")[0][0] == MESSAGES / 2
    print(
        f"\n2 workers: {MESSAGES} messages sent in {elapsed:.1f} s "
        f"({MESSAGES / elapsed:.0f}/s), split {sorted(per_pid.values())}"
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
        _wait(pg_url, MESSAGES // 2, [victim, survivor], timeout=600)
        victim.stop(signal.SIGKILL)
        killed_at = _sent(pg_url)
        _wait(pg_url, MESSAGES, [survivor], timeout=600)
    finally:
        victim.stop()
        survivor.stop()
    seen, calls, most, per_pid = _counts(pg_url)
    assert seen == MESSAGES, "every message reached the provider"
    assert _query(pg_url, "SELECT status, count(*) FROM message GROUP BY status") == [
        ("sent", MESSAGES)
    ]
    # what the victim held in flight: every message it had claimed and not recorded was
    # re-claimed after its lease, with a lease_expired line in the history
    held = {
        int(row[0]): row[1]
        for row in _query(
            pg_url, "SELECT id, history FROM message WHERE history::text LIKE '%lease_expired%'"
        )
    }
    resent = _query(pg_url, "SELECT key FROM counter_seen WHERE hits > 1")
    resent_ids = {int(k.rsplit(":", 1)[1]) for (k,) in resent}
    assert calls - seen == len(resent_ids), "a message is re-sent at most once"
    assert resent_ids <= set(held), "only messages the dead worker held were sent twice"
    assert len(held) <= HubSettings().worker_batch
    for history in held.values():
        events = [
            line["event"]
            for line in (history if isinstance(history, list) else json.loads(history))
        ]
        assert events == ["queued", "lease_expired", "attempt"]
    print(
        f"\nkilled one worker after {killed_at} messages: nothing lost; it held {len(held)} "
        f"in flight, of which {len(resent_ids)} had reached the provider and were sent again "
        f"(max calls of one message {most}); calls per pid {per_pid}"
    )
