"""Intake benchmark: appointments upserted per second through the hub's HTTP API, single
``PUT`` and bulk, against a bare FastAPI endpoint writing the same rows into the same
table of the same database (``bench/bare_intake.py``), measured in one run.

Both servers run under uvicorn (uvloop + httptools) in their own process, both up at
once, and get the same requests from one aiohttp client (16 in flight for single PUTs)
in alternating rounds (hub, bare, hub, bare: the machine may be shared); the median of
the rounds' ratios counts.  The hub does what the bare endpoint does not:
authentication, validation of every field and reference, comparison with the stored
row, the event rows of the outbox.  No plugin
listens during the run, so no delivery rows are written (each listening plugin adds one
row per event, inserted in the same multi-row statement).

Runs on SQLite, and on PostgreSQL too when ``HUB_TEST_POSTGRES_URL`` is set.  Results:
``bench/results/intake.json`` and ``intake.md``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import aiohttp
from alembic import command
from cryptography.fernet import Fernet

from hub.clock import Clock
from hub.db.migrate import alembic_config
from hub.settings import HubSettings
from hub.testing import POSTGRES_ENV, _create_schema, postgres_schema, start_harness

SINGLE = 2000
BULK = 10_000
PATIENTS = 2000
IN_FLIGHT = 16
ROUNDS = 3
HUB = str(Path(sys.executable).with_name("hub"))
DAY = dt.datetime(2026, 11, 24, 8, 0)


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _body(i: int, cabinet: str = "1") -> dict[str, Any]:
    return {
        "patient_id": f"P-{i % PATIENTS}",
        "doctor_id": "D-7",
        "services": [{"id": "SRV-1"}],
        "start": (DAY + dt.timedelta(minutes=i % 720)).isoformat(),
        "cabinet": cabinet,
    }


async def _prepare(url: str, key: str) -> str:
    """Clinics ``hub`` and ``bare`` with the same patients; a clinic token for ``hub``."""
    settings = HubSettings(
        database_url=url,
        secret_key=key,
        plugins=["console"],  # type: ignore[arg-type]
        http_transport="httpx",
    )
    runtime, harness = await start_harness(settings, clock=Clock())  # type: ignore[arg-type]
    try:
        for clinic in ("hub", "bare"):
            await harness.create_clinic(clinic)
            await harness.seed_reference(clinic)
            patients = [
                {
                    "id": f"P-{i}",
                    "last_name": "Тестова",
                    "first_name": "Анна",
                    "phones": ["+79180000000"],
                }
                for i in range(PATIENTS)
            ]
            r = await harness.client.post(
                f"/api/v1/clinics/{clinic}/bulk", json={"patients": patients}
            )
            assert r.status_code == 200, r.text[:300]
        return await harness.token("clinic", "hub")
    finally:
        await harness.client.aclose()
        await runtime.close()


def _wait_listening(process: subprocess.Popen[bytes], port: int, argv: Any = ()) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{list(argv)[:3]} did not start") from None
            time.sleep(0.2)


@contextmanager
def _server(argv: list[str], env: dict[str, str], port: int) -> Iterator[str]:
    process = subprocess.Popen(
        argv, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_listening(process, port, argv)
        yield base
    finally:
        process.terminate()
        process.wait(30)


async def _single(session: aiohttp.ClientSession, url: str, prefix: str) -> float:
    gate = asyncio.Semaphore(IN_FLIGHT)

    async def one(i: int) -> None:
        async with gate, session.put(f"{url}/{prefix}{i}", json=_body(i)) as response:
            assert response.status in (200, 201), await response.text()
            await response.read()

    started = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(SINGLE)))
    return SINGLE / (time.perf_counter() - started)


async def _bulk(session: aiohttp.ClientSession, url: str, body: dict[str, Any]) -> float:
    started = time.perf_counter()
    async with session.post(url, json=body, timeout=aiohttp.ClientTimeout(total=900)) as response:
        assert response.status == 200, (await response.text())[:300]
        await response.read()
    return BULK / (time.perf_counter() - started)


class _Target:
    """One server under test: where to send, with what token."""

    def __init__(self, base: str, token: str | None, single_url: str, bulk_url: str) -> None:
        self.base, self.token, self.single_url, self.bulk_url = base, token, single_url, bulk_url

    def session(self, *, fresh: bool = False) -> aiohttp.ClientSession:
        """Pooled connections for the single PUTs; ``fresh``: a connection of its own (a
        pooled one left idle during a long bulk may have been closed by the server's
        keep-alive timeout, and a 2 MB body written into it breaks the pipe)."""
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        connector = aiohttp.TCPConnector(limit=IN_FLIGHT, force_close=fresh)
        return aiohttp.ClientSession(self.base, headers=headers, connector=connector)

    async def round(self, r: int) -> dict[str, float]:
        """Fresh ids per round: single PUTs create, the first bulk creates, the second
        changes every appointment's cabinet."""
        created = {"appointments": [{"id": f"B{r}-{i}", **_body(i)} for i in range(BULK)]}
        changed = {"appointments": [{"id": f"B{r}-{i}", **_body(i, "2")} for i in range(BULK)]}
        async with self.session() as session:
            single = await _single(session, self.single_url, f"S{r}-")
        async with self.session(fresh=True) as session:
            create = await _bulk(session, self.bulk_url, created)
        async with self.session(fresh=True) as session:
            update = await _bulk(session, self.bulk_url, changed)
        return {
            "single_put_per_s": single,
            "bulk_create_per_s": create,
            "bulk_update_per_s": update,
        }


async def _alternate(
    hub: _Target, bare: _Target
) -> tuple[dict[str, float], dict[str, float], dict[str, float]]:
    """ROUNDS rounds, hub then bare in each, both servers up all along.  The machine is
    shared, so each round's ratio compares two neighbouring windows; the median of the
    rounds' ratios counts (and each side's median rate is shown)."""
    rounds: list[tuple[dict[str, float], dict[str, float]]] = []
    for r in range(ROUNDS):
        rounds.append((await hub.round(r), await bare.round(r)))
    modes = list(rounds[0][0])
    return (
        {m: statistics.median(h[m] for h, _ in rounds) for m in modes},
        {m: statistics.median(b[m] for _, b in rounds) for m in modes},
        {m: statistics.median(h[m] / b[m] for h, b in rounds) for m in modes},
    )


def _backend(url: str) -> dict[str, Any]:
    key = Fernet.generate_key().decode()
    _create_schema(url)
    command.stamp(alembic_config(url), "heads")
    token = asyncio.run(_prepare(url, key))
    env = {
        "HUB_DATABASE_URL": url,
        "HUB_SECRET_KEY": key,
        "HUB_PLUGINS": "console",
        "HUB_LOG_LEVEL": "WARNING",
        "HUB_ADMIN_TOKEN": secrets.token_urlsafe(16),
    }
    hub_port, bare_port = _port(), _port()
    hub_argv = [HUB, "serve", "--no-worker", "--no-migrate", "--port", str(hub_port)]
    bare_argv = [sys.executable, "-m", "bench.bare_intake", url, str(bare_port)]
    with _server(hub_argv, env, hub_port) as hub_base, _server(bare_argv, {}, bare_port) as base:
        hub, bare, ratio = asyncio.run(
            _alternate(
                _Target(
                    hub_base,
                    token,
                    "/api/v1/clinics/hub/appointments",
                    "/api/v1/clinics/hub/bulk",
                ),
                _Target(base, None, "/appointments", "/bulk"),
            )
        )
    return {
        "hub": {k: round(v, 1) for k, v in hub.items()},
        "bare": {k: round(v, 1) for k, v in bare.items()},
        "ratio_hub_to_bare": {k: round(v, 3) for k, v in ratio.items()},
    }


def run(results: Path) -> dict[str, Any]:
    out: dict[str, Any] = {
        "what": "appointments upserted per second: hub HTTP API vs a bare FastAPI insert",
        "single_puts": SINGLE,
        "rounds": ROUNDS,
        "in_flight": IN_FLIGHT,
        "bulk_size": BULK,
        "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    with tempfile.TemporaryDirectory() as tmp:
        out["sqlite"] = _backend(f"sqlite:///{Path(tmp) / 'bench.db'}")
    base = os.environ.get(POSTGRES_ENV)
    if base:
        for url in postgres_schema(base):
            out["postgresql"] = _backend(url)
    (results / "intake.json").write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n")
    lines = [
        "# Intake benchmark",
        "",
        f"{out['measured_at']}; single PUTs: {SINGLE} "
        f"({IN_FLIGHT} in flight); bulk: {BULK} appointments per request; {ROUNDS} "
        "alternating rounds (hub, bare); rates: each side's median; ratio: the median of "
        "the rounds' ratios. Measured on a machine shared with other jobs: compare the "
        "ratios, not the rates.",
        "",
        "| database | mode | hub /s | bare /s | hub ÷ bare |",
        "|---|---|---|---|---|",
    ]
    for backend in ("sqlite", "postgresql"):
        if backend in out:
            for mode in ("single_put_per_s", "bulk_create_per_s", "bulk_update_per_s"):
                r = out[backend]
                lines.append(
                    f"| {backend} | {mode} | {r['hub'][mode]:,.0f} | {r['bare'][mode]:,.0f} "
                    f"| {r['ratio_hub_to_bare'][mode]:.2f} |"
                )
    (results / "intake.md").write_text("\n".join(lines) + "\n")
    return out
