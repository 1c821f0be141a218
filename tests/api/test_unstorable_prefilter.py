"""hub.api.errors.may_be_unstorable: the byte-level look that spares clean bodies the
value-by-value walk; whatever it lets through has nothing the walk would refuse."""

from __future__ import annotations

import json

import pytest

from hub.api.errors import _find, may_be_unstorable

CLEAN = {
    "appointments": [
        {"id": "A-1", "start": "2026-11-24T08:00:00", "cabinet": "214", "n": 123456789012345},
        {"id": "A-2", "start": "1800-01-01", "end": "9000-12-31T23:59:59+03:00"},
    ]
}


def test_a_clean_body_is_not_walked() -> None:
    raw = json.dumps(CLEAN).encode()
    assert not may_be_unstorable(raw)
    assert _find(CLEAN, ["body"]) is None


@pytest.mark.parametrize(
    "body",
    [
        {"text": "a\x00b"},
        {"a\x00": 1},
        {"n": 2**53 + 1},
        {"n": -(2**53) - 1},
        {"id": str(2**60)},
        {"start": "1799-12-31T10:00:00"},
        {"start": "9001-01-01"},
    ],
)
def test_every_body_the_walk_refuses_is_sent_to_the_walk(body: dict[str, object]) -> None:
    assert _find(body, ["body"]) is not None
    assert may_be_unstorable(json.dumps(body).encode())
    assert may_be_unstorable(json.dumps(body, ensure_ascii=False).encode())
