"""Addresses per channel: an E.164 phone for sms / voice / messenger, an e-mail otherwise.

``normalize`` turns what a caller typed («8 (918) 123-45-67») into the form stored in
the journal and handed to providers («+79181234567»), or raises
:class:`InvalidAddress` saying why.  Local numbers are read in the clinic's region
(clinic option ``phone_region``, RU by default).  SMS and messengers need a mobile
number; a landline is refused for them (``not_mobile``) but fine for voice calls.
"""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import PhoneNumberType

PHONE_CHANNELS = frozenset({"sms", "voice", "messenger"})
_MOBILE = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class InvalidAddress(ValueError):
    """An address the channel cannot use; ``reason`` is a stable code."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def normalize_phone(raw: str, region: str = "RU", *, mobile: bool = True) -> str:
    """E.164 of ``raw``; :class:`InvalidAddress` (``no_phone`` / ``invalid_phone`` /
    ``not_mobile``) otherwise."""
    text = (raw or "").strip()
    if not text:
        raise InvalidAddress("no_phone", "no phone number given")
    try:
        number = phonenumbers.parse(text, region.upper())
    except phonenumbers.NumberParseException:
        raise InvalidAddress("invalid_phone", f"{text!r} is not a phone number") from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidAddress("invalid_phone", f"{text!r} is not a valid phone number")
    if mobile and phonenumbers.number_type(number) not in _MOBILE:
        raise InvalidAddress("not_mobile", f"{text!r} is not a mobile number: SMS cannot reach it")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize(channel: str, address: str, region: str = "RU") -> str:
    """The stored form of ``address`` for ``channel``."""
    if channel in PHONE_CHANNELS:
        return normalize_phone(address, region, mobile=channel != "voice")
    value = (address or "").strip()
    if not _EMAIL.match(value):
        raise InvalidAddress("invalid_email", f"{value!r} is not an e-mail address")
    return value
