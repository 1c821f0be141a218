"""The documentation matches the code it describes."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

from hub.settings import HubSettings

ROOT = Path(__file__).resolve().parent.parent


def _load(path: Path):  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_plugin_hooks_reference_is_generated_from_the_docstrings() -> None:
    generator = _load(ROOT / "scripts" / "gen_hook_docs.py")
    assert (ROOT / "docs" / "plugin_hooks.md").read_text() == generator.render(), (
        "docs/plugin_hooks.md is stale: run python scripts/gen_hook_docs.py"
    )


def test_readme_documents_every_setting() -> None:
    readme = (ROOT / "README.md").read_text()
    documented = set(re.findall(r"`(HUB_[A-Z_]+)`", readme))
    expected = {f"HUB_{name.upper()}" for name in HubSettings.model_fields}
    assert expected - documented == set(), "README lacks these variables"
    assert (
        documented
        - expected
        - {"HUB_TEST_POSTGRES_URL", "HUB_REQUIRE_POSTGRES", "HUB_REQUIRE_BROWSER"}
        == set()
    )


def test_readme_quick_start_is_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    quick = readme.split("## Quick start", 1)[1].split("##", 1)[0]
    assert re.findall(r"^make \w+", quick, re.MULTILINE) == ["make run", "make test"]
