"""SmsruSettings through the hub's settings API: validation, masking, the callback secret."""

from __future__ import annotations

from typing import Any

import pytest
from hub_smsru.settings import SmsruSettings
from pydantic import ValidationError

from hub.testing import Harness

from .support import API_ID, CLINIC, SETTINGS, stored_secret

URL = f"/api/v1/clinics/{CLINIC}/plugins/smsru"


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        ({}, "api_id"),
        ({"api_id": "short"}, "api_id"),
        ({"api_id": API_ID, "sender": "ЛатиницаНет"}, "sender"),
        ({"api_id": API_ID, "sender": "TooLongSender1"}, "sender"),
        ({"api_id": API_ID, "base_url": "sms.ru"}, "base_url"),
        ({"api_id": API_ID, "low_balance_threshold": -1}, "low_balance_threshold"),
        ({"api_id": API_ID, "status_poll_minutes": -5}, "status_poll_minutes"),
        ({"api_id": API_ID, "callback_secret": "guessable"}, "callback_secret"),
        ({"api_id": API_ID, "rate_limit_per_second": 0}, "rate_limit_per_second"),
        ({"api_id": API_ID, "unknown": 1}, "unknown"),
    ],
)
async def test_bad_settings_are_rejected_naming_the_field(
    hub: Harness, settings: dict[str, Any], field: str
) -> None:
    await hub.create_clinic(CLINIC)
    response = await hub.client.put(URL, json={"enabled": True, "settings": settings})
    assert response.status_code == 422, response.text
    assert field in {e["loc"][-1] for e in response.json()["errors"]}
    assert API_ID not in response.text


async def test_secrets_are_masked_and_the_callback_secret_generated(hub: Harness) -> None:
    await hub.create_clinic(CLINIC)
    shown = await hub.enable("smsru", CLINIC, settings=dict(SETTINGS))
    secret = await stored_secret(hub)
    assert len(secret) >= 32
    assert shown["settings"]["api_id"] == "••••E8F9"
    assert shown["settings"]["callback_secret"].startswith("••••")
    body = (await hub.client.get(URL)).text
    assert API_ID not in body and secret not in body


async def test_the_callback_secret_is_stable_and_rotates_on_null(hub: Harness) -> None:
    await hub.create_clinic(CLINIC)
    await hub.enable("smsru", CLINIC, settings=dict(SETTINGS))
    first = await stored_secret(hub)
    await hub.enable("smsru", CLINIC, settings={"sender": None})
    assert await stored_secret(hub) == first
    await hub.enable("smsru", CLINIC, settings={"callback_secret": None})
    rotated = await stored_secret(hub)
    assert rotated != first and len(rotated) >= 32


async def test_each_clinic_gets_its_own_callback_secret(hub: Harness) -> None:
    for clinic in ("clinic-1", "clinic-2"):
        await hub.create_clinic(clinic)
        await hub.enable("smsru", clinic, settings=dict(SETTINGS))
    assert await stored_secret(hub, "clinic-1") != await stored_secret(hub, "clinic-2")


def test_defaults_and_job_intervals() -> None:
    settings = SmsruSettings.model_validate(
        {"api_id": API_ID, "sender": " ", "base_url": "http://proxy.local/smsru/"}
    )
    assert settings.sender is None and settings.base_url == "http://proxy.local/smsru"
    assert (settings.test, settings.translit, settings.cost_lookup) == (False, False, True)
    assert settings.status_poll_every is not None
    assert settings.status_poll_every.total_seconds() == 15 * 60
    assert settings.low_balance_every is None
    off = settings.model_copy(update={"status_poll_minutes": 0, "low_balance_threshold": 5})
    assert off.status_poll_every is None and off.low_balance_every is not None


def test_secret_never_shows_in_repr() -> None:
    settings = SmsruSettings.model_validate({"api_id": API_ID})
    assert API_ID not in repr(settings) and API_ID not in str(settings.model_dump())
    with pytest.raises(ValidationError):
        SmsruSettings.model_validate({"api_id": API_ID, "sender": "a"})
