"""The plugin API (``hub.__all__``) is sorted, complete and importable from ``hub``."""

from __future__ import annotations

import hub
import hub.types


def test_all_is_sorted() -> None:
    assert hub.__all__ == sorted(hub.__all__)


def test_every_name_is_importable() -> None:
    for name in hub.__all__:
        assert hasattr(hub, name), name


def test_every_public_value_object_is_exported() -> None:
    missing = set(hub.types.__all__) - set(hub.__all__)
    assert not missing, f"add to hub.__all__: {sorted(missing)}"
