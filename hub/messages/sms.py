"""How many SMS parts a text takes (GSM-7: 160 / 153 per part, UCS-2: 70 / 67)."""

from __future__ import annotations


def parts(text: str) -> int:
    from hub.text.segments import count_sms

    return int(count_sms(text).parts)
