"""Delivery rate: the hub's worker against the practical limit of this machine.

Scenarios, each in its own process (so peak memory is its own), in one run:

    limit            raw aiohttp posting the sms.ru form to the fake gateway, 32 in flight
    httpx_aiohttp    httpx.AsyncClient + httpx_aiohttp transport alone, 32 in flight
    httpx_default    httpx.AsyncClient with its own transport alone, 32 in flight
    hub_console      the delivery worker through the built-in console provider (no HTTP)
    hub_http         the delivery worker through an sms.ru-like HTTP provider plugin using
                     ``ctx.http`` with the hub's default transport (aiohttp)
    hub_http_httpx   the same with ``HUB_HTTP_TRANSPORT=httpx``

The hub scenarios queue N messages in a fresh database (SQLite; PostgreSQL too when
``HUB_BENCH_POSTGRES_URL`` or ``HUB_TEST_POSTGRES_URL`` is set), then time the worker
step (claim in batches, send with ``HUB_WORKER_CONCURRENCY`` = 32 in flight, write
results in batches) until every message is ``sent``.  The fake gateway is
``bench/fake_sms_gateway.py`` under uvicorn with uvloop and httptools.  Ratios are
against ``limit`` measured in the same run.  ``python -m bench.bench_delivery
<scenario> <n> [database-url]`` runs one scenario and prints its JSON.
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

N = int(os.environ.get("HUB_BENCH_MESSAGES", "20000"))
#: The rate limit (messages a second) of the rate-limited batch scenario.
RATE = 2000
SLOW_N = 2000  # httpx's own transport: ~0.07x the limit, 20,000 would take minutes
CONCURRENCY = 32
FORM = {"api_id": "bench-key", "msg": "Напоминание о приёме 24.11.2026 в 10:30", "json": "1"}
ROOT = Path(__file__).resolve().parent.parent


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- clients alone ------------------------------------------------------------------


async def _pump(n: int, post: Any) -> float:
    sem = asyncio.Semaphore(CONCURRENCY)

    async def one(i: int) -> None:
        async with sem:
            await post(i)

    started = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(n)))
    return time.perf_counter() - started


async def raw_aiohttp(url: str, n: int) -> float:
    import aiohttp

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=CONCURRENCY)) as s:

        async def post(i: int) -> None:
            async with s.post(url, data={**FORM, "to": f"7918{i:07d}"}) as r:
                await r.json(content_type=None)

        return await _pump(n, post)


async def httpx_client(url: str, n: int, aio: bool) -> float:
    import httpx

    from hub.http_client import build_http_client
    from hub.settings import HubSettings

    settings = HubSettings(
        http_transport="aiohttp" if aio else "httpx",  # type: ignore[call-arg]
        http_max_connections=CONCURRENCY,
    )
    async with build_http_client(settings) as client:
        assert isinstance(client, httpx.AsyncClient)

        async def post(i: int) -> None:
            (await client.post(url, data={**FORM, "to": f"7918{i:07d}"})).json()

        return await _pump(n, post)


# --- the hub ------------------------------------------------------------------------


#: The real sms.ru plugin's settings per scenario: no sms/cost beside each send (one
#: request per SMS, as the limit sends; the cost comes later from the status poll).
SMSRU = {
    "hub_smsru": {"batch_send": False},
    "hub_smsru_batch": {"batch_send": True},
    "hub_smsru_batch_rate": {"batch_send": True, "rate_limit_per_second": RATE},
}


async def hub_run(scenario: str, n: int, database_url: str, gateway: str | None) -> dict[str, Any]:
    from cryptography.fernet import Fernet

    from hub.clock import Clock
    from hub.db.models import Message
    from hub.messages.delivery import DeliveryStep
    from hub.messages.queue import queue_message
    from hub.settings import HubSettings
    from hub.testing import start_harness

    provider = "console" if scenario == "hub_console" else "smsru"
    settings = HubSettings(  # type: ignore[call-arg]
        database_url=database_url,
        secret_key=Fernet.generate_key().decode(),
        plugins=sorted({"console", provider}),
        worker_concurrency=CONCURRENCY,
        log_level="WARNING",
    )
    runtime, hub = await start_harness(settings, clock=Clock())  # type: ignore[arg-type]
    try:
        await hub.create_clinic(
            "clinic-1", channels={"sms": [provider]}, quiet_hours={"enabled": False}
        )
        if provider == "console":
            await hub.enable("console", settings={"log_text": False})
        else:
            await hub.enable(
                "smsru",
                settings={
                    "api_id": FORM["api_id"] + "-0000",
                    "base_url": gateway,
                    "cost_lookup": False,
                    "status_poll_minutes": 0,
                    **SMSRU[scenario],
                },
            )
        started = time.perf_counter()
        async with runtime.db.session() as session:
            for i in range(n):
                await queue_message(
                    session,
                    runtime,
                    clinic_id="clinic-1",
                    kind="reminder",
                    channel="sms",
                    address=f"+7918{i:07d}",
                    text=FORM["msg"],
                )
        queued_in = time.perf_counter() - started
        step = DeliveryStep()
        started = time.perf_counter()
        while await step(runtime):
            pass
        elapsed = time.perf_counter() - started
        import sqlalchemy as sa

        async with runtime.db.session() as session:
            sent = (
                await session.execute(
                    sa.select(sa.func.count()).select_from(Message).where(Message.status == "sent")  # type: ignore[arg-type]
                )
            ).scalar_one()
        assert sent == n, f"only {sent} of {n} sent"
        return {"seconds": elapsed, "queue_per_s": n / queued_in}
    finally:
        await hub.client.aclose()
        await runtime.close()


def _profiled(run: Any) -> dict[str, Any]:
    """``asyncio.run(run)``, under cProfile when ``HUB_BENCH_PROFILE`` names a file (the
    stats go there: ``python -m pstats <file>``)."""
    target = os.environ.get("HUB_BENCH_PROFILE")
    if not target:
        return dict(asyncio.run(run))
    import cProfile

    with cProfile.Profile() as profile:
        out = dict(asyncio.run(run))
    profile.dump_stats(target)
    return out


def one(scenario: str, n: int, url: str, database_url: str | None) -> dict[str, Any]:
    """Run one scenario in this process; its numbers."""
    if scenario == "limit":
        seconds = asyncio.run(raw_aiohttp(url, n))
        extra: dict[str, Any] = {}
    elif scenario in ("httpx_aiohttp", "httpx_default"):
        seconds = asyncio.run(httpx_client(url, n, scenario == "httpx_aiohttp"))
        extra = {}
    else:
        base = url.rsplit("/sms/send", 1)[0]
        with tempfile.TemporaryDirectory() as tmp:
            db = database_url or f"sqlite:///{tmp}/bench.db"
            extra = _profiled(hub_run(scenario, n, db, base))
            seconds = extra.pop("seconds")
    return {
        "scenario": scenario,
        "messages": n,
        "seconds": round(seconds, 2),
        "per_s": round(n / seconds, 1),
        "peak_mb": round(_peak_mb(), 1),
        **{k: round(v, 1) for k, v in extra.items()},
    }


# --- the run ----------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _gateway() -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "bench.fake_sms_gateway:app",
            "--port",
            str(port),
            "--loop",
            "uvloop",
            "--http",
            "httptools",
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        cwd=ROOT,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process, f"http://127.0.0.1:{port}/sms/send"
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the fake gateway did not start")


def _subprocess(scenario: str, n: int, url: str, database_url: str | None) -> dict[str, Any]:
    args = [sys.executable, "-m", "bench.bench_delivery", scenario, str(n), url]
    if database_url:
        args.append(database_url)
    out = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"{scenario} failed:\n{out.stderr[-3000:]}")
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def _postgres() -> str | None:
    base = os.environ.get("HUB_BENCH_POSTGRES_URL") or os.environ.get("HUB_TEST_POSTGRES_URL")
    return base or None


def run(results: Path) -> dict[str, Any]:
    gateway, url = _gateway()
    rows: list[dict[str, Any]] = []
    try:
        plan = [
            ("limit", N, None),
            ("httpx_aiohttp", N, None),
            ("httpx_default", SLOW_N, None),
            ("hub_console", N, None),
            ("hub_http", N, None),
            ("hub_http_httpx", SLOW_N, None),
        ]
        pg = _postgres()
        for scenario, n, _ in plan:
            database = "sqlite" if scenario.startswith("hub") else "-"
            rows.append({**_subprocess(scenario, n, url, None), "database": database})
        if pg:
            from hub.testing import postgres_schema

            for scenario in ("hub_console", "hub_http"):
                schema = postgres_schema(pg)
                db = next(schema)
                try:
                    rows.append({**_subprocess(scenario, N, url, db), "database": "postgresql"})
                finally:
                    next(schema, None)
    finally:
        gateway.terminate()
        gateway.wait(10)
    limit = rows[0]["per_s"]
    for row in rows:
        row["x_limit"] = round(row["per_s"] / limit, 2)
    summary = {"limit_per_s": limit, "rows": rows}
    (results / "delivery.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2) + "\n")
    lines = [
        "| scenario | database | messages | msgs/s | × limit | peak MB |",
        "|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {r['scenario']} | {r['database']} | {r['messages']} | {r['per_s']} | "
        f"{r['x_limit']} | {r['peak_mb']} |"
        for r in rows
    ]
    (results / "delivery.md").write_text("\n".join(lines) + "\n")
    return summary


if __name__ == "__main__":
    scenario_arg, n_arg, url_arg = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    db_arg = sys.argv[4] if len(sys.argv) > 4 else None
    print(json.dumps(one(scenario_arg, n_arg, url_arg, db_arg)))
