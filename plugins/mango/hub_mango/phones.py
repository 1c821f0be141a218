"""Phone numbers as Mango writes them (digits with the country code) and back.

Mango sends ``79181234567``; clinics type «8 (918) 123-45-67».  Both are read as
Russian numbers by default (Mango Office is a Russian service).
"""

from __future__ import annotations

import phonenumbers


def e164(number: str | None, region: str = "RU") -> str | None:
    """``+79181234567`` for any spelling of a valid number; ``None`` otherwise
    (an extension, a SIP address, an empty value)."""
    if not number or "@" in number or number.startswith("sip:"):
        return None
    raw = number.strip()
    digits = "".join(c for c in raw if c.isdigit())
    if len(digits) < 5:
        return None
    if not raw.startswith("+") and len(digits) == 11 and digits[0] == "7":
        raw = "+" + digits  # Mango's spelling
    try:
        parsed = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
