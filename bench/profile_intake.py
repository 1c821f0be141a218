"""Where the hub's intake time goes: the intake benchmark's hub server run under py-spy.

    .venv/bin/pip install py-spy
    python -m bench.profile_intake [sqlite|postgresql] [single|bulk]

Prints the functions with the most samples (inclusive, per cent of the server's busy
samples) and writes the collapsed stacks to ``bench/results/profile-<db>-<mode>.txt``
(load them into speedscope or flamegraph.pl).  Not a benchmark: py-spy slows the server.
"""

from __future__ import annotations

import asyncio
import collections
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import aiohttp

from bench import bench_intake as b
from hub.testing import POSTGRES_ENV, postgres_schema

RESULTS = Path(__file__).parent / "results"


def _summarise(raw: Path, top: int = 45) -> None:
    inclusive: collections.Counter[str] = collections.Counter()
    leaf: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        frames = stack.split(";")
        # idle: the event loop waiting in select/epoll
        if any(
            "select (selectors.py" in f or "run_forever" in f and "_run_once" not in f
            for f in frames[-2:]
        ):
            continue
        if "poll" in frames[-1] or "select" in frames[-1]:
            continue
        total += n
        for frame in set(frames):
            inclusive[frame] += n
        leaf[frames[-1]] += n
    print(f"busy samples: {total}")
    print("-- inclusive")
    for frame, n in inclusive.most_common(top):
        print(f"{100 * n / total:5.1f}%  {frame}")
    print("-- self")
    for frame, n in leaf.most_common(25):
        print(f"{100 * n / total:5.1f}%  {frame}")


async def _load(base: str, token: str, mode: str) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    connector = aiohttp.TCPConnector(limit=b.IN_FLIGHT)
    async with aiohttp.ClientSession(base, headers=headers, connector=connector) as session:
        if mode == "single":
            await b._single(session, "/api/v1/clinics/hub/appointments", "S-")
        else:
            body = {"appointments": [{"id": f"B-{i}", **b._body(i)} for i in range(b.BULK)]}
            await b._bulk(session, "/api/v1/clinics/hub/bulk", body)
            changed = {"appointments": [{"id": f"B-{i}", **b._body(i, "2")} for i in range(b.BULK)]}
            await b._bulk(session, "/api/v1/clinics/hub/bulk", changed)


def _profile(url: str, backend: str, mode: str) -> None:
    from alembic import command
    from cryptography.fernet import Fernet

    from hub.db.migrate import alembic_config
    from hub.testing import _create_schema

    key = Fernet.generate_key().decode()
    _create_schema(url)
    command.stamp(alembic_config(url), "heads")
    token = asyncio.run(b._prepare(url, key))
    env: dict[str, Any] = {
        "HUB_DATABASE_URL": url,
        "HUB_SECRET_KEY": key,
        "HUB_PLUGINS": "console",
        "HUB_LOG_LEVEL": "WARNING",
    }
    port = b._port()
    raw = RESULTS / f"profile-{backend}-{mode}.txt"
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    argv = [
        spy,
        "record",
        "--format",
        "raw",
        "--rate",
        "100",
        "--nonblocking",
        "-o",
        str(raw),
        "--",
    ]
    argv += [b.HUB, "serve", "--no-worker", "--no-migrate", "--port", str(port)]
    process = subprocess.Popen(argv, env={**os.environ, **env}, stdout=subprocess.DEVNULL)
    try:
        b._wait_listening(process, port)
        asyncio.run(_load(f"http://127.0.0.1:{port}", token, mode))
    finally:
        # stop the server, not py-spy: py-spy writes its file when its child exits
        children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
        for child in children:
            os.kill(int(child), signal.SIGTERM)
        process.wait(60)
    _summarise(raw)


def main() -> None:
    backend = sys.argv[1] if len(sys.argv) > 1 else "sqlite"
    mode = sys.argv[2] if len(sys.argv) > 2 else "single"
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            _profile(f"sqlite:///{Path(tmp) / 'p.db'}", backend, mode)
    else:
        for url in postgres_schema(os.environ[POSTGRES_ENV]):
            _profile(url, backend, mode)


if __name__ == "__main__":
    main()
