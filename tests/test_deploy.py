"""The systemd units in deploy/systemd run the real ``hub`` commands and are valid units.

``systemd-analyze verify`` checks each unit where systemd is installed (the worker as an
instance of its template); elsewhere the files are parsed and their keys checked.
"""

from __future__ import annotations

import configparser
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

UNITS = Path(__file__).parents[1] / "deploy" / "systemd"
HUB = Path(sys.executable).parent / "hub"
INSTALLED_HUB = "/opt/clinic-hub/.venv/bin/hub"


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string((UNITS / name).read_text())
    return parser


@pytest.mark.parametrize("name", ["clinic-hub.service", "clinic-hub-worker@.service"])
def test_each_unit_restarts_runs_as_its_own_user_and_reads_the_environment_file(
    name: str,
) -> None:
    service = unit(name)["Service"]
    assert service["Restart"] == "always"
    assert service["User"] == "clinic-hub" and service["Group"] == "clinic-hub"
    assert service["EnvironmentFile"] == "/etc/clinic-hub/hub.env"
    assert unit(name)["Install"]["WantedBy"] == "multi-user.target"


@pytest.mark.parametrize(
    ("name", "command"),
    [("clinic-hub.service", "serve"), ("clinic-hub-worker@.service", "worker")],
)
def test_exec_start_is_a_real_hub_command_with_real_options(name: str, command: str) -> None:
    argv = shlex.split(unit(name)["Service"]["ExecStart"])
    assert argv[0] == INSTALLED_HUB and argv[1] == command
    helptext = subprocess.run(
        [str(HUB), command, "--help"], capture_output=True, text=True, check=True
    ).stdout
    for option in (a for a in argv[2:] if a.startswith("--")):
        assert option in helptext, f"{name}: hub {command} has no option {option}"


def test_the_environment_example_names_only_real_settings() -> None:
    from hub.settings import HubSettings

    known = {f"HUB_{name.upper()}" for name in HubSettings.model_fields}
    lines = (UNITS / "hub.env.example").read_text().splitlines()
    names = {line.split("=", 1)[0] for line in lines if line and not line.startswith("#")}
    assert names and names <= known, names - known


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd is not installed")
@pytest.mark.parametrize(
    ("name", "instance"),
    [
        ("clinic-hub.service", "clinic-hub.service"),
        ("clinic-hub-worker@.service", "clinic-hub-worker@1.service"),
    ],
)
def test_systemd_analyze_verifies_the_unit(tmp_path: Path, name: str, instance: str) -> None:
    env_file = tmp_path / "hub.env"
    env_file.write_text((UNITS / "hub.env.example").read_text())
    text = (UNITS / name).read_text()
    text = text.replace(INSTALLED_HUB, str(HUB)).replace("/etc/clinic-hub/hub.env", str(env_file))
    (tmp_path / instance).write_text(text)
    done = subprocess.run(
        ["systemd-analyze", "verify", str(tmp_path / instance)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert str(tmp_path / instance) not in done.stderr, done.stderr  # no warning about the unit
