"""Addresses per channel: an E.164 phone for sms / voice / messenger, an e-mail otherwise.

``normalize`` turns what a caller typed («8 (918) 123-45-67») into the form stored in
the journal and handed to providers («+79181234567»), or raises
:class:`InvalidAddress` saying why.  Local numbers are read in the clinic's region
(clinic option ``phone_region``, RU by default).  SMS and messengers need a mobile
number; a landline is refused for them (``not_mobile``) but fine for voice calls.
"""

from __future__ import annotations

import re

from hub.text.phones import check_phone

PHONE_CHANNELS = frozenset({"sms", "voice", "messenger"})
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class InvalidAddress(ValueError):
    """An address the channel cannot use; ``reason`` is a stable code."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def normalize_phone(raw: str, region: str = "RU", *, mobile: bool = True) -> str:
    """E.164 of ``raw``; :class:`InvalidAddress` (``no_phone`` / ``invalid_phone`` /
    ``not_mobile``, with :func:`hub.text.phones.check_phone`'s sentence) otherwise."""
    check = check_phone(raw, region)
    if check.e164 is None or (mobile and check.problem is not None):
        raise InvalidAddress(check.problem or "invalid_phone", check.detail)
    return check.e164


def normalize(channel: str, address: str, region: str = "RU") -> str:
    """The stored form of ``address`` for ``channel``."""
    if channel in PHONE_CHANNELS:
        return normalize_phone(address, region, mobile=channel != "voice")
    value = (address or "").strip()
    if not _EMAIL.match(value):
        raise InvalidAddress("invalid_email", f"{value!r} is not an e-mail address")
    return value
