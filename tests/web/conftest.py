"""Fixtures of the answer-page tests: a plugin listening for ``on_patient_answered``."""

from __future__ import annotations

import pytest

from hub.testing import RecordingPlugin


@pytest.fixture
def listener() -> RecordingPlugin:
    return RecordingPlugin()


@pytest.fixture
def hub_extra_plugins(listener: RecordingPlugin) -> dict[str, object]:
    return {"listener": listener}
