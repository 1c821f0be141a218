"""The plugin's code tables: documents, the card vocabulary, time limits, the feed event.

Documents and what each carries, in the hub's card vocabulary (``last_name``... as on
``hub.Card``; the document fields the hub's card does not hold have names of their
own).  The scanner's wire names (``surname``, ``series``...) are not here: they belong
to the protocol, in :mod:`hub_promobot.client` only.

Time limits.  A scan waits for the person at the desk (``timeout_seconds``, per
clinic); the plugin gives the scanner that long plus :func:`answer_margin` to answer,
then tells the desk the scanner never answered.  ``ACTION_TIMEOUT`` is the hub's own
limit on the whole action: longer than the longest wait a clinic can set, so the
plugin's clear answer always comes first.
"""

from __future__ import annotations

import enum
from types import MappingProxyType
from typing import Final


class DocumentKind(enum.StrEnum):
    """A document the scanner recognises."""

    PASSPORT = "passport"
    SNILS = "snils"
    OMS = "oms"


#: What the desk may ask for: a document kind, or ``auto`` (the scanner decides).
AUTO: Final = "auto"

#: Fields of the hub's patient card (``hub.Card``): compared with the card it has.
CARD_FIELDS: Final = ("last_name", "first_name", "middle_name", "birth_date", "sex")

#: Fields each document carries, in the order they are answered.
DOCUMENT_FIELDS: Final = MappingProxyType(
    {
        DocumentKind.PASSPORT: (
            *CARD_FIELDS,
            "birth_place",
            "passport_series",
            "passport_number",
            "passport_issue_date",
            "passport_issued_by",
            "passport_issuer_code",
            "registration_address",
        ),
        DocumentKind.SNILS: (*CARD_FIELDS, "snils"),
        DocumentKind.OMS: (*CARD_FIELDS, "oms_number"),
    }
)

#: Every field of the vocabulary, each with what it is (for the README and the schema).
FIELD_MEANINGS: Final = MappingProxyType(
    {
        "last_name": "surname (Фамилия), capitalised as on the card: «Кузнецов»",
        "first_name": "given name (Имя)",
        "middle_name": "patronymic (Отчество); empty when the document has none",
        "birth_date": "date of birth, ISO (1990-08-15)",
        "sex": "male | female (from «М» / «Ж»)",
        "birth_place": "place of birth as printed (Место рождения)",
        "passport_series": "4 digits as printed: «45 15»",
        "passport_number": "6 digits: «940229»",
        "passport_issue_date": "date of issue, ISO",
        "passport_issued_by": "issuing authority as printed (Паспорт выдан)",
        "passport_issuer_code": "code of the issuing unit: «770-053» (Код подразделения)",
        "registration_address": "registration address (Место жительства), null if absent",
        "snils": "SNILS «112-233-445 95»",
        "oms_number": "the single 16-digit OMS policy number (ЕНП)",
    }
)

#: Dates that are dates (parsed and checked as such).
DATE_FIELDS: Final = frozenset({"birth_date", "passport_issue_date"})
#: Names (Cyrillic, normalised to «Кузнецов»).
NAME_FIELDS: Final = frozenset({"last_name", "first_name", "middle_name"})

#: How long a scan waits for the person at the desk, by default and at most (seconds).
DEFAULT_TIMEOUT_SECONDS: Final = 60
MAX_TIMEOUT_SECONDS: Final = 300
#: Below this confidence a field is answered but flagged for a person to check.
DEFAULT_MIN_CONFIDENCE: Final = 0.9
#: How long the connection check waits for the scanner's state (seconds).
STATUS_TIMEOUT: Final = 5.0

_MARGIN_SHARE: Final = 0.25
_MARGIN_MIN: Final = 1.0
_MARGIN_MAX: Final = 10.0


def answer_margin(timeout_seconds: float) -> float:
    """Time the scanner gets beyond the person's wait to recognise and answer:
    a quarter of the wait, at least 1 s and at most 10 s."""
    return min(_MARGIN_MAX, max(_MARGIN_MIN, timeout_seconds * _MARGIN_SHARE))


def scan_deadline(timeout_seconds: float) -> float:
    """How long the plugin waits for a scan before answering that it never came."""
    return timeout_seconds + answer_margin(timeout_seconds)


#: The hub's limit on the ``scan`` action: beyond the longest deadline a clinic can set.
ACTION_TIMEOUT: Final = scan_deadline(MAX_TIMEOUT_SECONDS) + 5.0

#: The feed event published for a scan made for a known patient.
DOCUMENT_RECOGNISED: Final = "card.document_recognised"
