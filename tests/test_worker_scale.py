"""Scale-out on PostgreSQL: two ``hub worker`` processes deliver every (event, plugin)
pair exactly once; one of them SIGKILLed mid-way loses nothing.

The workers are real processes that discover the ``counter_a``/``counter_b`` plugins by
entry point (``tests/fixtures/plugins/counter``, pip-installed for the session); the
plugins count each delivery in ``counter_seen`` keyed by its idempotency key, so a
duplicate shows as ``hits > 1``.  The process plumbing is in ``tests/conftest.py``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import signal
import time
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet

from hub.db.engine import sync_url
from hub.settings import HubSettings
from hub.testing import _create_schema

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

EVENTS = 10_000
PLUGINS = ["counter_a", "counter_b"]


async def _prepare(url: str, key: str, counter_hub: Any, pg_query: Any) -> None:
    """A clinic with both plugins and 10,000 new appointments (20,000 deliveries)."""
    async with counter_hub(url, key, PLUGINS) as hub:
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
    assert pg_query(url, "SELECT count(*) FROM delivery")[0][0] == EVENTS * len(PLUGINS)


def _counts(pg_query: Any, url: str) -> tuple[int, int, int, dict[int, int]]:
    """(distinct deliveries seen, total calls, max hits, calls per worker pid)."""
    seen, calls, most = pg_query(url, "SELECT count(*), sum(hits), max(hits) FROM counter_seen")[0]
    per_pid = dict(pg_query(url, "SELECT pid, count(*) FROM counter_seen GROUP BY pid"))
    return int(seen), int(calls), int(most), per_pid


def test_two_workers_deliver_every_pair_exactly_once(
    pg_url: str, pg_query: Any, counter_hub: Any, hub_worker: Any, wait_until: Callable[..., None]
) -> None:
    key = Fernet.generate_key().decode()
    asyncio.run(_prepare(pg_url, key, counter_hub, pg_query))
    workers = [hub_worker(pg_url, key, PLUGINS) for _ in range(2)]
    started = time.monotonic()
    done = lambda: pg_query(pg_url, "SELECT count(*) FROM delivery WHERE status = 'done'")[0][0]  # noqa: E731
    wait_until(done, EVENTS * len(PLUGINS), workers, timeout=600)
    elapsed = time.monotonic() - started
    for w in workers:
        w.stop()
    seen, calls, most, per_pid = _counts(pg_query, pg_url)
    assert (seen, calls, most) == (EVENTS * 2, EVENTS * 2, 1)
    assert len(per_pid) == 2, f"both workers should have taken work: {per_pid}"
    rows = pg_query(pg_url, "SELECT status, count(*) FROM delivery GROUP BY status")
    assert rows == [("done", EVENTS * 2)]
    print(
        f"\n2 workers: {EVENTS * 2} deliveries in {elapsed:.1f} s, split {sorted(per_pid.values())}"
    )


def test_a_worker_killed_mid_way_loses_nothing(
    pg_url: str, pg_query: Any, counter_hub: Any, hub_worker: Any, wait_until: Callable[..., None]
) -> None:
    key = Fernet.generate_key().decode()
    asyncio.run(_prepare(pg_url, key, counter_hub, pg_query))
    victim = hub_worker(pg_url, key, PLUGINS, lease=3.0, name="victim")
    survivor = hub_worker(pg_url, key, PLUGINS, lease=3.0, name="survivor")
    done = lambda: pg_query(pg_url, "SELECT count(*) FROM delivery WHERE status = 'done'")[0][0]  # noqa: E731
    wait_until(done, EVENTS // 2, [victim, survivor], timeout=600)
    victim.stop(signal.SIGKILL)
    killed_at = done()
    wait_until(done, EVENTS * len(PLUGINS), [survivor], timeout=600)
    seen, calls, most, per_pid = _counts(pg_query, pg_url)
    redelivered = calls - seen
    assert seen == EVENTS * 2, "every (event, plugin) pair was delivered"
    # only what the victim held in flight may have been delivered twice
    assert redelivered <= HubSettings().worker_batch
    assert pg_query(pg_url, "SELECT count(*) FROM delivery WHERE status <> 'done'")[0][0] == 0
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
