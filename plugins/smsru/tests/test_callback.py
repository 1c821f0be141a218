"""The delivery-status callback: parsing, the hash, and the route's refusals.

What the accepted callbacks do to the journal is in ``test_journal.py``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging

import httpx
import pytest
from fastapi import HTTPException
from hub_smsru.callback import (
    callback_path,
    callback_url,
    expected_hash,
    form_records,
    handle,
    parse_record,
)
from hub_smsru.settings import SmsruSettings

from hub import DeliveryReport
from hub.testing import Harness

from .fake_smsru import callback_form, status_record
from .support import API_ID, CLINIC, stored_secret

AT = dt.datetime(2026, 11, 23, 7, 0, tzinfo=dt.UTC)


def test_expected_hash_is_sha256_of_the_key_and_every_record_in_order() -> None:
    records = ["sms_status\n202611-1000001\n103\n1795417200", "test\n1795417200"]
    digest = hashlib.sha256((API_ID + records[0] + records[1]).encode()).hexdigest()
    assert expected_hash(API_ID, records) == digest
    assert expected_hash(API_ID, list(reversed(records))) != digest


def test_form_records_are_read_in_index_order() -> None:
    items = [("data[1]", "b"), ("hash", "h"), ("data[0]", "a"), ("data[10]", "k"), ("data[2]", "c")]
    assert form_records(items) == ["a", "b", "c", "k"]


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        ("sms_status\n202611-1000001\n103\n1795417200", ("202611-1000001", 103, AT)),
        ("sms_status\r\n202611-1000001\r\n104\r\n1795417200\r\n", ("202611-1000001", 104, AT)),
        ("sms_status\n202611-1000001\n150", ("202611-1000001", 150, None)),
        ("sms_status\n202611-1000001\n103\nnot-a-time", ("202611-1000001", 103, None)),
        ("callcheck_status\n201737-100000\n401\n1795417200", None),
        ("test\n1795417200", None),
        ("sms_status\n202611-1000001\nabc\n1795417200", None),
        ("sms_status\n\n103\n1795417200", None),
        ("", None),
    ],
)
def test_parse_record(record: str, expected: tuple[str, int, dt.datetime | None] | None) -> None:
    parsed = parse_record(record)
    if expected is None:
        assert parsed is None
    else:
        assert parsed is not None and (parsed.sms_id, parsed.code, parsed.at) == expected


def test_callback_url_quotes_the_clinic() -> None:
    assert callback_url("https://hub.example/", "smsru", "c 1", "s") == (
        "https://hub.example/plugins/smsru/callback/c%201/s"
    )
    assert callback_path("sms2", "clinic-1", "abc") == "/plugins/sms2/callback/clinic-1/abc"


# --- the route's refusals (nothing is recorded) ------------------------------------------------


def _records() -> list[str]:
    return [status_record("202611-1000001", 103, AT)]


async def test_wrong_secret_is_not_found(
    hub: Harness, clinic: str, hub_callbacks: httpx.AsyncClient
) -> None:
    response = await hub_callbacks.post(
        callback_path("smsru", CLINIC, "not-the-secret"), data=callback_form(API_ID, _records())
    )
    assert response.status_code == 404 and response.text != "100"


async def test_a_clinic_without_the_plugin_is_not_found(
    hub: Harness, clinic: str, hub_callbacks: httpx.AsyncClient
) -> None:
    await hub.create_clinic("clinic-2")
    secret = await stored_secret(hub)
    response = await hub_callbacks.post(
        callback_path("smsru", "clinic-2", secret), data=callback_form(API_ID, _records())
    )
    assert response.status_code == 404


@pytest.mark.parametrize("tamper", ["wrong key", "no hash", "changed record", "reordered"])
async def test_a_wrong_hash_is_rejected(
    hub: Harness, clinic: str, hub_callbacks: httpx.AsyncClient, tamper: str
) -> None:
    records = [status_record("202611-1000001", 103, AT), status_record("202611-1000002", 104, AT)]
    form = callback_form("ANOTHER-ACCOUNT-KEY" if tamper == "wrong key" else API_ID, records)
    if tamper == "no hash":
        del form["hash"]
    elif tamper == "changed record":
        form["data[0]"] = status_record("202611-1000001", 104, AT)
    elif tamper == "reordered":
        form["data[0]"], form["data[1]"] = form["data[1]"], form["data[0]"]
    secret = await stored_secret(hub)
    response = await hub_callbacks.post(callback_path("smsru", CLINIC, secret), data=form)
    assert response.status_code == 403
    assert "hash does not match" in response.json()["detail"]


async def test_records_without_statuses_are_answered_100(
    hub: Harness, clinic: str, hub_callbacks: httpx.AsyncClient
) -> None:
    """A connection test or a call-check record: signed, answered, nothing to record."""
    records = [
        "test\n1795417200",
        "callcheck_status\n201737-100000\n401\n1795417200",
        status_record("202611-1000001", 102, AT),
    ]
    secret = await stored_secret(hub)
    response = await hub_callbacks.post(
        callback_path("smsru", CLINIC, secret), data=callback_form(API_ID, records)
    )
    assert response.status_code == 200 and response.text == "100"
    assert response.headers["content-type"].startswith("text/plain")


async def test_a_get_is_not_a_callback(
    hub: Harness, clinic: str, hub_callbacks: httpx.AsyncClient
) -> None:
    secret = await stored_secret(hub)
    response = await hub_callbacks.get(callback_path("smsru", CLINIC, secret))
    assert response.status_code == 405


class _FailingHub:
    """A context whose hub cannot record reports (its database is down)."""

    def __init__(self) -> None:
        self.settings = SmsruSettings.model_validate({"api_id": API_ID})
        self.log = logging.LoggerAdapter(logging.getLogger("test.smsru"), {})

    async def report_delivery(self, report: DeliveryReport) -> bool:
        raise ConnectionError("database is down")


async def test_a_report_the_hub_cannot_record_is_503_so_sms_ru_sends_again() -> None:
    form = callback_form(API_ID, _records())
    with pytest.raises(HTTPException) as caught:
        await handle(_FailingHub(), list(form.items()))  # type: ignore[arg-type]
    assert caught.value.status_code == 503
