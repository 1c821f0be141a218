"""The ``hub`` command, run as an operator runs it (a subprocess, environment variables)."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from cryptography.fernet import Fernet

HUB = [sys.executable, "-m", "hub.cli"]


def run(
    args: list[str], env: dict[str, str], cwd: Path, check: bool = True
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*HUB, *args], env=env, cwd=cwd, capture_output=True, text=True, check=check, timeout=120
    )


def test_keygen_prints_a_fernet_key(env: dict[str, str], tmp_path: Path) -> None:
    key = run(["keygen"], env, tmp_path).stdout.strip()
    Fernet(key.encode())


def test_refuses_to_start_without_a_secret_key(env: dict[str, str], tmp_path: Path) -> None:
    del env["HUB_SECRET_KEY"]
    result = run(["serve"], env, tmp_path, check=False)
    assert result.returncode == 1
    assert "HUB_SECRET_KEY is not set" in result.stderr
    assert "Traceback" not in result.stderr


def test_dev_mode_generates_a_private_key_file_once(env: dict[str, str], tmp_path: Path) -> None:
    del env["HUB_SECRET_KEY"]
    env["HUB_DEV"] = "1"
    first = run(["demo"], env, tmp_path).stdout
    key_file = tmp_path / ".hub-secret.key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    key = key_file.read_bytes()
    second = run(["demo"], env, tmp_path).stdout
    assert key_file.read_bytes() == key
    token = next(line.split()[-1] for line in first.splitlines() if "Admin token" in line)
    assert f"Admin token:  {token}" in second  # the demo keeps its token
    assert (tmp_path / ".hub-admin-token").stat().st_mode & 0o777 == 0o600


def test_token_create_prints_a_working_token(env: dict[str, str], tmp_path: Path) -> None:
    token = run(
        ["token", "create", "--role", "admin", "--name", "ops"], env, tmp_path
    ).stdout.strip()
    assert token.startswith("hub_")
    bad = run(["token", "create", "--role", "clinic"], env, tmp_path, check=False)
    assert bad.returncode == 1 and "needs 'clinic'" in bad.stderr
    unknown = run(
        ["token", "create", "--role", "clinic", "--clinic", "nosuch"], env, tmp_path, check=False
    )
    assert unknown.returncode == 1 and "unknown clinic 'nosuch'" in unknown.stderr
    with serving(env, tmp_path) as url:
        response = httpx.get(f"{url}/api/v1/plugins", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200


def test_db_upgrade(env: dict[str, str], tmp_path: Path) -> None:
    assert "up to date" in run(["db", "upgrade"], env, tmp_path).stdout
    assert (tmp_path / "hub.db").exists()


def test_plugins_lists_console(env: dict[str, str], tmp_path: Path) -> None:
    out = run(["plugins"], env, tmp_path).stdout
    assert out.startswith("console")
    assert "clinic-hub" in out and "settings: rate_limit_per_second, log_text" in out


def test_worker_once(env: dict[str, str], tmp_path: Path) -> None:
    assert "handled 0" in run(["worker", "--once"], env, tmp_path).stdout


def test_worker_keeps_its_start_up_objects_out_of_the_collector(
    env: dict[str, str], tmp_path: Path
) -> None:
    """As ``hub serve`` does: a reminder run's collections do not walk them again."""
    script = (
        "import gc, sys\n"
        "from hub.cli import app\n"
        "try:\n"
        "    app(['worker', '--once'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('frozen', gc.get_freeze_count())\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    assert "handled 0" in out
    frozen = int(out.split("frozen")[-1])
    assert frozen > 10_000, out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class serving:
    """``hub serve`` in a subprocess until the block ends (SIGTERM, then wait)."""

    def __init__(self, env: dict[str, str], cwd: Path, *extra: str) -> None:
        self.port = _free_port()
        self.process = subprocess.Popen(
            [*HUB, "serve", "--port", str(self.port), *extra],
            env=env,
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def __enter__(self) -> str:
        url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                output, _ = self.process.communicate()
                raise AssertionError(f"hub serve exited: {output}")
            try:
                if httpx.get(f"{url}/healthz").status_code == 200:
                    return url
            except httpx.TransportError:
                time.sleep(0.2)
        raise AssertionError("hub serve did not become healthy")

    def __exit__(self, *exc: object) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.output, _ = self.process.communicate(timeout=30)


def test_serve_migrates_on_start_and_answers(env: dict[str, str], tmp_path: Path) -> None:
    env["HUB_ADMIN_TOKEN"] = "automation-token-from-env-0123"
    with serving(env, tmp_path) as url:
        response = httpx.get(
            f"{url}/api/v1/plugins",
            headers={"Authorization": "Bearer automation-token-from-env-0123"},
        )
        assert [p["name"] for p in response.json()["items"]] == ["console"]
        assert httpx.get(f"{url}/api/v1/plugins").status_code == 401
