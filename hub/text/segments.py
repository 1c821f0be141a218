"""How long an SMS is: its encoding, its length in encoding units, and how many parts it takes.

    >>> count_sms("Напоминаем о приёме")
    SmsLength(encoding='UCS-2', characters=19, parts=1)

The rules (3GPP TS 23.038 and 23.040):

    text uses only the GSM 03.38 basic set and its extension table
        → GSM-7: 160 septets in a single SMS, 153 a part once it is split (the user
          data header takes 7); an extension character ({ } [ ] ~ \\ | ^ € and form feed)
          is an escape plus the character, so it counts as two septets and the pair is
          never split across parts
    anything else (Cyrillic, emoji, «ёлочки», …)
        → UCS-2: 70 UTF-16 code units in a single SMS, 67 a part; a character outside
          the Basic Multilingual Plane (an emoji) is a surrogate pair, counts as two
          and is never split across parts

``characters`` is the length in those units (septets or UTF-16 code units): the number
the limits apply to and the one an SMS counter shows. Parts are counted by filling each
part greedily without splitting an escape pair or a surrogate pair, as handsets and
gateways do, so a text just over a boundary can need one part more than a plain division
suggests. The empty text has no parts.

Pure and table-driven: the two GSM tables are the standard's, written out below.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

__all__ = ["SmsLength", "count_sms"]

Encoding = Literal["GSM-7", "UCS-2"]

#: GSM 03.38 default alphabet (the escape 0x1B itself excluded): one septet each.
GSM7_BASIC: Final = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
#: GSM 03.38 extension table: escape + character, two septets each.
GSM7_EXTENSION: Final = frozenset("\f^{}\\[~]|€")

#: (single-message capacity, per-part capacity when concatenated), in encoding units.
LIMITS: Final[dict[Encoding, tuple[int, int]]] = {
    "GSM-7": (160, 153),
    "UCS-2": (70, 67),
}


@dataclass(frozen=True, slots=True)
class SmsLength:
    """The encoding a text needs, its length in that encoding's units, and its parts."""

    encoding: Encoding
    characters: int
    parts: int


def _units(text: str) -> tuple[Encoding, list[int]]:
    """The encoding and the width of each character in its units."""
    if all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text):
        return "GSM-7", [2 if ch in GSM7_EXTENSION else 1 for ch in text]
    return "UCS-2", [2 if ord(ch) > 0xFFFF else 1 for ch in text]


def _parts(widths: list[int], single: int, per_part: int) -> int:
    """Parts needed: one if it all fits, else greedy filling that keeps pairs whole."""
    total = sum(widths)
    if total == 0:
        return 0
    if total <= single:
        return 1
    parts, used = 1, 0
    for width in widths:
        if used + width > per_part:
            parts, used = parts + 1, 0
        used += width
    return parts


def count_sms(text: str) -> SmsLength:
    """Measure ``text`` as an SMS: encoding, length in septets / UTF-16 units, parts."""
    encoding, widths = _units(text)
    single, per_part = LIMITS[encoding]
    return SmsLength(
        encoding=encoding,
        characters=sum(widths),
        parts=_parts(widths, single, per_part),
    )
