"""A real uvicorn server in a thread, for tests that need a browser (not ASGITransport).

The server gets its own :class:`hub.runtime.Runtime` (its own engine on its own event
loop, as ``hub serve`` would have) on the test's database and the test's frozen clock,
so the page it serves and the harness the test inspects agree on time and data.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import threading
import time
from collections.abc import Mapping
from pathlib import Path

import pytest
import uvicorn

from hub import services
from hub.app import create_app
from hub.clock import Clock
from hub.runtime import Runtime
from hub.settings import HubSettings

CHROMIUM_ENV = "HUB_CHROMIUM"
REQUIRE_ENV = "HUB_REQUIRE_BROWSER"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


class LiveServer:
    """``with LiveServer(settings, clock) as server: server.url``"""

    def __init__(
        self, settings: HubSettings, clock: Clock, plugins: Mapping[str, object] | None = None
    ) -> None:
        self.runtime = Runtime(settings, services=services.make, clock=clock)
        self.runtime.load_plugins(plugins=plugins)
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._socket.getsockname()[1]}"
        config = uvicorn.Config(
            create_app(runtime=self.runtime),
            lifespan="off",
            log_level="warning",
            access_log=False,
        )
        self.server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._run, name="live-hub", daemon=True)
        self._error: BaseException | None = None

    def _run(self) -> None:
        async def serve() -> None:
            try:
                await self.server.serve(sockets=[self._socket])
            finally:
                await self.runtime.close()

        try:
            asyncio.run(serve())
        except BaseException as exc:  # reported by stop()
            self._error = exc

    def __enter__(self) -> LiveServer:
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the live server did not start: {self._error!r}")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self._thread.join(timeout=20)
        self._socket.close()
        if self._error is not None:
            raise RuntimeError("the live server failed") from self._error


def chromium_path() -> str:
    """Debian's Chromium (or ``HUB_CHROMIUM``); skips the test — or fails it under
    ``HUB_REQUIRE_BROWSER=1`` (CI) — when it or Playwright is missing."""
    path = os.environ.get(CHROMIUM_ENV) or shutil.which("chromium") or "/usr/bin/chromium"
    problem = None
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        problem = "Playwright for Python is not installed (pip install -e '.[test]')"
    if problem is None and not Path(path).is_file():
        problem = (
            f"no Chromium at {path}: install Debian's package (`apt-get install chromium`) "
            f"or point {CHROMIUM_ENV} at a Chromium binary"
        )
    if problem is not None:
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(f"{REQUIRE_ENV}=1 but {problem}")
        pytest.skip(f"browser test skipped: {problem}; {REQUIRE_ENV}=1 makes this a failure")
    return path
