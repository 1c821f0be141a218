"""Reading what Mango sends, without a hub: the status body, numbers, references."""

from __future__ import annotations

import pytest
from hub_mango.phones import e164
from hub_mango.references import new_token, well_formed
from hub_mango.status import parse, reference_of, status_of

REF = "mabcdefghijklmnopqrstuvwx"


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (f'{{"id": "{REF}", "status": 1}}', "application/json"),
        (f'{{"id": {REF}, "status": 1}}', "application/json"),
        (f'{{"id":{REF},"status":"1"}}', "application/json"),
        (f'{{\n  "id": {REF},\n  "status": 1\n}}', "text/plain"),
        (f"{{'id': '{REF}', 'status': 1}}", "application/json"),
        (f"id={REF}&status=1", "application/x-www-form-urlencoded"),
        (f"id={REF}&status=1", ""),
    ],
)
def test_every_spelling_of_the_body(body: str, content_type: str) -> None:
    data = parse(body.encode(), content_type)
    assert reference_of(data.get("id")) == REF
    assert status_of(data.get("status")) == 1


def test_the_seeds_unquoted_guid_is_read_whole() -> None:
    body = b'{"id": 00000144-0070-47c0-0020-1ac100000000 1747001127050, "status": 2}'
    data = parse(body, "application/json")
    assert data["id"] == "00000144-0070-47c0-0020-1ac100000000 1747001127050"
    assert status_of(data["status"]) == 2


@pytest.mark.parametrize("value", [0, 3, "yes", None, True, "", 1.5])
def test_bad_statuses(value: object) -> None:
    assert status_of(value) is None


@pytest.mark.parametrize("value", [None, True, "", "   ", 1.5, [1]])
def test_bad_ids(value: object) -> None:
    assert reference_of(value) is None


def test_references_are_120_random_bits_and_distinct() -> None:
    tokens = {new_token() for _ in range(1000)}
    assert len(tokens) == 1000
    assert all(well_formed(t) and len(t) == 25 for t in tokens)
    assert not well_formed("1" * 25) and not well_formed("m12") and not well_formed("")


@pytest.mark.parametrize(
    ("spelling", "expected"),
    [
        ("8 (918) 123-45-67", "+79181234567"),
        ("79181234567", "+79181234567"),
        ("+7 918 123 45 67", "+79181234567"),
        ("sip:user1@x.mangosip.ru", None),
        ("101", None),
        ("", None),
    ],
)
def test_numbers(spelling: str, expected: str | None) -> None:
    assert e164(spelling) == expected
