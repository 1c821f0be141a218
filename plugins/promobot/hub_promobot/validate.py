"""Checks of what a scanner read, before anyone trusts it: pure functions, no hub.

Each check takes the text as printed and returns a :class:`Checked`: the value in the
card's form when it passes (``«КУЗНЕЦОВ»`` → ``«Кузнецов»``, ``15.08.1990`` →
``1990-08-15``, ``112233445 95`` → ``112-233-445 95``), or the text exactly as read
with the reason when it fails.  A failing value is never "fixed": a misread digit is
for a person to read again from the document.

    name            Cyrillic letters, hyphen, space, apostrophe; capitalised as on the card
    sex             М / Ж (Latin M / F, as on foreign passports, too) -> male / female
    date            DD.MM.YYYY (or ISO); a real date, not in the future, not before 1900
    passport_series 4 digits, «45 15»          passport_number  6 digits
    issuer_code     «770-053»
    snils           11 digits, the mod-101 check number (Пенсионный фонд's rule)
    oms_number      16 digits, the ЕНП check digit (ФФОМС's rule, ISO/HL7 27931 Mod10)
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

_SPACES = re.compile(r"\s+")
_NAME = re.compile(r"^[А-ЯЁа-яё]+(?:[ '\-][А-ЯЁа-яё]+)*$")
#: Parts of a name written in lower case on the card («Али оглы», «Лейла кызы»).
_LOWER_PARTS = frozenset({"оглы", "кызы", "улы", "уулу"})
_DMY = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_EARLIEST = dt.date(1900, 1, 1)
#: SNILS numbers up to this one were issued before the check number existed.
_SNILS_UNCHECKED_UP_TO = 1_001_998


@dataclass(frozen=True)
class Checked:
    """A checked field: the value in the card's form, or as read with the ``problem``."""

    value: Any
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def _bad(text: str, problem: str) -> Checked:
    return Checked(text, problem)


def clean(text: str) -> str:
    """Whitespace collapsed, ends trimmed (what every field gets)."""
    return _SPACES.sub(" ", text).strip()


# --- names and sex --------------------------------------------------------------------------


def name(text: str) -> Checked:
    """A surname, given name or patronymic, capitalised as the card writes it."""
    value = clean(text)
    if not value:
        return _bad(text, "is empty")
    if not _NAME.match(value):
        return _bad(
            text,
            "has characters other than Cyrillic letters, hyphens and spaces "
            "(a Latin look-alike or a digit from the scan?)",
        )
    return Checked(re.sub(r"[А-ЯЁа-яё]+", _capitalised, value))


def _capitalised(match: re.Match[str]) -> str:
    word = match.group(0).lower()
    return word if word in _LOWER_PARTS else word[:1].upper() + word[1:]


def sex(text: str) -> Checked:
    """``М`` / ``Ж`` (and the Latin ``M`` / ``F`` of foreign passports)."""
    value = clean(text).upper().rstrip(".")
    if value in ("М", "M", "МУЖ"):
        return Checked("male")
    if value in ("Ж", "F", "ЖЕН"):
        return Checked("female")
    return _bad(text, "is neither «М» nor «Ж»")


# --- dates --------------------------------------------------------------------------------


def date(text: str, today: dt.date) -> Checked:
    """A date as printed (``DD.MM.YYYY``, or ISO) that exists and is not in the future."""
    value = clean(text)
    found = _DMY.match(value)
    if found:
        day, month, year = (int(p) for p in found.groups())
    elif found := _ISO.match(value):
        year, month, day = (int(p) for p in found.groups())
    else:
        return _bad(text, "is not a date in the form DD.MM.YYYY")
    try:
        parsed = dt.date(year, month, day)
    except ValueError:
        return _bad(text, "is not a real date")
    if parsed > today:
        return _bad(text, "is in the future")
    if parsed < _EARLIEST:
        return _bad(text, "is before 1900")
    return Checked(parsed.isoformat())


# --- passport -------------------------------------------------------------------------------


def _digits(text: str) -> str | None:
    """The digits of ``text`` if it holds only digits, spaces and hyphens."""
    value = clean(text)
    if not re.fullmatch(r"[\d \-]*", value):
        return None
    return re.sub(r"\D", "", value)


def passport_series(text: str) -> Checked:
    digits = _digits(text)
    if digits is None or len(digits) != 4:
        return _bad(text, "is not 4 digits (a passport series is written «45 15»)")
    return Checked(f"{digits[:2]} {digits[2:]}")


def passport_number(text: str) -> Checked:
    digits = _digits(text)
    if digits is None or len(digits) != 6:
        return _bad(text, "is not 6 digits")
    if digits == "000000":
        return _bad(text, "is all zeros")
    return Checked(digits)


def issuer_code(text: str) -> Checked:
    """«Код подразделения»: six digits written ``770-053``."""
    digits = _digits(text)
    if digits is None or len(digits) != 6:
        return _bad(text, "is not a code of the form 770-053")
    return Checked(f"{digits[:3]}-{digits[3:]}")


# --- SNILS ----------------------------------------------------------------------------------


def snils_check_number(first_nine: str) -> int:
    """The SNILS check number of its first nine digits.

    Each digit times its position counted from the right (9 ... 1), summed; a sum
    below 100 is the check number, 100 and 101 give 00, a larger sum is taken modulo
    101 (a remainder of 100 giving 00 as well).
    """
    total = sum(int(d) * w for d, w in zip(first_nine, range(9, 0, -1), strict=True))
    if total > 101:
        total %= 101
    return 0 if total in (100, 101) else total


def snils(text: str) -> Checked:
    digits = _digits(text)
    if digits is None or len(digits) != 11:
        return _bad(text, "is not 11 digits (a SNILS is written «112-233-445 95»)")
    body, check = digits[:9], int(digits[9:])
    if int(body) > _SNILS_UNCHECKED_UP_TO and snils_check_number(body) != check:
        return _bad(
            text,
            f"fails the SNILS checksum: the check number {digits[9:]} does not match the "
            "first nine digits (a digit was misread?)",
        )
    return Checked(f"{digits[:3]}-{digits[3:6]}-{digits[6:9]} {digits[9:]}")


# --- OMS policy -----------------------------------------------------------------------------


def oms_check_digit(first_fifteen: str) -> int:
    """The check digit (16th) of the single OMS policy number (ЕНП).

    ФФОМС's rule (приказ ФФОМС от 07.04.2011 № 79, приложение Г.2; ISO/HL7 27931:2009
    Mod10), step by step:
    a) the digits in odd positions, counted from the right, written as a number,
       multiplied by 2;
    b) the digits in even positions, counted from the right, written as a number and
       put to the left of the number from a);
    c) the digits of that number summed;
    d) the check digit is what brings the sum up to the next multiple of 10.
    (Equal to the Luhn check digit.)
    """
    from_right = first_fifteen[::-1]
    odd = int(from_right[0::2]) * 2
    even = from_right[1::2]
    total = sum(int(d) for d in f"{even}{odd}")
    return (10 - total % 10) % 10


def oms_number(text: str) -> Checked:
    digits = _digits(text)
    if digits is None or not digits:
        return _bad(text, "is not a number")
    if len(digits) != 16:
        return _bad(text, f"has {len(digits)} digits; the single OMS policy number has 16")
    if oms_check_digit(digits[:15]) != int(digits[15]):
        return _bad(
            text,
            "fails the OMS policy number's check digit (the 16th digit does not match the "
            "first fifteen: a digit was misread?)",
        )
    return Checked(digits)


def text_field(text: str) -> Checked:
    """Free text as printed (place of birth, issuing authority, address)."""
    value = clean(text)
    return Checked(value) if value else _bad(text, "is empty")
