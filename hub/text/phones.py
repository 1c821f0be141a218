"""Phone numbers as clinics type them → E.164, and whether an SMS can reach them.

    >>> check_phone("8 (918) 123-45-67").e164
    '+79181234567'
    >>> check_phone("+7 (495) 123-45-67 доб. 12").problem
    'not_mobile'

A careful wrapper around ``phonenumbers`` (Google's libphonenumber metadata); see
``declension.md`` §(c) in the design notes for the table it is pinned against:

* ``parse()`` accepts junk («12345» → +712345), so every result is checked with
  ``is_valid_number()`` before it is used;
* +7 is shared by Russia and Kazakhstan: the country comes from
  ``region_code_for_number()``, and a number of another country than the clinic's is
  ``foreign_*``;
* extensions: «доб.», «ext.», «x», «#» are understood by the library; «добавочный N»,
  «доп. N», «вн. N» are rewritten to «доб. N» first;
* trailing text («8 918 123 45 67 (Мария)») makes ``parse()`` give up: we fall back to
  ``PhoneNumberMatcher``, which finds valid numbers inside free text (if it finds several,
  a mobile of the clinic's country wins);
* the typo «+8 918 …» (a plus before the trunk prefix 8) is read as «8 918 …» when the
  clinic's country dials 8 as its trunk prefix and no country code starts the digits;
* the kind comes from ``number_type()`` (MOBILE / FIXED_LINE / TOLL_FREE …), decided by
  number ranges; ``phonenumbers.carrier`` is never used (numbers are ported).

Kinds and the problem each one means for SMS::

    missing ─────────────── no_phone        (nothing typed)
    invalid ─────────────── invalid_phone   (not a number of any country)
    landline, toll_free, other ─ not_mobile (valid, but an SMS cannot reach it)
    mobile, foreign_mobile ─ None           (usable; foreign means an international SMS)
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final, Literal

import phonenumbers
from phonenumbers import PhoneNumber, PhoneNumberFormat, PhoneNumberType

__all__ = [
    "CardPhones",
    "PhoneCheck",
    "PhoneKind",
    "PhoneProblem",
    "best_mobile",
    "check_phone",
    "is_phone_like",
]

PhoneKind = Literal[
    "mobile", "landline", "toll_free", "foreign_mobile", "other", "invalid", "missing"
]
PhoneProblem = Literal["no_phone", "invalid_phone", "not_mobile"]

_PROBLEM: Final[dict[PhoneKind, PhoneProblem | None]] = {
    "mobile": None,
    "foreign_mobile": None,
    "landline": "not_mobile",
    "toll_free": "not_mobile",
    "other": "not_mobile",
    "invalid": "invalid_phone",
    "missing": "no_phone",
}

# Russian extension words the library does not know (it knows «доб.», «ext.», «x», «#»).
_EXTENSION_WORDS: Final = re.compile(
    r"[\s,;]*\b(?:добавочный|добавочного|доб|доп|внутренний|внутр|вн)\b\.?\s*[:№]?\s*(?=\d)",
    re.IGNORECASE,
)
_LEADING_PLUS: Final = re.compile(r"^\s*\+")


@dataclass(frozen=True, slots=True)
class PhoneCheck:
    """The verdict on one phone value.

    ``e164`` and ``region`` are set only for a valid number; ``extension`` is kept apart
    from ``e164`` (an SMS goes to the number, the extension is for people dialling).
    ``detail`` is one sentence in Russian, then in English, fit for the patient card
    warning and the admin's log.
    """

    raw: str | None
    e164: str | None
    kind: PhoneKind
    region: str | None
    extension: str | None
    problem: PhoneProblem | None
    detail: str

    @property
    def usable(self) -> bool:
        """True when an SMS can be sent to ``e164`` (a mobile, home or foreign)."""
        return self.problem is None


#: Verdicts kept per process: about 600 bytes each, so at most ≈10 MB — bounded,
#: whatever the number of cards a reminder run reads (bench/results/planning.md).
CHECK_CACHE = 16_384


@functools.lru_cache(maxsize=CHECK_CACHE)
def check_phone(raw: str | None, region: str = "RU") -> PhoneCheck:
    """Check one phone value typed in the clinic whose country is ``region``.

    Cached per process (the verdict depends on the value and the region only, and
    daily reminders meet the same cards day after day).

    :raises ValueError: if ``region`` is not a region code phonenumbers knows.
    """
    home = _region(region)
    if raw is None or not raw.strip():
        return _missing(raw)
    number = _parse(raw, home)
    if number is None:
        return _invalid(raw)
    return _classify(raw, number, home)


def best_mobile(phones: Sequence[str | None], region: str = "RU") -> PhoneCheck:
    """The phone to send SMS to, out of a card's phones, in the card's order.

    A mobile of the clinic's country wins, then a foreign mobile. When none is usable
    the most informative failure is returned: ``no_phone`` if every value is blank,
    else the first valid non-mobile number (``not_mobile``), else the first invalid one.
    """
    home = _region(region)
    checks = [check_phone(p, home) for p in phones if p is not None and p.strip()]
    if not checks:
        return _missing(None)
    for wanted in ("mobile", "foreign_mobile"):
        for check in checks:
            if check.kind == wanted:
                return check
    return next((c for c in checks if c.problem == "not_mobile"), checks[0])


@dataclass(frozen=True, slots=True)
class CardPhones:
    """The verdict on a card's phones for messages, stored with the card at intake.

    What :func:`hub.messages.recipients.for_card` needs of libphonenumber, decided once
    when the card is written instead of at every reminder run: the E.164 of the
    :func:`best_mobile` when it is usable, else its ``problem`` and ``detail`` and the
    first phone that is a number at all (a voice call may ring a landline).  It names
    the ``phones`` and ``region`` it was decided for, so a verdict that no longer fits
    the card (phones written by other code, the clinic's region changed) is not used.
    """

    region: str
    phones: tuple[str, ...]
    mobile: str | None
    problem: PhoneProblem | None = None
    detail: str = ""
    any_number: str | None = None

    @classmethod
    def of(cls, phones: Sequence[str | None], region: str = "RU") -> CardPhones:
        """Decide (libphonenumber, cached per value)."""
        best = best_mobile(phones, region)
        kept = tuple(p for p in phones if p is not None)
        if best.usable and best.e164:
            return cls(region, kept, best.e164)
        first = next(
            (c.e164 for c in (check_phone(p, region) for p in kept) if c.e164 is not None), None
        )
        return cls(region, kept, None, best.problem or "no_phone", best.detail, first)

    def fits(self, phones: Sequence[str | None], region: str) -> bool:
        """Whether this verdict was decided for these phones in this region."""
        return self.region == region and self.phones == tuple(p for p in phones if p is not None)

    def to_json(self) -> dict[str, object]:
        """The stored form (``patient.phone_verdict``)."""
        if self.mobile is not None:
            return {"region": self.region, "phones": list(self.phones), "mobile": self.mobile}
        return {
            "region": self.region,
            "phones": list(self.phones),
            "problem": self.problem,
            "detail": self.detail,
            "any_number": self.any_number,
        }

    @classmethod
    def from_json(cls, data: object) -> CardPhones | None:
        """The verdict stored as :meth:`to_json` wrote it; ``None`` for anything else."""
        if not isinstance(data, dict):
            return None
        try:
            region, phones = data["region"], tuple(data["phones"])
            if "mobile" in data:
                return cls(region, phones, str(data["mobile"]))
            problem = data["problem"]
            if problem not in ("no_phone", "invalid_phone", "not_mobile"):
                return None
            return cls(region, phones, None, problem, str(data["detail"]), data["any_number"])
        except (KeyError, TypeError):
            return None


def is_phone_like(raw: str | None, region: str = "RU") -> bool:
    """False only when ``raw`` is not an attempt at a phone number at all.

    Blank values, values without a digit, and text where letters outnumber digits and
    no number can be found inside («Иванова Мария 2», «ivan2000@mail.ru») are not phone
    attempts. Anything else is — even «12345» — and is stored and reported, not rejected.
    """
    if raw is None:
        return False
    digits = sum(ch.isdigit() for ch in raw)
    if digits == 0:
        return False
    letters = sum(ch.isalpha() for ch in raw)
    if digits >= letters:
        return True
    return _first_match(_normalise(raw), _region(region)) is not None


# --- parsing -------------------------------------------------------------------------


def _region(region: str) -> str:
    code = region.strip().upper()
    if code not in phonenumbers.SUPPORTED_REGIONS:
        raise ValueError(f"unknown phone region {region!r}: expected a code like 'RU' or 'KZ'")
    return code


def _normalise(raw: str) -> str:
    """Strip, and spell the extension words the library misses as «доб.»."""
    return _EXTENSION_WORDS.sub(" доб. ", raw.strip())


def _parse(raw: str, home: str) -> PhoneNumber | None:
    """The valid number ``raw`` spells, or None."""
    text = _normalise(raw)
    number = _parse_one(text, home)
    if number is None and _plus_trunk_typo(text, home):
        number = _parse_one(_LEADING_PLUS.sub("", text, count=1), home)
    return number


def _parse_one(text: str, home: str) -> PhoneNumber | None:
    """``parse()`` checked for validity, with the free-text matcher when it gives up."""
    try:
        number = phonenumbers.parse(text, home)
    except phonenumbers.NumberParseException:
        return _first_match(text, home)
    return number if phonenumbers.is_valid_number(number) else None


def _plus_trunk_typo(text: str, home: str) -> bool:
    """«+8 918 …»: a plus typed before the trunk prefix 8 of the clinic's country.

    Only tried when the text as typed is no valid number, and only when a separator
    follows the 8 or no country code starts the digits («+81 3 …» is Japan: untouched).
    """
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(home)
    trunk = metadata.national_prefix if metadata is not None else None
    if not trunk or not re.match(rf"^\s*\+\s*{trunk}", text):
        return False
    after = re.sub(rf"^\s*\+\s*{trunk}", "", text)
    if after[:1] in (" ", "-", "(", "\u00a0"):
        return True
    digits = trunk + re.sub(r"\D", "", after)
    country_codes = phonenumbers.COUNTRY_CODE_TO_REGION_CODE
    return not any(int(digits[:n]) in country_codes for n in (1, 2, 3))


def _first_match(text: str, home: str) -> PhoneNumber | None:
    """The valid number found in free text; a home-country mobile wins over the others."""
    found: Iterable[PhoneNumber] = (m.number for m in phonenumbers.PhoneNumberMatcher(text, home))
    numbers = list(found)
    for number in numbers:
        if _type_kind(number) == "mobile" and phonenumbers.region_code_for_number(number) == home:
            return number
    return numbers[0] if numbers else None


# --- verdicts ------------------------------------------------------------------------


def _type_kind(number: PhoneNumber) -> PhoneKind:
    """The kind by number range, before the home-country check."""
    kind = phonenumbers.number_type(number)
    if kind in (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE):
        # FIXED_LINE_OR_MOBILE does not occur in Russia; elsewhere (US, CN…) SMS reach it.
        return "mobile"
    if kind == PhoneNumberType.FIXED_LINE:
        return "landline"
    if kind == PhoneNumberType.TOLL_FREE:
        return "toll_free"
    return "other"


def _classify(raw: str, number: PhoneNumber, home: str) -> PhoneCheck:
    country = phonenumbers.region_code_for_number(number)
    kind = _type_kind(number)
    if kind == "mobile" and country != home:
        kind = "foreign_mobile"
    return PhoneCheck(
        raw=raw,
        e164=phonenumbers.format_number(number, PhoneNumberFormat.E164),
        kind=kind,
        region=country,
        extension=number.extension or None,
        problem=_PROBLEM[kind],
        detail=_detail(kind, number, country, home),
    )


def _missing(raw: str | None) -> PhoneCheck:
    return PhoneCheck(
        raw=raw,
        e164=None,
        kind="missing",
        region=None,
        extension=None,
        problem="no_phone",
        detail="Номер телефона не указан: SMS отправить некуда. / "
        "No phone number given: there is nowhere to send an SMS.",
    )


def _invalid(raw: str) -> PhoneCheck:
    shown = " ".join(raw.split())
    return PhoneCheck(
        raw=raw,
        e164=None,
        kind="invalid",
        region=None,
        extension=None,
        problem="invalid_phone",
        detail=f"Номер «{shown}» не похож на телефон: проверьте количество цифр и код. / "
        f'"{shown}" is not a valid phone number: check the digits and the code.',
    )


_SENTENCES: Final[dict[PhoneKind, tuple[str, str]]] = {
    "mobile": ("мобильный: SMS можно отправлять", "is a mobile number: SMS can be sent"),
    "foreign_mobile": (
        "мобильный, но зарубежный: SMS будет международным",
        "is a foreign mobile number: the SMS will be international",
    ),
    "landline": ("городской: SMS на него не доставить", "is a landline: an SMS cannot reach it"),
    "toll_free": (
        "бесплатный (8-800): SMS на него не доставить",
        "is a toll-free number: an SMS cannot reach it",
    ),
    "other": (
        "не мобильный: SMS на него не доставить",
        "is not a mobile number: an SMS cannot reach it",
    ),
}


def _detail(kind: PhoneKind, number: PhoneNumber, country: str | None, home: str) -> str:
    shown = phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
    if number.extension:
        shown = shown.replace(f" ext. {number.extension}", "")
    ru, en = _SENTENCES[kind]
    where_ru = where_en = ""
    if country is not None and country != home:
        name = _country_name(number) or country
        where_ru, where_en = f" ({name})", f" ({country})"
    return f"Номер {shown}{where_ru} {ru}. / {shown}{where_en} {en}."


def _country_name(number: PhoneNumber) -> str:
    """The country's name in Russian; empty with ``phonenumberslite`` (no geocoder data)."""
    try:
        from phonenumbers import geocoder
    except ImportError:  # pragma: no cover - only with phonenumberslite
        return ""
    return str(geocoder.country_name_for_number(number, "ru"))
