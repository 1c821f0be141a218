"""Scale-out of the delivery worker on PostgreSQL (issue 4, must-show).

Two real ``hub worker`` processes send 10,000 queued messages through ``counter_sms``
(``tests/fixtures/plugins/counter``, pip-installed for the session), which counts each
``send_message`` by the message's idempotency key: a message sent twice shows
``hits = 2``.  Then a run where one worker is SIGKILLed half-way: nothing is lost, and
the only messages sent twice are ones the dead worker held in flight; each of those
shows the lost attempt (``lease_expired``) in its journal history.  Last, workers
killed one after another while ``counter_sms`` answers with a provider's latency: each
kill re-sends at most ``HUB_WORKER_CONCURRENCY`` messages (a slot is given back only
once its result is written).
"""

from __future__ import annotations

import asyncio
import json
import signal
import time
from collections.abc import Callable
from typing import Any

import pytest
from cryptography.fernet import Fernet

from hub.messages.queue import Draft, queue_messages
from hub.settings import HubSettings

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

MESSAGES = 10_000
PLUGIN = "counter_sms"


async def _prepare(url: str, key: str, counter_hub: Any, pg_query: Any) -> None:
    """A clinic routed to counter_sms and 10,000 queued messages."""
    async with counter_hub(url, key, [PLUGIN]) as hub:
        # real time: quiet hours off, so the test behaves the same at any hour
        await hub.create_clinic(
            "clinic-1", channels={"sms": [PLUGIN]}, quiet_hours={"enabled": False}
        )
        await hub.enable(PLUGIN)
        drafts = [
            Draft(kind="reminder", channel="sms", address=f"+7918{i:07d}", text=f"Напоминание {i}")
            for i in range(MESSAGES)
        ]
        async with hub.runtime.db.session() as session:
            await queue_messages(session, hub.runtime, clinic_id="clinic-1", drafts=drafts)
    assert pg_query(url, "SELECT count(*) FROM message WHERE status = 'queued'")[0][0] == MESSAGES


def _counts(pg_query: Any, url: str) -> tuple[int, int, int, dict[int, int]]:
    """(distinct messages the provider got, its calls, max calls of one, calls per pid)."""
    seen, calls, most = pg_query(url, "SELECT count(*), sum(hits), max(hits) FROM counter_seen")[0]
    per_pid = dict(pg_query(url, "SELECT pid, sum(hits) FROM counter_seen GROUP BY pid"))
    return int(seen), int(calls), int(most), {int(k): int(v) for k, v in per_pid.items()}


def test_two_workers_send_every_message_exactly_once(
    pg_url: str, pg_query: Any, counter_hub: Any, hub_worker: Any, wait_until: Callable[..., None]
) -> None:
    key = Fernet.generate_key().decode()
    asyncio.run(_prepare(pg_url, key, counter_hub, pg_query))
    workers = [hub_worker(pg_url, key, [PLUGIN]) for _ in range(2)]
    started = time.monotonic()
    wait_until(lambda: _sent(pg_query, pg_url), MESSAGES, workers, timeout=600)
    elapsed = time.monotonic() - started
    for w in workers:
        w.stop()
    seen, calls, most, per_pid = _counts(pg_query, pg_url)
    assert (seen, calls, most) == (MESSAGES, MESSAGES, 1)
    assert len(per_pid) == 2, f"both workers should have taken work: {per_pid}"
    assert pg_query(pg_url, "SELECT status, count(*) FROM message GROUP BY status") == [
        ("sent", MESSAGES)
    ]
    assert pg_query(pg_url, "SELECT sum(cost) FROM message")[0][0] == MESSAGES / 2
    print(
        f"\n2 workers: {MESSAGES} messages sent in {elapsed:.1f} s "
        f"({MESSAGES / elapsed:.0f}/s), split {sorted(per_pid.values())}"
    )


def test_a_worker_killed_mid_way_loses_nothing(
    pg_url: str, pg_query: Any, counter_hub: Any, hub_worker: Any, wait_until: Callable[..., None]
) -> None:
    key = Fernet.generate_key().decode()
    asyncio.run(_prepare(pg_url, key, counter_hub, pg_query))
    victim = hub_worker(pg_url, key, [PLUGIN], lease=3.0, name="victim")
    survivor = hub_worker(pg_url, key, [PLUGIN], lease=3.0, name="survivor")
    wait_until(lambda: _sent(pg_query, pg_url), MESSAGES // 2, [victim, survivor], timeout=600)
    victim.stop(signal.SIGKILL)
    killed_at = _sent(pg_query, pg_url)
    wait_until(lambda: _sent(pg_query, pg_url), MESSAGES, [survivor], timeout=600)
    seen, calls, most, per_pid = _counts(pg_query, pg_url)
    assert seen == MESSAGES, "every message reached the provider"
    assert pg_query(pg_url, "SELECT status, count(*) FROM message GROUP BY status") == [
        ("sent", MESSAGES)
    ]
    # what the victim held in flight: every message it had claimed and not recorded was
    # re-claimed after its lease, with a lease_expired line in the history
    held = {
        int(row[0]): row[1]
        for row in pg_query(
            pg_url, "SELECT id, history FROM message WHERE history::text LIKE '%lease_expired%'"
        )
    }
    resent = pg_query(pg_url, "SELECT key FROM counter_seen WHERE hits > 1")
    resent_ids = {int(k.rsplit(":", 1)[1]) for (k,) in resent}
    assert calls - seen == len(resent_ids), "a message is re-sent at most once"
    assert resent_ids <= set(held), "only messages the dead worker held were sent twice"
    # a worker holds one batch being sent, the next one claimed, its sends in flight and
    # the results being written
    defaults = HubSettings()
    assert len(held) <= 2 * (defaults.worker_batch + defaults.worker_concurrency)
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


def test_each_killed_worker_resends_at_most_its_concurrency(
    pg_url: str,
    pg_query: Any,
    counter_hub: Any,
    hub_worker: Any,
    wait_until: Callable[..., None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    concurrency = 16
    monkeypatch.setenv("HUB_WORKER_CONCURRENCY", str(concurrency))
    monkeypatch.setenv("COUNTER_SMS_DELAY", "0.02")  # every send is in flight for a while
    key = Fernet.generate_key().decode()
    asyncio.run(_prepare(pg_url, key, counter_hub, pg_query))
    victims = []
    for k in range(1, 4):  # three kills, one worker at a time, each mid-delivery
        victim = hub_worker(pg_url, key, [PLUGIN], lease=2.0, name=f"victim{k}")
        wait_until(lambda k=k: _sent(pg_query, pg_url), k * 1500, [victim], timeout=600)
        victim.stop(signal.SIGKILL)
        victims.append(victim.process.pid)
    survivor = hub_worker(pg_url, key, [PLUGIN], lease=2.0, name="survivor")
    wait_until(lambda: _sent(pg_query, pg_url), MESSAGES, [survivor], timeout=600)
    seen, calls, most, _ = _counts(pg_query, pg_url)
    assert seen == MESSAGES and most <= 2, "every message reached the provider, none thrice"
    # counter_seen keeps the pid of a message's first send: a re-sent message counts
    # against the worker that sent it first and died before recording it
    resent = dict(
        pg_query(pg_url, "SELECT pid, count(*) FROM counter_seen WHERE hits > 1 GROUP BY pid")
    )
    assert set(resent) <= set(victims), "only killed workers' sends are repeated"
    for pid in victims:
        assert resent.get(pid, 0) <= concurrency, f"worker {pid} re-sent {resent[pid]}"
    assert calls - seen == sum(resent.values())
    print(
        f"\n3 kills at HUB_WORKER_CONCURRENCY={concurrency}: re-sent per kill "
        f"{[resent.get(pid, 0) for pid in victims]}"
    )


def _sent(pg_query: Any, url: str) -> int:
    return int(pg_query(url, "SELECT count(*) FROM message WHERE status = 'sent'")[0][0])
