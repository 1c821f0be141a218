"""SQLite has no SKIP LOCKED: a second ``hub worker`` on the same file refuses to run."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from alembic import command
from cryptography.fernet import Fernet

from hub.db.migrate import alembic_config
from hub.testing import _create_schema

HUB = str(Path(sys.executable).with_name("hub"))


def test_second_worker_on_one_sqlite_file_exits_saying_why(tmp_path: Path) -> None:
    database = tmp_path / "hub.db"
    url = f"sqlite:///{database}"
    _create_schema(url)
    command.stamp(alembic_config(url), "heads")
    env = {
        **os.environ,
        "HUB_DATABASE_URL": url,
        "HUB_SECRET_KEY": Fernet.generate_key().decode(),
        "HUB_PLUGINS": "console",
        "HUB_LOG_LEVEL": "WARNING",
    }
    lock = tmp_path / "hub.db.worker.lock"
    with (tmp_path / "first.log").open("wb") as log:
        first = subprocess.Popen([HUB, "worker"], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while not (lock.exists() and lock.read_text().startswith("pid")):
            assert first.poll() is None, (tmp_path / "first.log").read_text()
            assert time.monotonic() < deadline, "the first worker never took the lock"
            time.sleep(0.1)
        second = subprocess.run(
            [HUB, "worker"], env=env, capture_output=True, text=True, timeout=120
        )
        assert second.returncode != 0
        assert "another worker" in second.stderr
        assert "SKIP LOCKED" in second.stderr
        assert first.poll() is None, "the first worker keeps running"
    finally:
        first.terminate()
        first.wait(30)
    assert first.returncode == 0
    # once the first has stopped, a worker may start again
    again = subprocess.run(
        [HUB, "worker", "--once"], env=env, capture_output=True, text=True, timeout=120
    )
    assert again.returncode == 0, again.stderr
    assert "handled 0" in again.stdout
