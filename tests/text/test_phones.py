"""hub.text.phones: the 34-row table of declension.md §(c), best_mobile, regions, phone-likeness."""

from __future__ import annotations

import dataclasses

import pytest

from hub.text.phones import best_mobile, check_phone, is_phone_like

M = "+79181234567"

# declension.md §(c), column «a careful wrapper»: (#, input, kind, e164, extension).
# Row 13 is "missing" here where the doc says "invalid": the doc's wrapper had no
# "missing" kind; the hub reports a blank value as no_phone, not as a bad number.
TABLE: list[tuple[int, str, str, str | None, str | None]] = [
    (1, "8 (918) 123-45-67", "mobile", M, None),
    (2, "+7 918 1234567", "mobile", M, None),
    (3, "9181234567", "mobile", M, None),
    (4, "79181234567", "mobile", M, None),
    (5, "89181234567", "mobile", M, None),
    (6, "+79181234567", "mobile", M, None),
    (7, "7 (918) 123-45-67", "mobile", M, None),
    (8, "  +7-918-123-45-67  ", "mobile", M, None),
    (9, "тел.: 8(918)123-45-67", "mobile", M, None),
    (10, "8 918 123 45 67 (Мария)", "mobile", M, None),
    (11, "12345", "invalid", None, None),
    (12, "112", "invalid", None, None),
    (13, "", "missing", None, None),
    (14, "8918123456", "invalid", None, None),
    (15, "+7 918 123 45 6", "invalid", None, None),
    (16, "+7 (918) 123-45-678", "invalid", None, None),
    (17, "+8 918 123-45-67", "mobile", M, None),
    (18, "+7 (495) 123-45-67", "landline", "+74951234567", None),
    (19, "8 (812) 123-45-67", "landline", "+78121234567", None),
    (20, "8 (3452) 12-34-56", "landline", "+73452123456", None),
    (21, "8-800-555-35-35", "toll_free", "+78005553535", None),
    (22, "8 800 200-0-600", "toll_free", "+78002000600", None),
    (23, "8 (918) 123-45-67 доб. 123", "mobile", M, "123"),
    (24, "+7 (495) 123-45-67 доб. 4567", "landline", "+74951234567", "4567"),
    (25, "8 (495) 123-45-67, добавочный 12", "landline", "+74951234567", "12"),
    (26, "+7 918 123-45-67 ext. 89", "mobile", M, "89"),
    (27, "+7 (495) 123-45-67 #123", "landline", "+74951234567", "123"),
    (28, "+7 999 123 45 67", "mobile", "+79991234567", None),
    (29, "8 (958) 123-45-67", "mobile", "+79581234567", None),
    (30, "+7 (978) 123-45-67", "mobile", "+79781234567", None),
    (31, "+7 701 123 45 67", "foreign_mobile", "+77011234567", None),
    (32, "+7 727 123 45 67", "invalid", None, None),
    (33, "+380 50 123 4567", "foreign_mobile", "+380501234567", None),
    (34, "+375 29 123-45-67", "foreign_mobile", "+375291234567", None),
]

PROBLEM = {
    "mobile": None,
    "foreign_mobile": None,
    "landline": "not_mobile",
    "toll_free": "not_mobile",
    "invalid": "invalid_phone",
    "missing": "no_phone",
}


def test_table_is_complete() -> None:
    assert [row[0] for row in TABLE] == list(range(1, 35))


@pytest.mark.parametrize(
    ("raw", "kind", "e164", "extension"),
    [pytest.param(*row[1:], id=f"{row[0]:02d}-{row[1].strip() or 'empty'}") for row in TABLE],
)
def test_declension_md_table(raw: str, kind: str, e164: str | None, extension: str | None) -> None:
    check = check_phone(raw)
    assert (check.kind, check.e164, check.extension) == (kind, e164, extension)
    assert check.problem == PROBLEM[kind]
    assert check.raw == raw
    assert check.usable is (PROBLEM[kind] is None)
    if e164 is None:
        assert check.region is None


@pytest.mark.parametrize(
    ("raw", "region"),
    [
        ("8 (918) 123-45-67", "RU"),
        ("+7 (495) 123-45-67", "RU"),
        ("+7 701 123 45 67", "KZ"),
        ("+380 50 123 4567", "UA"),
        ("+375 29 123-45-67", "BY"),
    ],
)
def test_region_is_the_numbers_country(raw: str, region: str) -> None:
    assert check_phone(raw).region == region


@pytest.mark.parametrize(
    ("raw", "kind", "e164", "extension"),
    [
        ("8 (495) 123-45-67 доп. 12", "landline", "+74951234567", "12"),
        ("8 (495) 123-45-67 вн. 12", "landline", "+74951234567", "12"),
        ("8 495 123-45-67 x89", "landline", "+74951234567", "89"),
        ("89181234567 Мария", "mobile", M, None),
        ("8-918-123-45-67 (мама)", "mobile", M, None),
        ("+8 918 123-45-67 (Мария)", "mobile", M, None),
        ("+89181234567", "mobile", M, None),
        ("+8(918)1234567", "mobile", M, None),
        # several numbers in one field: the mobile wins, wherever it stands
        ("8 495 123-45-67, 8 918 123-45-67", "mobile", M, None),
        # «+81» is Japan, not the +8 typo: left alone
        ("+81 3-1234-5678", "landline", "+81312345678", None),
        ("8 701 123 45 67", "foreign_mobile", "+77011234567", None),
        ("8 918 123 45 6 (Мария)", "invalid", None, None),
        ("   ", "missing", None, None),
        ("abc", "invalid", None, None),
    ],
)
def test_more_spellings(raw: str, kind: str, e164: str | None, extension: str | None) -> None:
    check = check_phone(raw)
    assert (check.kind, check.e164, check.extension) == (kind, e164, extension)


def test_none_is_missing() -> None:
    check = check_phone(None)
    assert (check.raw, check.kind, check.problem) == (None, "missing", "no_phone")


# --- a clinic in Kazakhstan (and others): the home country changes what is foreign ------

REGIONAL: list[tuple[str, str, str, str | None, str | None]] = [
    # region, raw, kind, e164, number's region
    ("KZ", "+7 701 123 45 67", "mobile", "+77011234567", "KZ"),
    ("KZ", "8 701 123 45 67", "mobile", "+77011234567", "KZ"),
    ("KZ", "+8 701 123 45 67", "mobile", "+77011234567", "KZ"),
    ("KZ", "8 (918) 123-45-67", "foreign_mobile", M, "RU"),
    ("KZ", "+7 (495) 123-45-67", "landline", "+74951234567", "RU"),
    ("KZ", "+7 727 123 45 67", "invalid", None, None),
    ("kz", "7011234567", "mobile", "+77011234567", "KZ"),
    ("BY", "8 029 123-45-67", "mobile", "+375291234567", "BY"),
    ("BY", "+7 918 123-45-67", "foreign_mobile", M, "RU"),
    ("UA", "050 123 4567", "mobile", "+380501234567", "UA"),
    ("UA", "8 (918) 123-45-67", "invalid", None, None),
    ("RU", "+380 44 123 4567", "landline", "+380441234567", "UA"),
]


@pytest.mark.parametrize(("region", "raw", "kind", "e164", "number_region"), REGIONAL)
def test_region_of_the_clinic(
    region: str, raw: str, kind: str, e164: str | None, number_region: str | None
) -> None:
    check = check_phone(raw, region)
    assert (check.kind, check.e164, check.region) == (kind, e164, number_region)


def test_unknown_region_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="XX"):
        check_phone("8 918 123-45-67", "XX")


# --- detail sentences -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "fragments"),
    [
        (
            "+7 (495) 123-45-67",
            ["Номер +7 495 123-45-67 городской: SMS на него не доставить", "landline"],
        ),
        ("8-800-555-35-35", ["+7 800 555-35-35", "8-800", "toll-free"]),
        ("+7 701 123 45 67", ["Казахстан", "зарубежный", "(KZ)", "international"]),
        ("8 (918) 123-45-67", ["+7 918 123-45-67", "мобильный", "can be sent"]),
        ("+7 (495) 123-45-67 доб. 4567", ["+7 495 123-45-67 городской"]),
        ("12345", ["«12345»", "не похож на телефон", "not a valid phone number"]),
        ("", ["не указан", "No phone number"]),
    ],
)
def test_detail_names_the_number_in_both_languages(raw: str, fragments: list[str]) -> None:
    detail = check_phone(raw).detail
    for fragment in fragments:
        assert fragment in detail
    assert " / " in detail
    assert "ext." not in detail


def test_phone_check_is_frozen() -> None:
    check = check_phone("8 918 123-45-67")
    with pytest.raises(dataclasses.FrozenInstanceError):
        check.e164 = "+70000000000"  # type: ignore[misc]


# --- best_mobile --------------------------------------------------------------------------

BEST: list[tuple[str, list[str | None], str, str | None, str | None]] = [
    # id, phones, kind, problem, e164
    ("empty-list", [], "missing", "no_phone", None),
    ("blanks-only", ["", "  ", None], "missing", "no_phone", None),
    ("single-mobile", ["8 918 123-45-67"], "mobile", None, M),
    ("mobile-after-landline", ["+7 495 123-45-67", "8 918 123-45-67"], "mobile", None, M),
    ("mobile-after-junk", ["12345", "", "8 918 123-45-67"], "mobile", None, M),
    (
        "first-of-two-mobiles",
        ["+7 999 123 45 67", "8 918 123-45-67"],
        "mobile",
        None,
        "+79991234567",
    ),
    ("home-before-foreign", ["+7 701 123 45 67", "8 918 123-45-67"], "mobile", None, M),
    (
        "foreign-if-only",
        ["+7 495 123-45-67", "+375 29 123-45-67"],
        "foreign_mobile",
        None,
        "+375291234567",
    ),
    (
        "landline-beats-invalid",
        ["12345", "+7 495 123-45-67"],
        "landline",
        "not_mobile",
        "+74951234567",
    ),
    (
        "first-not-mobile",
        ["8-800-555-35-35", "+7 495 123-45-67"],
        "toll_free",
        "not_mobile",
        "+78005553535",
    ),
    ("all-invalid", ["12345", "112"], "invalid", "invalid_phone", None),
    ("invalid-and-blank", ["", "8918123456"], "invalid", "invalid_phone", None),
]


@pytest.mark.parametrize(
    ("phones", "kind", "problem", "e164"), [pytest.param(*row[1:], id=row[0]) for row in BEST]
)
def test_best_mobile(
    phones: list[str | None], kind: str, problem: str | None, e164: str | None
) -> None:
    check = best_mobile(phones)
    assert (check.kind, check.problem, check.e164) == (kind, problem, e164)


def test_best_mobile_all_invalid_reports_the_first() -> None:
    assert best_mobile(["12345", "112"]).raw == "12345"


def test_best_mobile_uses_the_clinic_region() -> None:
    assert best_mobile(["8 (918) 123-45-67", "8 701 123 45 67"], "KZ").e164 == "+77011234567"


# --- is_phone_like ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("8 (918) 123-45-67", True),
        ("12345", True),
        ("112", True),
        ("+7 (918) 123-45-678", True),
        ("тел.: 8(918)123-45-67", True),
        ("8 918 123 45 67 (Мария Ивановна, мама)", True),  # letters outnumber digits, number inside
        ("+7 (495) 123-45-67 доб. 4567", True),
        ("8-9-1-8", True),
        (None, False),
        ("", False),
        ("   ", False),
        ("нет", False),
        ("отказ от телефона", False),
        ("-", False),
        ("Иванова Мария 2", False),
        ("ivan2000@mail.ru", False),
    ],
)
def test_is_phone_like(raw: str | None, expected: bool) -> None:
    assert is_phone_like(raw) is expected
