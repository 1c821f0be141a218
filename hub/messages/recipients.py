"""The address of a patient card for a channel, or why there is none.

SMS and messengers go to the card's best mobile (:func:`hub.text.phones.best_mobile`,
local numbers read in the clinic's ``phone_region``); a voice call may also ring a
landline; e-mail goes to the card's address.  When a card has no usable address the
message is not created: the caller reports the reason (``no_phone``,
``invalid_phone``, ``not_mobile``, ``no_email``) in its answer or skip list, and
:func:`warn` tells the clinic system through a ``card.warning`` feed event
``{"patient_id", "reason", "detail"}`` (seed 000: the card gets an error mark).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from hub import feed
from hub.text.phones import best_mobile, check_phone
from hub.types import Card

WARNING = "card.warning"


@dataclass(frozen=True)
class CardAddress:
    """The address to use, or ``None`` with the reason and a sentence."""

    address: str | None
    reason: str | None = None
    detail: str = ""


def for_card(card: Card, channel: str, region: str = "RU") -> CardAddress:
    if channel == "email":
        if card.email and card.email.strip():
            return CardAddress(card.email.strip())
        return CardAddress(None, "no_email", "в карте пациента нет адреса e-mail / the card has no e-mail address")
    check = best_mobile(list(card.phones), region)
    if check.usable and check.e164:
        return CardAddress(check.e164)
    if channel == "voice":
        for phone in card.phones:
            any_number = check_phone(phone, region)
            if any_number.e164:
                return CardAddress(any_number.e164)
    return CardAddress(None, check.problem or "no_phone", check.detail)


async def warn(
    session: AsyncSession, *, clinic_id: str, patient_id: str, reason: str, detail: str,
    now: dt.datetime,
) -> str:
    """Publish a ``card.warning`` for the clinic system; its feed cursor."""
    return await feed.publish(
        session, clinic_id=clinic_id, type=WARNING, source="hub", at=now,
        data={"patient_id": patient_id, "reason": reason, "detail": detail},
    )
