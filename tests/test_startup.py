"""hub._startup: what the hub's processes skip importing."""

from __future__ import annotations

import subprocess
import sys


def test_httpx_command_line_client_is_not_imported_inside_the_hub() -> None:
    # a fresh interpreter: this one may have imported httpx before the hub
    code = (
        "import sys, hub, httpx, hub.app; "
        "print('httpx._main' in sys.modules, 'rich' in sys.modules, 'pygments' in sys.modules); "
        "print(callable(httpx.main), httpx.Client.__module__)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout.split("\n")
    assert out[0] == "False False False"
    assert out[1] == "True httpx"  # httpx itself works, its CLI stub says what is missing
