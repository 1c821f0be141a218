"""Each check: the card's form when it passes, the text as read and a reason when not."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from hub_promobot import validate

TODAY = dt.date(2026, 11, 23)


# --- SNILS ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("112-233-445 95", "112-233-445 95"),  # the Pension Fund's own example
        ("11223344595", "112-233-445 95"),
        ("112 233 445 95", "112-233-445 95"),
        ("001-001-999 65", "001-001-999 65"),  # a sum below 100 is the check number
        ("001-168-298 06", "001-168-298 06"),  # 107 -> 107 mod 101 = 6
        ("001-508-815 00", "001-508-815 00"),  # 100 -> 00
        ("001-437-544 00", "001-437-544 00"),  # 101 -> 00
        ("006-996-682 00", "006-996-682 00"),  # 201 mod 101 = 100 -> 00
        ("001-001-998 42", "001-001-998 42"),  # issued before the check number existed
    ],
)
def test_a_snils_with_a_matching_check_number_passes(text: str, value: str) -> None:
    assert validate.snils(text) == validate.Checked(value)


def test_a_snils_with_a_wrong_check_number_is_flagged_as_read() -> None:
    checked = validate.snils("112-233-445 96")
    assert not checked.ok and checked.value == "112-233-445 96"
    assert "checksum" in (checked.problem or "")


def test_a_misread_snils_digit_breaks_the_checksum() -> None:
    assert not validate.snils("112-233-446 95").ok


@pytest.mark.parametrize("text", ["112-233-445 9", "112-233-445 955", "112-23З-445 95", ""])
def test_a_snils_that_is_not_eleven_digits_is_flagged(text: str) -> None:
    checked = validate.snils(text)
    assert checked.problem and "11 digits" in checked.problem and checked.value == text


def test_the_snils_check_number_rule() -> None:
    assert validate.snils_check_number("112233445") == 95


# --- OMS policy (ЕНП) ------------------------------------------------------------------------


def test_the_oms_check_digit_follows_the_ffoms_worked_example() -> None:
    # приказ ФФОМС № 79, Г.2: 845199912289999 -> a) 99829958 * 2, b) 9921914 -> sum 90 -> 0
    assert validate.oms_check_digit("845199912289999") == 0
    assert validate.oms_number("8451999122899990") == validate.Checked("8451999122899990")


@pytest.mark.parametrize(
    ("body", "digit"),
    [
        # odd positions from the right -> 0, doubled 0; even -> 0: sum 0, digit 0
        ("000000000000000", 0),
        # odd -> 1, doubled 2; even -> 0: sum 2, 10 - 2 = 8
        ("000000000000001", 8),
        # odd 2,0,0,0,0,0,0,7 -> 20000007 * 2 = 40000014 (digits 9);
        # even 1,0,0,0,0,0,7 -> 1000007 (digits 8): sum 17, 20 - 17 = 3
        ("770000000000012", 3),
    ],
)
def test_the_oms_check_digit_by_hand(body: str, digit: int) -> None:
    assert validate.oms_check_digit(body) == digit


def test_an_oms_number_with_a_misread_digit_is_flagged() -> None:
    checked = validate.oms_number("8451999122899980")
    assert not checked.ok and "check digit" in (checked.problem or "")
    assert checked.value == "8451999122899980"


@pytest.mark.parametrize("text", ["84519991228999", "84519991228999900", "8451 9991 2289 999O"])
def test_an_oms_number_that_is_not_sixteen_digits_is_flagged(text: str) -> None:
    assert not validate.oms_number(text).ok


def test_spaces_in_an_oms_number_are_dropped() -> None:
    assert validate.oms_number("8451 9991 2289 9990").value == "8451999122899990"


# --- passport -----------------------------------------------------------------------------


def test_passport_series_number_and_issuer_code_in_the_cards_form() -> None:
    assert validate.passport_series("4515").value == "45 15"
    assert validate.passport_series("45 15").value == "45 15"
    assert validate.passport_number("940229").value == "940229"
    assert validate.issuer_code("770053").value == "770-053"
    assert validate.issuer_code("770-053").value == "770-053"


@pytest.mark.parametrize(
    ("check", "text"),
    [
        (validate.passport_series, "45 1"),
        (validate.passport_series, "45 15 1"),
        (validate.passport_series, "4S 15"),
        (validate.passport_number, "94022"),
        (validate.passport_number, "9402290"),
        (validate.passport_number, "94O229"),
        (validate.passport_number, "000000"),
        (validate.issuer_code, "770-53"),
        (validate.issuer_code, "77O-053"),
    ],
)
def test_malformed_passport_numbers_are_flagged_as_read(check: object, text: str) -> None:
    checked = check(text)  # type: ignore[operator]
    assert not checked.ok and checked.value == text


# --- dates --------------------------------------------------------------------------------


def test_a_printed_date_becomes_iso() -> None:
    assert validate.date("15.08.1990", TODAY).value == "1990-08-15"
    assert validate.date("1990-08-15", TODAY).value == "1990-08-15"
    assert validate.date("5.8.1990", TODAY).value == "1990-08-05"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("31.02.1990", "not a real date"),
        ("29.02.2023", "not a real date"),
        ("24.11.2026", "in the future"),
        ("01.01.1899", "before 1900"),
        ("15/08/1990", "DD.MM.YYYY"),
        ("15.08.90", "DD.MM.YYYY"),
    ],
)
def test_a_date_that_cannot_be_is_flagged(text: str, reason: str) -> None:
    checked = validate.date(text, TODAY)
    assert checked.value == text and reason in (checked.problem or "")


def test_today_is_not_in_the_future() -> None:
    assert validate.date("23.11.2026", TODAY).ok


# --- names and sex ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("КУЗНЕЦОВ", "Кузнецов"),
        ("кузнецов", "Кузнецов"),
        ("  ДМИТРИЙ ", "Дмитрий"),
        ("САЛТЫКОВ-ЩЕДРИН", "Салтыков-Щедрин"),
        ("АЛИ ОГЛЫ", "Али оглы"),
        ("ФЁДОРОВ", "Фёдоров"),
        ("Д'АРТАНЬЯН", "Д'Артаньян"),
    ],
)
def test_names_take_the_cards_capitalisation(text: str, value: str) -> None:
    assert validate.name(text) == validate.Checked(value)


@pytest.mark.parametrize("text", ["KУЗНЕЦОВ", "КУЗНEЦОВ", "КУЗНЕЦ0В", "KUZNETSOV", "-", "  "])
def test_a_name_with_latin_look_alikes_or_digits_is_flagged_not_fixed(text: str) -> None:
    checked = validate.name(text)
    assert not checked.ok and checked.value == text


@pytest.mark.parametrize(("text", "value"), [("М", "male"), ("Ж", "female"), ("F", "female")])
def test_sex(text: str, value: str) -> None:
    assert validate.sex(text).value == value


def test_an_unknown_sex_is_flagged() -> None:
    assert validate.sex("X") == validate.Checked("X", "is neither «М» nor «Ж»")


def test_the_oms_check_digit_equals_luhns() -> None:
    """The order's number-based steps give the Luhn check digit (as the docstring says)."""

    def luhn(body: str) -> int:
        total = 0
        for i, d in enumerate(int(c) for c in reversed(body)):
            doubled = d * 2 if i % 2 == 0 else d
            total += doubled - 9 if doubled > 9 else doubled
        return (10 - total % 10) % 10

    rng = random.Random(13)
    for _ in range(500):
        body = "".join(rng.choice("0123456789") for _ in range(15))
        assert validate.oms_check_digit(body) == luhn(body), body
