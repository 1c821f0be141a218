"""The test file shown in docs/writing-a-plugin.md ("7. Test it") runs as written.

The snippet and the pytest settings shown beside it are copied into a folder of their
own, as a plugin author would have them, and pytest runs there in a process of its own
against the hello plugin (pip-installed for the session, as a plugin author's would be).
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "writing-a-plugin.md"


def _section(text: str, title: str) -> str:
    start = text.index(title)
    end = text.find("\n## ", start + len(title))
    return text[start : end if end != -1 else len(text)]


def _blocks(section: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", section, re.S)


def test_the_guides_test_file_runs_as_written(
    tmp_path: Path, install_distribution: Callable[[str], str]
) -> None:
    install_distribution("hello")  # also puts it on PYTHONPATH for the pytest below
    section = _section(GUIDE.read_text(encoding="utf-8"), "## 7. Test it")
    [settings] = _blocks(section, "toml")
    [test_file] = _blocks(section, "python")
    assert 'asyncio_mode = "auto"' in settings
    assert "ctx.clinic.id" in test_file
    (tmp_path / "pyproject.toml").write_text(settings, encoding="utf-8")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_hello.py").write_text(test_file, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    # four tests, twice when HUB_TEST_POSTGRES_URL adds the PostgreSQL run
    assert re.search(r"\b(4|8) passed\b", done.stdout), done.stdout[-2000:]
