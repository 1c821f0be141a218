"""The browser test's switch: skip with instructions, or fail under HUB_REQUIRE_BROWSER=1."""

from __future__ import annotations

import pytest
from live import chromium_path


def test_missing_chromium_skips_and_says_how_to_enable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_CHROMIUM", "/nonexistent/chromium")
    monkeypatch.delenv("HUB_REQUIRE_BROWSER", raising=False)
    with pytest.raises(pytest.skip.Exception, match="apt-get install chromium"):
        chromium_path()


def test_missing_chromium_fails_when_required(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_CHROMIUM", "/nonexistent/chromium")
    monkeypatch.setenv("HUB_REQUIRE_BROWSER", "1")
    with pytest.raises(pytest.fail.Exception, match="HUB_REQUIRE_BROWSER=1"):
        chromium_path()
