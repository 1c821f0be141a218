"""Start-up cost the hub does not need to pay (imported first by ``hub/__init__``).

Two kinds: modules not to import (below), and the cyclic garbage collector's walks of
objects that live as long as the process: paused while ``hub serve`` builds its app
(:func:`collector_paused`), then kept out of its sight (:func:`freeze_startup_objects`).

httpx imports its command-line client, ``httpx._main``, whenever the client's extras
happen to be installed — rich and pygments come with typer, so they are — and that
import alone took 0.7 s of ``hub serve``'s start (bench/results/serve.md).  The hub
never runs httpx's command line in its own process, so that one module is reported as
not installed here: httpx then defines the stub ``httpx.main`` it uses without the
extras.  The ``httpx`` command itself, a process of its own, is unaffected.  Importing
this module installs the finder.
"""

from __future__ import annotations

import gc
import importlib.abc
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from importlib.machinery import ModuleSpec
from types import ModuleType

SKIPPED = frozenset({"httpx._main"})


class _Skip(importlib.abc.MetaPathFinder):
    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if fullname in SKIPPED:
            raise ImportError(f"{fullname} is not loaded inside the hub", name=fullname)
        return None


def install() -> None:
    """Idempotent; a no-op for modules already imported."""
    if not any(isinstance(f, _Skip) for f in sys.meta_path):
        sys.meta_path.insert(0, _Skip())


_paused = 0
_was_enabled = True


@contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off inside the block, on again after the last of
    the blocks running (nested and concurrent ones count), even if one raises; left off
    if it was off.

    Used where hundreds of thousands of objects are allocated and none is garbage yet,
    so that each allocation burst's collection walks them all for nothing: ``hub serve``
    building its app (the app's lifespan then collects once and freezes what is left,
    :func:`freeze_startup_objects`), and a bulk write (a fifth to a third of a
    10,000-item request, docs/decisions.md).  Cycles made meanwhile are collected when
    it is back on.
    """
    global _paused, _was_enabled
    if _paused == 0:
        _was_enabled = gc.isenabled()
        gc.disable()
    _paused += 1
    try:
        yield
    finally:
        _paused -= 1
        if _paused == 0 and _was_enabled:
            gc.enable()


def freeze_startup_objects() -> None:
    """Move everything built at start-up (modules, pydantic schemas, SQLAlchemy tables,
    routes, plugins: hundreds of thousands of objects) out of the garbage collector's
    sight: ``hub serve``'s app once it is up, ``hub worker`` once its runtime is.

    They live as long as the process; without this every full collection walks them
    all again, and a bulk request allocating 10,000 items' worth of objects triggers
    several (a third of a 10,000-appointment bulk's time went to it, a tenth to a fifth
    of a reminder run's; docs/decisions.md).
    """
    gc.collect()
    gc.freeze()


install()
