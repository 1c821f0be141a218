"""hub.text.segments: encoding choice, unit counting and the part boundaries."""

from __future__ import annotations

import pytest

from hub.text.segments import GSM7_BASIC, GSM7_EXTENSION, SmsLength, count_sms

EMOJI = "\U0001f600"  # 😀, outside the BMP: a surrogate pair in UTF-16

CASES: list[tuple[str, str, str, int, int]] = [
    # id, text, encoding, characters, parts
    ("empty", "", "GSM-7", 0, 0),
    ("one-latin", "a", "GSM-7", 1, 1),
    ("gsm-160", "a" * 160, "GSM-7", 160, 1),
    ("gsm-161", "a" * 161, "GSM-7", 161, 2),
    ("gsm-306", "a" * 306, "GSM-7", 306, 2),
    ("gsm-307", "a" * 307, "GSM-7", 307, 3),
    ("gsm-459", "a" * 459, "GSM-7", 459, 3),
    ("gsm-460", "a" * 460, "GSM-7", 460, 4),
    ("gsm-basic-specials", "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ¤¡ÄÖÑÜ§¿äöñüà", "GSM-7", 44, 1),
    ("ext-brace-counts-2", "{", "GSM-7", 2, 1),
    ("ext-all", "{}[]~\\|^€\f", "GSM-7", 20, 1),
    ("ext-fills-160", "a" * 158 + "€", "GSM-7", 160, 1),
    ("ext-tips-to-2", "a" * 159 + "€", "GSM-7", 161, 2),
    # 152 septets then an escape pair: the pair may not straddle parts 1 and 2
    ("ext-pair-kept-whole", "a" * 152 + "[" + "a" * 10, "GSM-7", 164, 2),
    ("ext-pair-pushes-part", "a" * 152 + "[" + "a" * 152, "GSM-7", 306, 3),
    ("ucs-cyrillic-1", "я", "UCS-2", 1, 1),
    ("ucs-70", "я" * 70, "UCS-2", 70, 1),
    ("ucs-71", "я" * 71, "UCS-2", 71, 2),
    ("ucs-134", "я" * 134, "UCS-2", 134, 2),
    ("ucs-135", "я" * 135, "UCS-2", 135, 3),
    ("ucs-201", "я" * 201, "UCS-2", 201, 3),
    ("ucs-202", "я" * 202, "UCS-2", 202, 4),
    ("one-cyrillic-forces-ucs", "a" * 100 + "ж", "UCS-2", 101, 2),
    ("yo-is-not-gsm", "ёлка", "UCS-2", 4, 1),
    ("guillemets-not-gsm", "«a»", "UCS-2", 3, 1),
    ("emoji-counts-2", EMOJI, "UCS-2", 2, 1),
    ("emoji-fills-70", "я" * 68 + EMOJI, "UCS-2", 70, 1),
    ("emoji-tips-to-2", "я" * 69 + EMOJI, "UCS-2", 71, 2),
    # 66 units then a surrogate pair: it may not straddle parts 1 and 2
    ("surrogate-kept-whole", "я" * 66 + EMOJI + "я" * 3, "UCS-2", 71, 2),
    ("surrogate-pushes-part", "я" * 66 + EMOJI + "я" * 66, "UCS-2", 134, 3),
    ("extension-char-in-ucs-counts-1", "я€", "UCS-2", 2, 1),
    (
        "reminder-ru",
        "Напоминаем: 23.11 в 10:30 приём у врача-терапевта Петровой А. С., каб. 214.",
        "UCS-2",
        75,
        2,
    ),
]


@pytest.mark.parametrize(
    ("text", "encoding", "characters", "parts"),
    [pytest.param(*row[1:], id=row[0]) for row in CASES],
)
def test_count_sms(text: str, encoding: str, characters: int, parts: int) -> None:
    assert count_sms(text) == SmsLength(encoding, characters, parts)  # type: ignore[arg-type]


def test_tables_are_the_standard_sizes() -> None:
    """GSM 03.38: 128 code points less the escape; 10 extension characters."""
    assert len(GSM7_BASIC) == 127
    assert len(GSM7_EXTENSION) == 10
    assert not GSM7_BASIC & GSM7_EXTENSION
    assert "\x1b" not in GSM7_BASIC


def test_every_basic_char_is_one_septet_and_every_extension_char_two() -> None:
    for ch in GSM7_BASIC:
        assert count_sms(ch) == SmsLength("GSM-7", 1, 1), repr(ch)
    for ch in GSM7_EXTENSION:
        assert count_sms(ch) == SmsLength("GSM-7", 2, 1), repr(ch)
