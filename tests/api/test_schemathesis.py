"""Property-based run of schemathesis over every /api/v1 route of a live hub.

A ``hub serve`` on SQLite with the demo clinic and an admin token; schemathesis
generates requests from the hub's own OpenAPI document and checks each answer:
never a 5xx, a status code the document declares, a body matching its schema.

Bounded for ``make test``: a few derandomized examples per operation and a budget on
the whole run (operations past it are skipped, saying so).  ``make fuzz`` runs the
same with more examples and no budget (``HUB_FUZZ_EXAMPLES``, ``HUB_FUZZ_BUDGET``).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import schemathesis
from cryptography.fernet import Fernet
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis import checks as sc
from schemathesis.schemas import APIOperation

pytestmark = pytest.mark.fuzz

EXAMPLES = int(os.environ.get("HUB_FUZZ_EXAMPLES", "3"))
#: Seconds for the whole run; 0: no budget.
BUDGET = float(os.environ.get("HUB_FUZZ_BUDGET", "60"))
CHECKS = [
    sc.not_a_server_error,
    sc.status_code_conformance,
    sc.content_type_conformance,
    sc.response_schema_conformance,
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def live_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """``hub demo`` then ``hub serve --no-worker`` on a fresh SQLite; (url, admin token)."""
    folder = tmp_path_factory.mktemp("fuzz")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "HUB_DATABASE_URL": f"sqlite:///{folder / 'hub.db'}",
        "HUB_SECRET_KEY": Fernet.generate_key().decode(),
        "HUB_LOG_LEVEL": "warning",
        "HUB_PUBLIC_URL": url,
    }
    env.pop("HUB_DEV", None)
    hub = [str(Path(sys.executable).parent / "hub")]
    token_file = folder / "admin-token"
    demo = subprocess.run(
        [*hub, "demo", "--token-file", str(token_file)], env=env, capture_output=True, timeout=120
    )
    assert demo.returncode == 0, demo.stderr.decode()[-2000:]
    token = token_file.read_text().strip()
    log = (folder / "serve.log").open("w")
    server = subprocess.Popen(
        [*hub, "serve", "--no-worker", "--no-migrate", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None, (folder / "serve.log").read_text()
            time.sleep(0.1)
        yield url, token
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def _fuzz(operation: APIOperation, mode: GenerationMode, url: str, token: str) -> None:
    """Up to EXAMPLES requests to ``operation``; raises the first check that fails."""

    @given(
        case=operation.as_strategy(
            mode, path_parameters={"clinic": "demo"} if _has_clinic(operation) else None
        )
    )
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],
    )
    def run(case: schemathesis.Case) -> None:
        case.call_and_validate(
            base_url=url, headers={"Authorization": f"Bearer {token}"}, checks=CHECKS
        )

    run()


def _has_clinic(operation: APIOperation) -> bool:
    return "{clinic}" in operation.path


def test_every_route_answers_as_its_schema_says(live_hub: tuple[str, str]) -> None:
    url, token = live_hub
    schema = schemathesis.openapi.from_url(f"{url}/openapi.json").include(path_regex="^/api/v1/")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 50
    started = time.monotonic()
    failures: list[str] = []
    done = 0
    for operation in operations:
        if BUDGET and time.monotonic() - started > BUDGET:
            break
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _fuzz(operation, mode, url, token)
            except KeyboardInterrupt:
                raise
            except BaseException as exc:  # noqa: BLE001 - every failure is collected and shown
                failures.append(f"{operation.label} ({mode.value}): {exc}"[:3000])
        done += 1
    if os.environ.get("HUB_FUZZ_REPORT"):
        Path(os.environ["HUB_FUZZ_REPORT"]).write_text("\n\n".join(failures))
    assert not failures, "\n\n".join(failures)
    if done < len(operations):
        pytest.skip(
            f"fuzzed {done} of {len(operations)} operations in the {BUDGET:.0f}s budget; "
            "`make fuzz` runs them all"
        )
