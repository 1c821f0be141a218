"""The texts of reminders and scheduled mailings: checking and rendering placeholders.

A schedule carries either a ``template_id`` (a template of the clinic) or its own
``text``; placeholders are written ``{name}``.  This module is the one place that knows
how reminder texts are checked and filled, so the planner never formats strings itself.
"""

from __future__ import annotations

import string
from collections.abc import Mapping

from sqlalchemy.ext.asyncio import AsyncSession

#: The placeholders a reminder text may use.
PLACEHOLDERS: dict[str, str] = {
    "patient_name": "the patient's full name",
    "patient_first_name": "the patient's first name",
    "patient_first_middle": "the patient's first and middle names («Иван Иванович»)",
    "date": "the appointment's local date (23.11.2026)",
    "time": "the appointment's local start time (10:30)",
    "weekday": "the appointment's weekday («понедельник»)",
    "doctor": "the doctor's short name («Петрова А. С.»)",
    "doctor_dative": "the doctor's name in the dative («Петровой Анне Сергеевне»)",
    "specialty": "the specialty («врач-терапевт»)",
    "specialty_dative": "the specialty in the dative («врачу-терапевту»)",
    "cabinet": "the cabinet",
    "clinic_name": "the clinic's name",
    "clinic_address": "the clinic's address",
    "clinic_phone": "the clinic's phone",
    "confirm_link": "a link to the patient's answer page (confirm / cancel / call me back)",
}

#: The default reminder when the clinic chose no template.
DEFAULT_REMINDER = (
    "{patient_first_middle}, напоминаем: {date} в {time} приём у {doctor_dative}, "
    "{clinic_address}. Подтвердите или отмените: {confirm_link}"
)


def fields(text: str) -> list[str]:
    """The placeholder names used in ``text`` (``ValueError`` if it is malformed)."""
    names = []
    for _, name, spec, conversion in string.Formatter().parse(text):
        if name is None:
            continue
        if spec or conversion or not name.isidentifier():
            raise ValueError(f"placeholder {{{name}}} must be a plain name such as {{date}}")
        names.append(name)
    return names


async def problems(
    session: AsyncSession, *, clinic_id: str, template_id: int | None, text: str | None
) -> list[str]:
    """What is wrong with a schedule's text or template, as sentences (empty: fine)."""
    if template_id is not None:
        return [f"template_id {template_id}: templates are not available yet; give a text"]
    try:
        names = fields(text or "")
    except ValueError as exc:
        return [f"text: {exc}"]
    unknown = sorted(set(names) - set(PLACEHOLDERS))
    if unknown:
        return [
            f"text: unknown placeholder {{{name}}}; known: {', '.join(sorted(PLACEHOLDERS))}"
            for name in unknown
        ]
    return []


def render(text: str, values: Mapping[str, str]) -> str:
    """``text`` with its placeholders filled (missing values become empty)."""
    return string.Formatter().vformat(text, (), _Blank(values)).strip()


class _Blank(dict[str, str]):
    def __init__(self, values: Mapping[str, str]) -> None:
        super().__init__(values)

    def __missing__(self, key: str) -> str:
        return ""
