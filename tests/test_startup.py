"""hub._startup: what the hub's processes skip importing, and the collector paused
while ``hub serve`` builds its app or a bulk write runs."""

from __future__ import annotations

import gc
import subprocess
import sys

import pytest

from hub._startup import collector_paused


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


def test_collector_is_paused_inside_the_block_and_back_on_after() -> None:
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_overlapping_blocks_turn_it_on_after_the_last_one() -> None:
    """Concurrent bulk writes: the first to finish leaves it off for the second."""
    first, second = collector_paused(), collector_paused()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)
    assert not gc.isenabled()  # the second still runs
    second.__exit__(None, None, None)
    assert gc.isenabled()


def test_collector_is_back_on_after_a_failure() -> None:
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("start-up failed")
    assert gc.isenabled()


def test_collector_left_off_if_it_was_off() -> None:
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
