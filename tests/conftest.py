"""Core tests run with the built-in console plugin and the test plugins they register,
never the bundled provider plugins (those have their own suites).

``install_distribution`` pip-installs a test plugin distribution (a folder with its own
pyproject.toml) as an integrator would, into a folder of the session's put on the path —
never into the environment itself.  The scale-out tests share ``pg_url``, ``pg_query``,
``counter_hub``, ``hub_worker`` and ``wait_until``: real ``hub worker`` processes on a
PostgreSQL schema, counted by the ``counter`` plugins.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import signal
import subprocess
import sys
import time
import tomllib
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from cryptography.fernet import Fernet
from pydantic import SecretStr
from sqlalchemy.engine import make_url

from hub.clock import Clock
from hub.db.engine import sync_url
from hub.db.migrate import alembic_config
from hub.settings import HubSettings
from hub.testing import POSTGRES_ENV, Harness, _create_schema, postgres_schema, start_harness

FIXTURE_PLUGINS = Path(__file__).parent / "fixtures" / "plugins"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """The environment of a ``hub`` command run as an operator runs it: this process's
    environment without its ``HUB_`` variables, a SQLite database in ``tmp_path``, a key,
    and the console plugin only."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    return {
        **base,
        "HUB_DATABASE_URL": f"sqlite:///{tmp_path / 'hub.db'}",
        "HUB_SECRET_KEY": Fernet.generate_key().decode(),
        "HUB_PLUGINS": "console",
    }


@pytest.fixture
def hub_plugin_names() -> list[str]:
    return ["console"]


def _pip(*args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "--disable-pip-version-check", "--quiet", *args],
        check=True,
    )


@pytest.fixture(scope="session")
def install_distribution(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[[str], str]]:
    """``install("hello")`` pip-installs ``tests/fixtures/plugins/hello``; returns its
    distribution name.

    The distributions go to a folder of their own for the session, put first on
    ``sys.path`` (entry points are found there) and on ``PYTHONPATH`` (for the ``hub
    worker`` processes the scale tests start) — never into the environment itself, so
    ``hub plugins`` in the developer's ``.venv`` never lists the test plugins.
    """
    target = tmp_path_factory.mktemp("plugins")
    installed: list[str] = []
    old_pythonpath = os.environ.get("PYTHONPATH")
    sys.path.insert(0, str(target))
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(target), old_pythonpath]))

    def install(folder: str) -> str:
        path = FIXTURE_PLUGINS / folder
        name = str(tomllib.loads((path / "pyproject.toml").read_text())["project"]["name"])
        if name not in installed:
            _pip("install", "--no-deps", "--no-build-isolation", "--target", str(target), str(path))
            installed.append(name)
            importlib.invalidate_caches()
        return name

    yield install
    sys.path.remove(str(target))
    if old_pythonpath is None:
        os.environ.pop("PYTHONPATH", None)
    else:
        os.environ["PYTHONPATH"] = old_pythonpath
    importlib.invalidate_caches()


# --- scale-out tests: real `hub worker` processes on a PostgreSQL schema --------------


def pg_conninfo(url: str) -> str:
    """A libpq connection string for the hub URL ``url`` (search path included)."""
    return (
        make_url(sync_url(url)).set(drivername="postgresql").render_as_string(hide_password=False)
    )


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL schema (these tests have no SQLite variant)."""
    base = os.environ.get(POSTGRES_ENV)
    if not base and os.environ.get("HUB_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"HUB_REQUIRE_POSTGRES=1 but {POSTGRES_ENV} is not set")
    if not base:
        pytest.skip(f"needs PostgreSQL: set {POSTGRES_ENV}")
    yield from postgres_schema(base)


@pytest.fixture
def pg_query() -> Callable[[str, str], Any]:
    """``pg_query(url, sql)``: the rows of one statement, run outside the hub."""

    def query(url: str, sql: str) -> Any:
        import psycopg

        with psycopg.connect(pg_conninfo(url), autocommit=True) as conn:
            cursor = conn.execute(sql)
            return cursor.fetchall() if cursor.description else None

    return query


@pytest.fixture
def counter_hub(
    install_distribution: Callable[[str], str], pg_query: Callable[[str, str], Any]
) -> Callable[[str, str, list[str]], Any]:
    """``async with counter_hub(url, key, plugins) as hub``: a schema the ``hub worker``
    processes will find up to date, the ``counter`` plugins' table, and a running hub
    (real clock) to prepare the work with."""

    @contextlib.asynccontextmanager
    async def prepare(url: str, key: str, plugins: list[str]) -> AsyncIterator[Harness]:
        install_distribution("counter")
        _create_schema(url)
        command.stamp(alembic_config(url), "heads")  # the workers' `db upgrade`: nothing to do
        from hub_counter.core import TABLE_SQL  # type: ignore[import-not-found]

        pg_query(url, TABLE_SQL)
        settings = HubSettings(
            database_url=url, secret_key=SecretStr(key), plugins=plugins, http_transport="httpx"
        )
        runtime, hub = await start_harness(settings, clock=Clock())  # type: ignore[arg-type]
        try:
            yield hub
        finally:
            await hub.client.aclose()
            await runtime.close()

    return prepare


class HubWorker:
    """A ``hub worker`` process whose output goes to a log file."""

    def __init__(self, url: str, key: str, plugins: list[str], lease: float, log: Path) -> None:
        env = {
            **os.environ,
            "HUB_DATABASE_URL": url,
            "HUB_SECRET_KEY": key,
            "HUB_PLUGINS": ",".join(plugins),
            "COUNTER_DSN": pg_conninfo(url),
            "HUB_WORKER_LEASE": str(lease),
            "HUB_WORKER_POLL": "0.2",
            "HUB_LOG_LEVEL": "WARNING",
        }
        self.log = log
        with log.open("ab") as out:  # the child keeps its own copy of the descriptor
            self.process = subprocess.Popen(
                [str(Path(sys.executable).with_name("hub")), "worker"],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
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


@pytest.fixture
def hub_worker(tmp_path: Path) -> Iterator[Callable[..., HubWorker]]:
    """``hub_worker(url, key, plugins, lease=60, name="worker")`` starts a ``hub worker``
    process; every one still running is stopped when the test ends."""
    started: list[HubWorker] = []

    def start(
        url: str, key: str, plugins: list[str], lease: float = 60.0, name: str = "worker"
    ) -> HubWorker:
        worker = HubWorker(url, key, plugins, lease, tmp_path / f"{name}{len(started)}.log")
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


def wait_for(
    count: Callable[[], int], until: int, workers: list[HubWorker], timeout: float
) -> None:
    """Poll ``count()`` until it reaches ``until``; fail if a worker dies or time runs out."""
    deadline = time.monotonic() + timeout
    while (done := count()) < until:
        for worker in workers:
            worker.check_alive()
        if time.monotonic() > deadline:
            pytest.fail(f"only {done} of {until} done after {timeout:.0f} s")
        time.sleep(0.2)


@pytest.fixture
def wait_until() -> Callable[..., None]:
    return wait_for
