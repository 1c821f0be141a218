"""Every ``curl`` in the README and docs/ works when pasted (against a live hub).

The README's "Using it" block is run as it stands by bash against ``hub serve`` after
``hub demo`` (what ``make run`` does), with ``curl`` wrapped to record each status:
every call must succeed.  The curl lines of docs/ are checked for the JSON content
type wherever they send a body.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from test_cli import run, serving

ROOT = Path(__file__).parents[1]


def shell_blocks(markdown: str) -> list[str]:
    return re.findall(r"```sh\n(.*?)```", markdown, flags=re.S)


def curl_commands(markdown: str) -> list[str]:
    """Each curl command of the markdown's shell blocks, continuation lines joined."""
    commands = []
    for block in shell_blocks(markdown):
        joined = re.sub(r"\\\n\s*", " ", block)
        commands += [line for line in joined.splitlines() if line.lstrip().startswith("curl ")]
    return commands


def test_the_readme_block_of_api_calls_runs_against_a_live_hub(
    env: dict[str, str], tmp_path: Path
) -> None:
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    block = next(b for b in shell_blocks((ROOT / "README.md").read_text()) if "curl" in b)
    env = {**env, "HUB_DEV": "1"}
    env.pop("HUB_SECRET_KEY")
    env.pop("HUB_PLUGINS")  # every bundled plugin, as make run has
    run(["demo"], env, tmp_path)
    statuses = tmp_path / "statuses"
    with serving(env, tmp_path) as url:
        port = url.rsplit(":", 1)[1]
        script = (
            'curl() { args="$*"; '
            f'command curl -sS -o /dev/null -w "%{{http_code}} ${{args//$\'\\n\'/ }}\\n" "$@" '
            f">> {statuses}; }}\n" + block.replace("localhost:8000", f"127.0.0.1:{port}")
        )
        done = subprocess.run(
            ["bash", "-e", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True
        )
    assert done.returncode == 0, done.stderr
    answers = statuses.read_text().splitlines()
    assert len(answers) == sum(line.startswith("curl ") for line in block.splitlines())
    failed = [line for line in answers if not line.startswith("2")]
    assert not failed, "\n".join(failed)


@pytest.mark.parametrize(
    "doc", ["README.md", *sorted(p.name for p in (ROOT / "docs").glob("*.md"))]
)
def test_every_curl_sending_a_body_says_it_is_json(doc: str) -> None:
    path = ROOT / doc if doc == "README.md" else ROOT / "docs" / doc
    for command in curl_commands(path.read_text()):
        if " -d " in command or "--data" in command:
            assert "Content-Type: application/json" in command or '"$J"' in command, command
