"""Delivery rate: the hub's worker against the practical limit of this machine.

Scenarios, each in its own process (so peak memory is its own), in one run:

    limit                 raw aiohttp posting the sms.ru form to the fake gateway, 32 in flight
    httpx_aiohttp         httpx.AsyncClient + httpx_aiohttp transport alone, 32 in flight
    post_form             the hub's ``ctx.post_form`` alone (on its aiohttp session), 32 in flight
    httpx_default         httpx.AsyncClient with its own transport alone, 32 in flight
    hub_console           the delivery worker through the built-in console provider (no HTTP)
    hub_smsru             the worker through the real ``smsru`` plugin, one request per SMS
                          (``batch_send`` off, ``cost_lookup`` off), over ``ctx.http``
    hub_smsru_batch       the same with ``batch_send`` on: up to 100 numbers a request
    hub_smsru_batch_rate  the same with ``rate_limit_per_second`` = :data:`RATE`: the rate
                          must stay at or under it

The hub scenarios queue N messages (``queue_messages``, one call) in a fresh database
(SQLite; PostgreSQL too when ``HUB_BENCH_POSTGRES_URL`` or ``HUB_TEST_POSTGRES_URL`` is
set), then time the worker
step (claim in batches, send with ``HUB_WORKER_CONCURRENCY`` = 32 in flight, write
results as they come) until every message is ``sent``.  The fake gateway is
``bench/fake_sms_gateway.py`` under uvicorn with uvloop and httptools; the requests it
answered per scenario are counted.  Ratios are against ``limit`` measured in the same
run.  ``python -m bench.bench_delivery <scenario> <n> <gateway-url> [database-url]``
runs one scenario and prints its JSON; with ``HUB_BENCH_PROFILE=<file>`` a hub scenario
runs under cProfile and leaves its stats in the file.
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
#: The rate limit (messages a second) of the rate-limited batch scenario: below what
#: batches reach here, so it binds (the bucket starts full: one second's tokens at once).
RATE = 500
SLOW_N = 2000  # httpx's own transport: ~0.07x the limit, 20,000 would take minutes
CONCURRENCY = 32
FORM = {"api_id": "bench-key", "msg": "Напоминание о приёме 24.11.2026 в 10:30", "json": "1"}
ROOT = Path(__file__).resolve().parent.parent


#: CPU seconds (every thread of this process) of the timed part of a scenario.
CPU = {"seconds": 0.0}


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- clients alone ------------------------------------------------------------------


async def _pump(n: int, post: Any) -> float:
    sem = asyncio.Semaphore(CONCURRENCY)

    async def one(i: int) -> None:
        async with sem:
            await post(i)

    started, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(one(i) for i in range(n)))
    CPU["seconds"] = time.process_time() - cpu
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


async def post_form(url: str, n: int) -> float:
    from hub.http_client import HubHttp
    from hub.settings import HubSettings

    http = HubHttp(HubSettings(http_max_connections=CONCURRENCY))  # type: ignore[call-arg]
    try:

        async def post(i: int) -> None:
            json.loads((await http.post_form(url, {**FORM, "to": f"7918{i:07d}"})).content)

        return await _pump(n, post)
    finally:
        await http.aclose()


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
    from hub.messages.queue import Draft, queue_messages
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
        drafts = [
            Draft(kind="reminder", channel="sms", address=f"+7918{i:07d}", text=FORM["msg"])
            for i in range(n)
        ]
        async with runtime.db.session() as session:  # not timed as delivery: the set-up
            await queue_messages(session, runtime, clinic_id="clinic-1", drafts=drafts)
        queued_in = time.perf_counter() - started
        step = DeliveryStep()
        started, cpu = time.perf_counter(), time.process_time()
        while await step(runtime):
            pass
        elapsed = time.perf_counter() - started
        CPU["seconds"] = time.process_time() - cpu
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
    elif scenario == "post_form":
        seconds = asyncio.run(post_form(url, n))
        extra = {}
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
        "cpu_us_per_msg": round(CPU["seconds"] / n * 1e6, 1),
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


def _requests(url: str) -> int:
    """Requests the fake gateway has answered so far."""
    import urllib.request

    with urllib.request.urlopen(url.replace("/sms/send", "/_count"), timeout=10) as answer:
        return int(json.load(answer)["n"])


def run(results: Path) -> dict[str, Any]:
    gateway, url = _gateway()
    rows: list[dict[str, Any]] = []
    plan: list[tuple[str, int, str | None]] = [
        ("limit", N, None),
        ("httpx_aiohttp", N, None),
        ("post_form", N, None),
        ("httpx_default", SLOW_N, None),
        ("hub_console", N, None),
        ("hub_smsru", N, None),
        ("hub_smsru_batch", N, None),
        ("hub_smsru_batch_rate", N // 2, None),
    ]
    pg = _postgres()
    if pg:
        plan += [(s, N, pg) for s in ("hub_console", "hub_smsru", "hub_smsru_batch")]
    try:
        for scenario, n, base in plan:
            database = "-" if not scenario.startswith("hub") else "postgresql" if base else "sqlite"
            before = _requests(url)
            if base:
                from hub.testing import postgres_schema

                schema = postgres_schema(base)
                try:
                    row = _subprocess(scenario, n, url, next(schema))
                finally:
                    next(schema, None)
            else:
                row = _subprocess(scenario, n, url, None)
            row = {**row, "database": database, "requests": _requests(url) - before}
            if scenario.startswith("hub"):
                # the machine is shared: the limit measured right after this scenario is
                # what it is compared with (the first row's would drift with the load)
                paired = _subprocess("limit", N, url, None)
                row["limit_per_s"] = paired["per_s"]
                row["limit_cpu_us_per_msg"] = paired["cpu_us_per_msg"]
            rows.append(row)
    finally:
        gateway.terminate()
        gateway.wait(10)
    limit = rows[0]["per_s"]
    for row in rows:
        row.setdefault("limit_per_s", limit)
        row.setdefault("limit_cpu_us_per_msg", rows[0]["cpu_us_per_msg"])
        row["x_limit"] = round(row["per_s"] / row["limit_per_s"], 2)
        row["x_limit_cpu"] = round(row["limit_cpu_us_per_msg"] / row["cpu_us_per_msg"], 2)
    for row in rows:
        if row["scenario"] == "hub_smsru_batch_rate":
            # at most RATE a second after the first second's full bucket
            bound = RATE * row["messages"] / (row["messages"] - RATE)
            row["rate_bound_per_s"] = round(bound, 1)
            row["rate_respected"] = row["per_s"] <= bound
    summary = {
        "limit_per_s": limit,
        "concurrency": CONCURRENCY,
        "rate_limit_per_s": RATE,
        "machine": f"{os.cpu_count()} cores, shared with other jobs during the run "
        f"(load average {os.getloadavg()[0]:.1f} at the end)",
        "rows": rows,
    }
    (results / "delivery.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2) + "\n")
    lines = [
        f"Delivery to the local fake sms.ru gateway, {CONCURRENCY} requests in flight. "
        "× limit: messages/s against raw aiohttp measured right after the scenario (the "
        "limit column); × limit CPU: raw aiohttp's CPU time per message against the "
        "scenario's (every thread of the process; not the database server's). "
        f"Machine: {summary['machine']}.",
        "",
        "| scenario | database | messages | requests | msgs/s | limit msgs/s | × limit "
        "| CPU µs/msg | × limit CPU | peak MB |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {r['scenario']} | {r['database']} | {r['messages']} | {r['requests']} | "
        f"{r['per_s']} | {r['limit_per_s']} | {r['x_limit']} | {r['cpu_us_per_msg']} | "
        f"{r['x_limit_cpu']} | {r['peak_mb']} |"
        for r in rows
    ]
    (results / "delivery.md").write_text("\n".join(lines) + "\n")
    return summary


if __name__ == "__main__":
    scenario_arg, n_arg, url_arg = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    db_arg = sys.argv[4] if len(sys.argv) > 4 else None
    print(json.dumps(one(scenario_arg, n_arg, url_arg, db_arg)))
