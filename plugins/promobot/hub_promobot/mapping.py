"""From what the scanner read to what the card gets: checked fields, flags, the patch.

read(recognised, min_confidence, today) -> Document
    every field of the document in the card vocabulary, each checked
    (:mod:`hub_promobot.validate`) and with the scanner's confidence; a field that
    fails a check, was read with too little confidence or was not found is flagged
    with the reason and keeps the text exactly as read.
patch(card, document) -> dict
    what the clinic system should write into an existing card: the fields that
    passed every check (flagged ones are for a person to confirm) and differ from
    the card the hub has.  Fields the hub's card does not hold (passport, SNILS,
    the OMS number, the birth place, the address) are always in it: the hub
    cannot tell whether the clinic system's card already has them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hub_promobot import validate
from hub_promobot.const import CARD_FIELDS, DOCUMENT_FIELDS, DocumentKind
from hub_promobot.scanner import Recognised
from hub_promobot.validate import Checked

from hub import Card

#: Fields a document may lack without anything being wrong.
OPTIONAL: frozenset[str] = frozenset({"middle_name", "registration_address"})

_CHECKS: dict[str, Callable[[str], Checked]] = {
    "last_name": validate.name,
    "first_name": validate.name,
    "middle_name": validate.name,
    "sex": validate.sex,
    "birth_place": validate.text_field,
    "passport_series": validate.passport_series,
    "passport_number": validate.passport_number,
    "passport_issued_by": validate.text_field,
    "passport_issuer_code": validate.issuer_code,
    "registration_address": validate.text_field,
    "snils": validate.snils,
    "oms_number": validate.oms_number,
}
_DATES = frozenset({"birth_date", "passport_issue_date"})
#: A Russian passport is first issued at 14.
_PASSPORT_AGE = 14


@dataclass
class Field:
    """One field of a recognised document."""

    value: Any
    confidence: float | None
    problems: list[str] = field(default_factory=list)

    @property
    def trusted(self) -> bool:
        return not self.problems and self.value is not None


@dataclass
class Document:
    kind: DocumentKind
    fields: dict[str, Field]

    def flagged(self) -> list[dict[str, str]]:
        """``[{"field", "reason"}]`` for every field a person must check."""
        return [
            {"field": name, "reason": "; ".join(f.problems)}
            for name, f in self.fields.items()
            if f.problems
        ]

    def answer_fields(self) -> dict[str, dict[str, Any]]:
        return {n: {"value": f.value, "confidence": f.confidence} for n, f in self.fields.items()}


def read(recognised: Recognised, *, min_confidence: float, today: dt.date) -> Document:
    """Check every field of the document (see the module's docstring)."""
    fields: dict[str, Field] = {}
    for name in DOCUMENT_FIELDS[recognised.kind]:
        reading = recognised.fields.get(name)
        text = reading.text if reading else None
        confidence = reading.confidence if reading else None
        if text is None or not text.strip():
            problems = [] if name in OPTIONAL else ["not found on the document"]
            fields[name] = Field(None, confidence, problems)
            continue
        checked = validate.date(text, today) if name in _DATES else _CHECKS[name](text)
        problems = [] if checked.ok else [f"{checked.problem}"]
        if confidence is None:
            problems.append("the scanner gave no confidence for it")
        elif confidence < min_confidence:
            problems.append(
                f"recognised with confidence {confidence:.2f}, below the clinic's minimum "
                f"{min_confidence:g}: check it against the document"
            )
        fields[name] = Field(checked.value, confidence, problems)
    document = Document(recognised.kind, fields)
    if recognised.kind is DocumentKind.PASSPORT:
        _check_issue_age(document)
    return document


def _check_issue_age(document: Document) -> None:
    born, issued = document.fields["birth_date"], document.fields["passport_issue_date"]
    if not (born.trusted and issued.trusted):
        return
    birth = dt.date.fromisoformat(born.value)
    try:
        fourteen = birth.replace(year=birth.year + _PASSPORT_AGE)
    except ValueError:  # 29 February
        fourteen = dt.date(birth.year + _PASSPORT_AGE, 3, 1)
    if dt.date.fromisoformat(issued.value) < fourteen:
        issued.problems.append(
            "is before the holder's 14th birthday (a passport is first issued at 14)"
        )


def patch(card: Card, document: Document) -> dict[str, Any]:
    """The trusted fields that differ from ``card`` (see the module's docstring)."""
    out: dict[str, Any] = {}
    for name, f in document.fields.items():
        if not f.trusted:
            continue
        if name in CARD_FIELDS and f.value == _card_value(card, name):
            continue
        out[name] = f.value
    return out


def _card_value(card: Card, name: str) -> Any:
    value = getattr(card, name)
    return value.isoformat() if isinstance(value, dt.date) else value
