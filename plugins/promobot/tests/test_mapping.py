"""From the scanner's reading to checked fields, flags and the patch for a card."""

from __future__ import annotations

import datetime as dt

from hub_promobot.const import DOCUMENT_FIELDS, DocumentKind
from hub_promobot.mapping import patch, read
from hub_promobot.scanner import Reading, Recognised

from hub import Card

TODAY = dt.date(2026, 11, 23)

PASSPORT = {
    "last_name": Reading("КУЗНЕЦОВ", 0.9986),
    "first_name": Reading("ДМИТРИЙ", 0.9977),
    "middle_name": Reading("СЕРГЕЕВИЧ", 0.9969),
    "sex": Reading("М", 0.9995),
    "birth_date": Reading("15.08.1990", 0.9921),
    "birth_place": Reading("ГОР. МОСКВА", 0.9712),
    "passport_series": Reading("45 15", 0.9954),
    "passport_number": Reading("940229", 0.9961),
    "passport_issued_by": Reading("ОТДЕЛОМ УФМС РОССИИ ПО ГОР. МОСКВЕ", 0.9418),
    "passport_issue_date": Reading("23.09.2010", 0.9897),
    "passport_issuer_code": Reading("770-053", 0.9932),
    "registration_address": Reading(None, None),
}


def passport(**changes: Reading) -> Recognised:
    return Recognised(DocumentKind.PASSPORT, {**PASSPORT, **changes})


def card(**fields: object) -> Card:
    values: dict[str, object] = {
        "id": "P-1",
        "last_name": "Кузнецов",
        "first_name": "Дмитрий",
        "middle_name": "Сергеевич",
        "birth_date": dt.date(1990, 8, 15),
        "sex": "male",
        **fields,
    }
    return Card.model_validate(values)


def test_a_clean_passport_has_every_field_checked_and_nothing_flagged() -> None:
    document = read(passport(), min_confidence=0.9, today=TODAY)
    assert list(document.fields) == list(DOCUMENT_FIELDS[DocumentKind.PASSPORT])
    assert document.flagged() == []
    answer = document.answer_fields()
    assert answer["last_name"] == {"value": "Кузнецов", "confidence": 0.9986}
    assert answer["birth_date"] == {"value": "1990-08-15", "confidence": 0.9921}
    assert answer["sex"]["value"] == "male"
    assert answer["registration_address"] == {"value": None, "confidence": None}


def test_low_confidence_is_flagged_with_the_value_kept() -> None:
    document = read(
        passport(passport_issued_by=Reading("ОТДЕЛОМ УФМС", 0.71)), min_confidence=0.9, today=TODAY
    )
    assert document.flagged() == [
        {
            "field": "passport_issued_by",
            "reason": "recognised with confidence 0.71, below the clinic's minimum 0.9: "
            "check it against the document",
        }
    ]
    assert document.fields["passport_issued_by"].value == "ОТДЕЛОМ УФМС"


def test_a_failing_field_keeps_the_text_as_read_and_gives_every_reason() -> None:
    document = read(
        passport(passport_number=Reading("94O229", 0.62)), min_confidence=0.9, today=TODAY
    )
    (flag,) = document.flagged()
    assert flag["field"] == "passport_number"
    assert flag["reason"].startswith("is not 6 digits; recognised with confidence 0.62")
    assert document.fields["passport_number"].value == "94O229"


def test_a_missing_required_field_is_flagged_an_optional_one_is_not() -> None:
    document = read(
        passport(passport_number=Reading(None, None), middle_name=Reading(" ", 0.99)),
        min_confidence=0.9,
        today=TODAY,
    )
    assert document.flagged() == [
        {"field": "passport_number", "reason": "not found on the document"}
    ]


def test_no_confidence_is_flagged() -> None:
    document = read(passport(sex=Reading("Ж", None)), min_confidence=0.9, today=TODAY)
    assert document.flagged() == [
        {"field": "sex", "reason": "the scanner gave no confidence for it"}
    ]


def test_a_passport_issued_before_fourteen_is_flagged() -> None:
    document = read(
        passport(passport_issue_date=Reading("14.08.2004", 0.99)), min_confidence=0.9, today=TODAY
    )
    assert [f["field"] for f in document.flagged()] == ["passport_issue_date"]
    assert (
        read(
            passport(passport_issue_date=Reading("15.08.2004", 0.99)),
            min_confidence=0.9,
            today=TODAY,
        ).flagged()
        == []
    )


def test_the_patch_holds_only_what_differs_from_the_card() -> None:
    document = read(passport(), min_confidence=0.9, today=TODAY)
    changes = patch(card(last_name="Кузнецова", birth_date=None), document)
    assert changes == {
        "last_name": "Кузнецов",
        "birth_date": "1990-08-15",
        "birth_place": "ГОР. МОСКВА",
        "passport_series": "45 15",
        "passport_number": "940229",
        "passport_issued_by": "ОТДЕЛОМ УФМС РОССИИ ПО ГОР. МОСКВЕ",
        "passport_issue_date": "2010-09-23",
        "passport_issuer_code": "770-053",
    }


def test_flagged_and_missing_fields_stay_out_of_the_patch() -> None:
    document = read(
        passport(
            first_name=Reading("ДМИТРИИ", 0.55),
            middle_name=Reading(None, None),
            passport_number=Reading("94022", 0.99),
        ),
        min_confidence=0.9,
        today=TODAY,
    )
    changes = patch(card(first_name="Дима", middle_name="Сергеевич"), document)
    assert "first_name" not in changes and "middle_name" not in changes
    assert "passport_number" not in changes


def test_a_snils_with_a_wrong_checksum_is_flagged_and_not_patched() -> None:
    snils = Recognised(
        DocumentKind.SNILS,
        {
            "last_name": Reading("КУЗНЕЦОВ", 0.99),
            "first_name": Reading("ДМИТРИЙ", 0.99),
            "middle_name": Reading("СЕРГЕЕВИЧ", 0.99),
            "birth_date": Reading("15.08.1990", 0.99),
            "sex": Reading("М", 0.99),
            "snils": Reading("112-233-445 59", 0.97),
        },
    )
    document = read(snils, min_confidence=0.9, today=TODAY)
    (flag,) = document.flagged()
    assert flag["field"] == "snils" and "checksum" in flag["reason"]
    assert patch(card(), document) == {}
