"""Meta-tests: every hook is documented in the shape plugin authors rely on (STYLE §3)."""

from __future__ import annotations

import inspect

import pytest

from hub import hookspecs
from hub.plugins import PluginHost

RESULT_SENTENCES = (
    "Result is ignored.",
    "All results are collected.",
    "Stops at first non-None result.",
)


def hook_names() -> list[str]:
    host = PluginHost()
    return sorted(name for name in dir(host.pm.hook) if not name.startswith("_"))


@pytest.mark.parametrize("name", hook_names())
def test_hook_is_fully_documented(name: str) -> None:
    host = PluginHost()
    caller = getattr(host.pm.hook, name)
    spec = caller.spec
    doc = inspect.getdoc(spec.function) or ""
    assert doc, f"{name} has no docstring"
    summary, _, rest = doc.partition("\n\n")
    assert summary.endswith(".") and summary[0].isupper(), f"{name}: summary line"
    assert "Called " in rest, f"{name}: says when it is called"
    for argname in spec.argnames:
        assert f":param {argname}:" in doc, f"{name}: documents {argname}"
    assert ":returns:" in doc, f"{name}: documents its result"
    sentences = [s for s in RESULT_SENTENCES if s in doc]
    assert len(sentences) == 1, f"{name}: exactly one result sentence"
    firstresult = bool(spec.opts.get("firstresult"))
    assert (sentences[0] == "Stops at first non-None result.") == firstresult, name
    assert "Failure:" in doc, f"{name}: says what happens on failure"
    assert ".. versionadded::" in doc, f"{name}: version"


def test_hook_names_follow_the_conventions() -> None:
    for name in hook_names():
        assert name.startswith(
            ("on_", "register_", "send_", "get_", "check_", "estimate_", "sync_")
        ), name


def test_notifications_return_nothing() -> None:
    for name in hook_names():
        if name.startswith("on_"):
            spec = getattr(hookspecs, name)
            assert inspect.signature(spec).return_annotation in ("None", None), name
