"""Message templates: named placeholders, checked when saved, filled when sending.

A body is text with placeholders in braces, ``{{`` and ``}}`` for literal braces::

    {patient_name_patronymic}, напоминаем о записи к {doctor_dative_short}
    ({specialty}) {date} ({weekday}) в {time}, каб. {cabinet}. {clinic_name}

:func:`validate` (at save time) rejects an unknown placeholder by name, a format spec
or an unbalanced brace.  :func:`render` fills a body from a :class:`TemplateContext`
(an appointment of a clinic, with the confirm link the reminders fill in) and refuses
(:class:`EmptyPlaceholder`) when a placeholder the body uses has no value for this
appointment: a text with a hole in it is never sent.  Dates, times and weekdays are in
the clinic's local time, in Russian («23.11.2026», «10:30», «понедельник»).  The
names a clinic's old system used (``{Пациент_ФИО}``, ``{Дата}``, ``{Время}``,
``{Услуга}``, ``{Специалист}`` …) are accepted as aliases.

An e-mail template also has a ``subject`` and an ``html`` body, written and checked the
same way (:func:`validate_subject`, :func:`validate_html`): :func:`render_subject` makes
one line of it, :func:`render_html` escapes each value for HTML (a name with ``<`` or
``&`` stays text).  Literal braces in HTML (CSS) are written ``{{`` and ``}}`` too.
"""

from __future__ import annotations

import datetime as dt
import functools
import html as html_lib
import string
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import phonenumbers

from hub.types import Appointment, Card, ClinicInfo

#: Every placeholder and what it holds.
PLACEHOLDERS: dict[str, str] = {
    "patient_full_name": "ФИО пациента: «Иванов Иван Иванович»",
    "patient_last_name": "фамилия пациента",
    "patient_first_name": "имя пациента",
    "patient_middle_name": "отчество пациента",
    "patient_name_patronymic": "имя и отчество: «Иван Иванович»",
    "date": "дата приёма: «23.11.2026»",
    "time": "время приёма: «10:30»",
    "weekday": "день недели: «понедельник»",
    "doctor": "врач: «Петрова Анна Сергеевна»",
    "doctor_short": "врач кратко: «Петрова А. С.»",
    "doctor_dative": "врачу: «Петровой Анне Сергеевне»",
    "doctor_dative_short": "врачу кратко: «Петровой А. С.»",
    "specialty": "специальность: «врач-терапевт»",
    "specialty_dative": "специальность в дательном падеже: «врачу-терапевту»",
    "clinic_name": "название клиники",
    "clinic_address": "адрес клиники",
    "clinic_phone": "телефон клиники",
    "cabinet": "кабинет",
    "service": "услуги приёма через запятую",
    "confirm_link": "ссылка для подтверждения или отмены записи",
    "discount_card_number": "номер дисконтной карты (рассылка «Выдача дисконтной карты»)",
}

#: Names used by the clinics' previous systems (seed 002: Mango's custom fields).
ALIASES: dict[str, str] = {
    "Пациент_ФИО": "patient_full_name",
    "ФИО": "patient_full_name",
    "Дата": "date",
    "Время": "time",
    "День_недели": "weekday",
    "Специалист": "doctor",
    "Врач": "doctor",
    "Специальность": "specialty",
    "Услуга": "service",
    "Кабинет": "cabinet",
    "Клиника": "clinic_name",
    "Адрес": "clinic_address",
    "Телефон": "clinic_phone",
    "Ссылка": "confirm_link",
}

WEEKDAYS = ("понедельник", "вторник", "среда", "четверг", "пятница", "суббота", "воскресенье")


class TemplateError(ValueError):
    """A body that cannot be a template; the message says what and where."""


class UnknownPlaceholder(TemplateError):
    def __init__(self, names: list[str]) -> None:
        self.names = names
        super().__init__(
            f"unknown placeholder{'s' if len(names) > 1 else ''} "
            + ", ".join("{" + n + "}" for n in names)
            + "; see GET /api/v1/clinics/{clinic}/templates/placeholders"
        )


class EmptyPlaceholder(ValueError):
    """The body uses placeholders that have no value for this appointment."""

    def __init__(self, names: list[str]) -> None:
        self.names = names
        super().__init__(
            "no value for "
            + ", ".join("{" + n + "}" for n in names)
            + " in this appointment: the text would have a gap"
        )


def _where(body: str, index: int) -> str:
    """``line 2, column 7, in «…text around it…»`` (1-based, as an editor counts)."""
    line = body.count("\n", 0, index) + 1
    column = index - (body.rfind("\n", 0, index) + 1) + 1
    around = body[max(0, index - 15) : index + 16].replace("\n", " ")
    return f"line {line}, column {column}, in «{around}»"


def stray_brace(body: str) -> str | None:
    """Where the first brace that opens or closes no placeholder is, and what to do."""
    index, opened = 0, -1
    while index < len(body):
        char = body[index]
        if opened < 0 and char in "{}" and body[index : index + 2] in ("{{", "}}"):
            index += 2
            continue
        if char == "{":
            if opened >= 0:
                return (
                    f"the '{{' at {_where(body, opened)} is not closed before the next "
                    "'{': close the placeholder with '}', or write '{{' for a literal brace"
                )
            opened = index
        elif char == "}":
            if opened < 0:
                return (
                    f"stray '}}' at {_where(body, index)}: it closes no placeholder; "
                    "write '}}' for a literal brace"
                )
            opened = -1
        index += 1
    if opened >= 0:
        return (
            f"the '{{' at {_where(body, opened)} is never closed: close the placeholder "
            "with '}', or write '{{' for a literal brace"
        )
    return None


def canonical(name: str) -> str:
    return ALIASES.get(name, name)


def placeholders(body: str) -> list[str]:
    """The placeholders a body uses (canonical names, in order, once each).

    :raises TemplateError: unknown names (:class:`UnknownPlaceholder`), format specs,
        unbalanced braces.
    """
    try:
        parsed = list(string.Formatter().parse(body))
    except ValueError as exc:
        raise TemplateError(
            stray_brace(body) or f"{exc}: write {{{{ and }}}} for literal braces"
        ) from None
    used: list[str] = []
    unknown: list[str] = []
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if not name.strip():
            raise TemplateError("empty placeholder {}: name the value, e.g. {patient_first_name}")
        if spec or conversion:
            raise TemplateError(f"placeholder {{{name}}} may not have a format (':' or '!')")
        key = canonical(name.strip())
        if key not in PLACEHOLDERS:
            if name not in unknown:
                unknown.append(name)
        elif key not in used:
            used.append(key)
    if unknown:
        raise UnknownPlaceholder(unknown)
    return used


def validate(body: str) -> list[str]:
    """Check a body before saving it; the placeholders it uses."""
    if not body.strip():
        raise TemplateError("the body is empty")
    return placeholders(body)


#: The longest subject line (RFC 5322's line limit), and the longest HTML body.
MAX_SUBJECT = 998
MAX_HTML = 500_000


def validate_subject(subject: str) -> list[str]:
    """Check an e-mail subject template before saving it; the placeholders it uses."""
    if "\n" in subject or "\r" in subject or "\x00" in subject:
        raise TemplateError("the subject must be one line (no line breaks, no NUL)")
    if len(subject) > MAX_SUBJECT:
        raise TemplateError(f"the subject is longer than {MAX_SUBJECT} characters")
    if not subject.strip():
        raise TemplateError("the subject is empty")
    return placeholders(subject)


def validate_html(body: str) -> list[str]:
    """Check an HTML body template before saving it (``{{``/``}}`` for CSS braces)."""
    if not body.strip():
        raise TemplateError("the html body is empty")
    if "\x00" in body:
        raise TemplateError("the html body contains a NUL character")
    return placeholders(body)


def uses(name: str, *bodies: str | None) -> bool:
    """Whether any of these (valid) bodies uses the placeholder ``name``."""
    return any(name in placeholders(b) for b in bodies if b)


@functools.lru_cache(maxsize=1024)
def _phone(value: str) -> str:
    try:
        number = phonenumbers.parse(value, "RU")
    except phonenumbers.NumberParseException:
        return value
    if not phonenumbers.is_valid_number(number):
        return value
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


@dataclass(frozen=True)
class TemplateContext:
    """The values of every placeholder for one appointment of one clinic."""

    values: Mapping[str, str]

    @classmethod
    def build(
        cls, appointment: Appointment, clinic: ClinicInfo, confirm_link: str | None = None
    ) -> TemplateContext:
        """Each value is worked out when a body first asks for it (a reminder's text uses
        a handful of the placeholders, for every appointment of the day)."""
        return cls(_Values(appointment, clinic, confirm_link))


def _name_patronymic(card: Card | None) -> str:
    """The first name and the patronymic, whichever are there, with a space between."""
    if card is None:
        return ""
    first, middle = card.first_name, card.middle_name
    return f"{first} {middle}" if first and middle else first or middle


#: How each placeholder is filled from (appointment, clinic, local start, confirm link).
_FILLS: dict[str, Callable[[Appointment, ClinicInfo, dt.datetime, str | None], str]] = {
    "patient_full_name": lambda a, c, s, link: a.patient.full_name if a.patient else "",
    "patient_last_name": lambda a, c, s, link: a.patient.last_name if a.patient else "",
    "patient_first_name": lambda a, c, s, link: a.patient.first_name if a.patient else "",
    "patient_middle_name": lambda a, c, s, link: a.patient.middle_name if a.patient else "",
    "patient_name_patronymic": lambda a, c, s, link: _name_patronymic(a.patient),
    # what strftime("%d.%m.%Y") and ("%H:%M") write (numbers, no locale), a third the cost
    "date": lambda a, c, s, link: f"{s.day:02d}.{s.month:02d}.{s.year}",
    "time": lambda a, c, s, link: f"{s.hour:02d}:{s.minute:02d}",
    "weekday": lambda a, c, s, link: WEEKDAYS[s.weekday()],
    "doctor": lambda a, c, s, link: a.doctor.full_name if a.doctor else "",
    "doctor_short": lambda a, c, s, link: a.doctor.short_name if a.doctor else "",
    "doctor_dative": lambda a, c, s, link: a.doctor.dative if a.doctor else "",
    "doctor_dative_short": lambda a, c, s, link: a.doctor.dative_short if a.doctor else "",
    "specialty": lambda a, c, s, link: a.specialty.name if a.specialty else "",
    "specialty_dative": lambda a, c, s, link: a.specialty.dative if a.specialty else "",
    "clinic_name": lambda a, c, s, link: c.name,
    "clinic_address": lambda a, c, s, link: c.address,
    "clinic_phone": lambda a, c, s, link: _phone(c.phone),
    "cabinet": lambda a, c, s, link: a.cabinet or "",
    "service": lambda a, c, s, link: ", ".join(x.name for x in a.services if x.name),
    "confirm_link": lambda a, c, s, link: link or "",
    "discount_card_number": lambda a, c, s, link: "",  # the «discount card issued» schedule's
}


class _Values(Mapping[str, str]):
    """The placeholders' values of one appointment, each filled when first read."""

    __slots__ = ("_args", "_filled")

    def __init__(self, appointment: Appointment, clinic: ClinicInfo, link: str | None) -> None:
        start = appointment.start.astimezone(clinic.tz)
        self._args = (appointment, clinic, start, link)
        self._filled: dict[str, str] = {}

    def __getitem__(self, key: str) -> str:
        try:
            return self._filled[key]
        except KeyError:
            value = self._filled[key] = _FILLS[key](*self._args)
            return value

    def get(self, key: str, default: Any = None) -> Any:
        """``Mapping.get`` without its ``try: self[key]`` round (called per placeholder
        of every text a run renders)."""
        filled = self._filled.get(key)
        if filled is not None:
            return filled
        fill = _FILLS.get(key)
        if fill is None:
            return default
        value = self._filled[key] = fill(*self._args)
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(_FILLS)

    def __len__(self) -> int:
        return len(_FILLS)


def render(
    body: str,
    context: TemplateContext,
    *,
    allow_empty: bool = False,
    escape: Callable[[str], str] | None = None,
) -> str:
    """The text of ``body`` for ``context`` (each value passed through ``escape``).

    :raises EmptyPlaceholder: a used placeholder has no value (unless ``allow_empty``,
        for previews, which show the gap).
    """
    out: list[str] = []
    empty: list[str] = []
    for literal, key in _pieces(body):
        out.append(literal)
        if key is None:
            continue
        value = context.values.get(key, "")
        if not value.strip() and key not in empty:
            empty.append(key)
        out.append(escape(value) if escape is not None else value)
    if empty and not allow_empty:
        raise EmptyPlaceholder(empty)
    return "".join(out)


@functools.lru_cache(maxsize=256)
def _pieces(body: str) -> tuple[tuple[str, str | None], ...]:
    """``body`` parsed once: each literal with the canonical placeholder after it (a
    run renders the same body for every appointment)."""
    return tuple(
        (literal, None if name is None else canonical(name.strip()))
        for literal, name, _, _ in string.Formatter().parse(body)
    )


def render_subject(subject: str, context: TemplateContext, *, allow_empty: bool = False) -> str:
    """The subject line of ``subject`` for ``context``: one line (whitespace in the values
    collapsed), at most :data:`MAX_SUBJECT` characters."""
    text = " ".join(render(subject, context, allow_empty=allow_empty).split())
    return text[:MAX_SUBJECT]


def render_html(body: str, context: TemplateContext, *, allow_empty: bool = False) -> str:
    """The HTML of ``body`` for ``context``, every value HTML-escaped."""
    return render(body, context, allow_empty=allow_empty, escape=html_lib.escape)


def missing(body: str, context: TemplateContext) -> list[str]:
    """The placeholders of ``body`` that have no value in ``context``."""
    return [name for name in placeholders(body) if not context.values.get(name, "").strip()]


def sample_context(clinic: ClinicInfo, now: dt.datetime) -> TemplateContext:
    """A made-up appointment tomorrow at 10:30 local time, for previews."""
    from hub.messages.sample import sample_appointment

    return TemplateContext.build(
        sample_appointment(clinic, now), clinic, confirm_link="https://hub.example/r/AbC123"
    )
