"""What the answer page shows: the appointment in the clinic's local time, the clinic,
and the state of the patient's answer.

    state       shown                                       buttons
    open        the appointment, a question                 Confirm, Cancel (reason), Call me back
    answered    the recorded answer                         the other answers, until the cut-off
    locked      the recorded answer, «call to change»       none
    cancelled   «the clinic cancelled this appointment»     none
    expired     «the appointment has started / passed»      none
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final
from zoneinfo import ZoneInfo

from hub.db.models import AppointmentAnswer
from hub.types import Appointment, ClinicInfo

__all__ = ["AnswerView", "build", "local_date_text", "on_date_text"]

_MONTHS: Final = (
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
)
_WEEKDAYS: Final = (
    "понедельник",
    "вторник",
    "среда",
    "четверг",
    "пятница",
    "суббота",
    "воскресенье",
)
#: «в/во» + the accusative: «во вторник», «в среду».
_ON_WEEKDAY: Final = (
    "в понедельник",
    "во вторник",
    "в среду",
    "в четверг",
    "в пятницу",
    "в субботу",
    "в воскресенье",
)

#: How each answer reads on the page (the patient's own words).
ANSWER_TEXT: Final = {
    "confirmed": "Вы подтвердили запись",
    "cancelled": "Вы отменили запись",
    "callback": "Вы попросили перезвонить",
}


def local_date_text(day: dt.date) -> str:
    """«понедельник, 23 ноября»."""
    return f"{_WEEKDAYS[day.weekday()]}, {day.day} {_MONTHS[day.month - 1]}"


def on_date_text(day: dt.date) -> str:
    """«во вторник, 24 ноября» (after «Ждём вас»)."""
    return f"{_ON_WEEKDAY[day.weekday()]}, {day.day} {_MONTHS[day.month - 1]}"


@dataclass(frozen=True)
class AnswerView:
    """Everything the template needs (no database objects)."""

    clinic_name: str
    clinic_address: str
    clinic_phone: str
    date_text: str
    on_date_text: str
    time_text: str
    doctor: str | None
    specialty: str | None
    cabinet: str | None
    state: str
    answer: str | None
    answer_text: str | None
    reason: str | None
    choices: tuple[str, ...]
    change_until: str | None

    @property
    def phone_href(self) -> str:
        return "tel:" + "".join(c for c in self.clinic_phone if c.isdigit() or c == "+")


def build(
    *,
    clinic: ClinicInfo,
    appointment: Appointment,
    answer: AppointmentAnswer | None,
    cutoff: dt.timedelta,
    now: dt.datetime,
) -> AnswerView:
    """The page for ``appointment`` at ``now``."""
    tz = ZoneInfo(clinic.timezone)
    start = appointment.start.astimezone(tz)
    change_deadline = appointment.start - cutoff
    if now >= appointment.start:
        state = "expired"
    elif appointment.cancelled and (answer is None or answer.answer != "cancelled"):
        state = "cancelled"
    elif answer is None:
        state = "open"
    elif now < change_deadline and not appointment.cancelled:
        state = "answered"
    else:
        state = "locked"
    choices: tuple[str, ...] = ()
    if state == "open":
        choices = ("confirmed", "cancelled", "callback")
    elif state == "answered" and answer is not None:
        choices = tuple(a for a in ("confirmed", "cancelled", "callback") if a != answer.answer)
    deadline_local = change_deadline.astimezone(tz)
    doctor = appointment.doctor
    return AnswerView(
        clinic_name=clinic.name,
        clinic_address=clinic.address,
        clinic_phone=clinic.phone,
        date_text=local_date_text(start.date()),
        on_date_text=on_date_text(start.date()),
        time_text=start.strftime("%H:%M"),
        doctor=(doctor.full_name if doctor else None),
        specialty=(appointment.specialty.name if appointment.specialty else None),
        cabinet=appointment.cabinet,
        state=state,
        answer=answer.answer if answer else None,
        answer_text=ANSWER_TEXT.get(answer.answer) if answer else None,
        reason=answer.reason if answer else None,
        choices=choices,
        change_until=(
            f"{deadline_local.day} {_MONTHS[deadline_local.month - 1]}, {deadline_local:%H:%M}"
            if state == "answered"
            else None
        ),
    )
