"""Who gets a reminder, and who is skipped and why (seed 000).  Pure: no database.

Checks, in this order; the first that applies is the reason::

    cancelled                     the appointment is cancelled
    already_sent                  this rule already queued a message for it (that day)
    no_card                       the patient's card is missing or was deleted
    opt_out                       «Отказ от информационной рассылки»
    inpatient                     the patient is in hospital («в стационаре»)
    excluded_service              a service of the appointment is excluded (clinic option)
    excluded_price_list_section   a service is billed under an excluded price-list section
    no_phone / invalid_phone /    no usable address for the channel; the clinic system
      not_mobile / no_email       gets a ``card.warning`` (real runs only)
    stop_list                     the address is on the clinic's stop list (checked by
                                  the planner for the whole run in one query)

A text that cannot be filled (a placeholder without a value) is skipped later as
``empty_placeholder``, by the planner.  The reasons after ``not_mobile`` are not in the
contract's list; they are what the messages part reports for the same cases.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from hub.messages import recipients
from hub.text.phones import CardPhones
from hub.types import Appointment, Card

__all__ = ["ADDRESS_REASONS", "Decision", "Filters", "decide", "decide_card"]

#: Reasons that also publish a ``card.warning`` for the clinic system.
ADDRESS_REASONS: Final = frozenset({"no_phone", "invalid_phone", "not_mobile", "no_email"})


@dataclass(frozen=True)
class Filters:
    """What the rule excludes besides the patient's own flags."""

    excluded_services: frozenset[str] = field(default_factory=frozenset)
    excluded_price_list_sections: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Decision:
    """``address`` to send to, or ``reason`` (and a sentence) why not."""

    address: str | None
    reason: str | None = None
    detail: str = ""


def decide(
    appointment: Appointment,
    *,
    channel: str,
    region: str,
    filters: Filters,
    already_sent: bool = False,
    phones: CardPhones | None = None,
) -> Decision:
    """The decision for one appointment (see the module's order of checks); ``phones``
    is the verdict stored with the card, if any (see ``recipients.for_card``)."""
    if appointment.cancelled:
        return Decision(None, "cancelled", "the appointment is cancelled")
    if already_sent:
        return Decision(None, "already_sent", "a reminder about it was already queued")
    card = appointment.patient
    flagged = _card_flags(card)
    if flagged is not None:
        return flagged
    assert card is not None
    for service in appointment.services:
        if service.id in filters.excluded_services:
            return Decision(
                None, "excluded_service", f"service {service.id} is excluded from reminders"
            )
    for service in appointment.services:
        section = service.price_list_section
        if section and section in filters.excluded_price_list_sections:
            return Decision(
                None,
                "excluded_price_list_section",
                f"service {service.id} is in price-list section {section}, excluded from reminders",
            )
    return _address(card, channel, region, phones)


def decide_card(card: Card | None, *, channel: str, region: str) -> Decision:
    """The decision for a message to a patient without an appointment (a birthday, a
    discount card): the card's flags and address only."""
    flagged = _card_flags(card)
    if flagged is not None:
        return flagged
    assert card is not None
    return _address(card, channel, region)


def _card_flags(card: Card | None) -> Decision | None:
    if card is None or card.deleted:
        return Decision(None, "no_card", "the patient's card is missing or was deleted")
    if card.opt_out:
        return Decision(None, "opt_out", "the patient opted out of informational messages")
    if card.inpatient:
        return Decision(None, "inpatient", "the patient is in hospital")
    return None


def _address(card: Card, channel: str, region: str, phones: CardPhones | None = None) -> Decision:
    address = recipients.for_card(card, channel, region, phones)
    if address.address is None:
        return Decision(None, address.reason or "no_phone", address.detail)
    return Decision(address.address)
