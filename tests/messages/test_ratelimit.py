"""Rate-limit buckets are per provider account: clinics sharing a key share a bucket."""

from __future__ import annotations

from typing import ClassVar

from pydantic import SecretStr

from hub import ChannelSettings
from hub.messages.ratelimit import account_key


class Gateway(ChannelSettings):
    api_key: SecretStr
    callback_secret: SecretStr
    account_fields: ClassVar[tuple[str, ...]] = ("api_key",)


class Anything(ChannelSettings):
    api_key: SecretStr
    sender: str = "Clinic"


def test_clinics_sharing_a_key_share_a_bucket_whatever_their_own_fields() -> None:
    one = Gateway(api_key=SecretStr("k1"), callback_secret=SecretStr("c1"))
    two = Gateway(api_key=SecretStr("k1"), callback_secret=SecretStr("c2"), rate_limit_per_second=3)
    other = Gateway(api_key=SecretStr("k2"), callback_secret=SecretStr("c1"))
    assert account_key("gw", one) == account_key("gw", two)
    assert account_key("gw", one) != account_key("gw", other)
    assert account_key("gw", one) != account_key("gw2", one)


def test_without_account_fields_every_field_counts() -> None:
    base = Anything(api_key=SecretStr("k1"))
    assert account_key("gw", base) == account_key("gw", Anything(api_key=SecretStr("k1")))
    assert account_key("gw", base) != account_key("gw", Anything(api_key=SecretStr("k2")))
    assert account_key("gw", base) != account_key(
        "gw", Anything(api_key=SecretStr("k1"), sender="Other")
    )
    assert "k1" not in account_key("gw", base)[1]
