"""Serve benchmark: ``hub serve`` with every bundled plugin installed — seconds until it
answers (the first 200 of ``GET /healthz``, which also asks the database) and its idle
memory (resident set size, ``VmRSS``, after it has sat idle with its worker running).

Each start is a fresh process on an already migrated SQLite database, the way a
restart happens; it runs with its defaults (the worker beside the API, the schema
checked at start), with bytecode compiled as an installed package has it (one
unmeasured warm-up start writes it).  The floor beside it, in the same run, is a bare
Python process that only imports FastAPI, SQLAlchemy and uvicorn and serves one route:
the interpreter and the web stack the hub cannot do without.

    python -m bench serve            (make bench)

Results: ``bench/results/serve.json`` and ``serve.md``.
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet

HUB = str(Path(sys.executable).with_name("hub"))
STARTS = 5
IDLE_SECONDS = 5.0
READY_GOAL_S = 2.0
IDLE_GOAL_MB = 150.0

#: The floor: the interpreter, the web stack and one route answering.
BARE = """
import sys, uvicorn, sqlalchemy, fastapi
app = fastapi.FastAPI()
@app.get("/healthz")
def healthz():
    return {"status": "ok"}
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:  # noqa: S310 - local
            return bool(response.status == 200)
    except OSError:
        return False


def _start(argv: list[str], env: dict[str, str], port: int) -> dict[str, float]:
    """Seconds from spawn to the first 200 of /healthz, then the idle RSS."""
    url = f"http://127.0.0.1:{port}/healthz"
    started = time.perf_counter()
    process = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while not _ready(url):
            if process.poll() is not None or time.perf_counter() - started > 60:
                raise RuntimeError(f"{argv[:3]} did not answer on {url}")
            time.sleep(0.01)
        ready = time.perf_counter() - started
        time.sleep(IDLE_SECONDS)
        return {"ready_s": ready, "idle_rss_mb": _rss_mb(process.pid)}
    finally:
        process.terminate()
        process.wait(30)


def _summary(runs: list[dict[str, float]]) -> dict[str, Any]:
    return {
        "ready_s_median": round(statistics.median(r["ready_s"] for r in runs), 3),
        "ready_s_max": round(max(r["ready_s"] for r in runs), 3),
        "idle_rss_mb_median": round(statistics.median(r["idle_rss_mb"] for r in runs), 1),
        "idle_rss_mb_max": round(max(r["idle_rss_mb"] for r in runs), 1),
        "runs": [{k: round(v, 3) for k, v in r.items()} for r in runs],
    }


def _environ() -> dict[str, str]:
    drop = {"PYTHONDONTWRITEBYTECODE", "HUB_PLUGINS", "HUB_PLUGINS_DISABLE"}
    return {k: v for k, v in os.environ.items() if k not in drop}


def _bundled() -> list[str]:
    return sorted(ep.name for ep in importlib.metadata.entry_points(group="clinic_hub"))


def run(results: Path) -> dict[str, Any]:
    plugins = _bundled()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'serve.db'}"
        env = {
            "HUB_DATABASE_URL": url,
            "HUB_SECRET_KEY": Fernet.generate_key().decode(),
            "HUB_LOG_LEVEL": "WARNING",
            "HUB_ADMIN_TOKEN": secrets.token_urlsafe(16),
            "HUB_PUBLIC_URL": "https://hub.example.org",
        }
        # as installed for production: bytecode compiled once (this sandbox sets
        # PYTHONDONTWRITEBYTECODE, which would compile every module at every start)
        env = {**_environ(), **env}
        subprocess.run([HUB, "db", "upgrade"], env=env, check=True, capture_output=True)
        hub_runs, bare_runs = [], []
        _start([HUB, "serve", "--port", str(port := _port())], env, port)  # warm-up
        _start([sys.executable, "-c", BARE, str(port := _port())], env, port)
        for _ in range(STARTS):  # alternated, so both see the same load of the machine
            port = _port()
            hub_runs.append(_start([HUB, "serve", "--port", str(port)], env, port))
            port = _port()
            bare_runs.append(_start([sys.executable, "-c", BARE, str(port)], env, port))
    hub, bare = _summary(hub_runs), _summary(bare_runs)
    out: dict[str, Any] = {
        "what": "hub serve (worker on, every bundled plugin): seconds to the first 200 of "
        "/healthz and idle RSS, beside a bare FastAPI+SQLAlchemy+uvicorn process",
        "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": f"{os.cpu_count()} cores, Python {sys.version.split()[0]}",
        "plugins": plugins,
        "starts": STARTS,
        "idle_seconds": IDLE_SECONDS,
        "hub": hub,
        "bare": bare,
        "goals": {
            "ready_s": READY_GOAL_S,
            "idle_rss_mb": IDLE_GOAL_MB,
            "ready_met": hub["ready_s_median"] <= READY_GOAL_S,
            "idle_rss_met": hub["idle_rss_mb_median"] <= IDLE_GOAL_MB,
        },
    }
    (results / "serve.json").write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n")
    lines = [
        "# Serve benchmark",
        "",
        f"{out['measured_at']}; {out['machine']}; {STARTS} starts each, alternated in one "
        f"run on a machine shared with other jobs; idle RSS after {IDLE_SECONDS:.0f} s idle.",
        f"Plugins installed and loaded: {', '.join(plugins)}.",
        "",
        f"hub ÷ bare: ready {hub['ready_s_median'] / bare['ready_s_median']:.1f}×, "
        f"idle RSS {hub['idle_rss_mb_median'] / bare['idle_rss_mb_median']:.1f}×.",
        "",
        "| process | ready s (median) | ready s (max) | idle RSS MB (median) | goal |",
        "|---|---|---|---|---|",
        f"| hub serve | {hub['ready_s_median']:.2f} | {hub['ready_s_max']:.2f} "
        f"| {hub['idle_rss_mb_median']:.0f} | ≤ {READY_GOAL_S:.0f} s, ≤ {IDLE_GOAL_MB:.0f} MB |",
        f"| bare FastAPI | {bare['ready_s_median']:.2f} | {bare['ready_s_max']:.2f} "
        f"| {bare['idle_rss_mb_median']:.0f} | floor |",
    ]
    (results / "serve.md").write_text("\n".join(lines) + "\n")
    return out
