"""The address of a patient card for a channel, or why there is none.

SMS and messengers go to the card's best mobile (:func:`hub.text.phones.best_mobile`,
local numbers read in the clinic's ``phone_region``); a voice call may also ring a
landline; e-mail goes to the card's address.  When a card has no usable address the
message is not created: the caller reports the reason (``no_phone``,
``invalid_phone``, ``not_mobile``, ``no_email``) in its answer or skip list, and
:func:`warn` tells the clinic system through a ``card.warning`` feed event
``{"patient_id", "reason", "detail"}`` (seed 000: the card gets an error mark).
The verdict on a card's phones is decided when the card is written and stored with it
(``patient.phone_verdict``, :class:`hub.text.phones.CardPhones`); a reminder run hands
it to :func:`for_card`, which checks the phones itself only when it is missing or stale.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from hub import feed
from hub.text.phones import CardPhones
from hub.types import Card

WARNING = "card.warning"


@dataclass(frozen=True)
class CardAddress:
    """The address to use, or ``None`` with the reason and a sentence."""

    address: str | None
    reason: str | None = None
    detail: str = ""


def for_card(
    card: Card, channel: str, region: str = "RU", stored: CardPhones | None = None
) -> CardAddress:
    """The card's address for ``channel``, or why there is none.

    ``stored`` is the verdict on the card's phones kept with it (``patient.phone_verdict``,
    decided at intake); when it is missing or no longer fits the card's phones and
    ``region``, the phones are checked here (libphonenumber)."""
    if channel == "email":
        if card.email and card.email.strip():
            return CardAddress(card.email.strip())
        return CardAddress(
            None, "no_email", "в карте пациента нет адреса e-mail / the card has no e-mail address"
        )
    verdict = stored if stored is not None and stored.fits(card.phones, region) else None
    if verdict is None:
        verdict = CardPhones.of(card.phones, region)
    if verdict.mobile is not None:
        return CardAddress(verdict.mobile)
    if channel == "voice" and verdict.any_number is not None:
        return CardAddress(verdict.any_number)
    return CardAddress(None, verdict.problem or "no_phone", verdict.detail)


async def warn(
    session: AsyncSession,
    *,
    clinic_id: str,
    patient_id: str,
    reason: str,
    detail: str,
    now: dt.datetime,
) -> str:
    """Publish a ``card.warning`` for the clinic system; its feed cursor."""
    return await feed.publish(
        session,
        clinic_id=clinic_id,
        type=WARNING,
        source="hub",
        at=now,
        data={"patient_id": patient_id, "reason": reason, "detail": detail},
    )
