"""OndocSettings: the fields an admin fills in, their defaults and their checks."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hub_ondoc.settings import OndocSettings
from pydantic import ValidationError

BASE: dict[str, Any] = {
    "server": "https://ondoc.example/",
    "company_token": "company-0123456789",
    "branch_token": "branch-0123456789",
}


def make(**fields: Any) -> OndocSettings:
    return OndocSettings.model_validate({**BASE, **fields})


def test_defaults_poll_every_five_minutes_phone_first_and_a_russian_code_text() -> None:
    s = make()
    assert s.server == "https://ondoc.example"
    assert s.poll_minutes == 5 and s.poll_every == dt.timedelta(minutes=5)
    assert s.contact_priority == ["phone", "email"] and s.channels() == ["sms", "email"]
    text = s.code_message("123456789", "Клиника «Здоровье»")
    assert "123456789" in text and "ONDOC" in text and "Клиника «Здоровье»" in text
    assert s.zone(ZoneInfo("Europe/Moscow")) == ZoneInfo("Europe/Moscow")


def test_email_first_sends_by_email_first() -> None:
    assert make(contact_priority=["email", "phone"]).channels() == ["email", "sms"]
    assert make(contact_priority=["email"]).channels() == ["email"]


@pytest.mark.parametrize("bad", [[], ["phone", "phone"], ["fax"], ["phone", "email", "phone"]])
def test_contact_priority_is_phone_and_or_email_each_once(bad: list[str]) -> None:
    with pytest.raises(ValidationError):
        make(contact_priority=bad)


@pytest.mark.parametrize(
    ("given", "stored", "hours"),
    [
        ("+03:00", "+03:00", 3),
        ("GMT+3", "+03:00", 3),
        ("UTC-5:30", "-05:30", -5.5),
        ("", None, None),
    ],
)
def test_the_utc_offset_overrides_the_clinic_zone(
    given: str, stored: str | None, hours: float | None
) -> None:
    s = make(utc_offset=given)
    assert s.utc_offset == stored
    if hours is not None:
        zone = s.zone(ZoneInfo("Asia/Vladivostok"))
        assert zone.utcoffset(None) == dt.timedelta(hours=hours)


@pytest.mark.parametrize("bad", ["+15:00", "Moscow", "3", "+03:75"])
def test_a_bad_offset_is_refused(bad: str) -> None:
    with pytest.raises(ValidationError, match="offset|between"):
        make(utc_offset=bad)


@pytest.mark.parametrize(
    ("text", "problem"),
    [("Ваш код", "must contain {code}"), ("Код {code} {name}", "only {code} and {clinic}")],
)
def test_the_code_text_must_carry_the_code(text: str, problem: str) -> None:
    with pytest.raises(ValidationError, match=problem):
        make(code_text=text)


def test_server_must_be_a_url_and_tokens_are_secrets() -> None:
    with pytest.raises(ValidationError, match="http"):
        make(server="ondoc.example")
    s = make()
    assert "branch-0123456789" not in repr(s) and "company-0123456789" not in s.model_dump_json()


def test_directory_sync_can_be_turned_off() -> None:
    assert make().directory_sync_every == dt.timedelta(hours=24)
    assert make(directory_sync_hours=0).directory_sync_every is None
