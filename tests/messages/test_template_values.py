"""The placeholders a reminder run fills for every appointment, written without
``strftime`` and a generator: the same text as those wrote, for any name and instant."""

from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import pytest

from hub.messages import templates as tpl
from hub.types import Appointment, Card, ClinicInfo

CLINIC = ClinicInfo(
    id="c", name="Клиника", timezone="Asia/Vladivostok", address="ул. Ленина, 1", phone=""
)


@pytest.mark.parametrize(
    ("first", "middle"), list(itertools.product(["", "Иван", "Ёлка"], ["", "Иванович"]))
)
def test_name_patronymic_joins_the_parts_that_are_there(first: str, middle: str) -> None:
    card = Card(id="P-1", last_name="Иванов", first_name=first, middle_name=middle)
    appointment = Appointment(
        id="A-1", patient_id="P-1", patient=card, start=dt.datetime.now(dt.UTC)
    )
    values = tpl.TemplateContext.build(appointment, CLINIC).values
    assert values["patient_name_patronymic"] == " ".join(p for p in (first, middle) if p)
    no_card = Appointment(id="A-2", patient_id="P-2", start=dt.datetime.now(dt.UTC))
    assert tpl.TemplateContext.build(no_card, CLINIC).values["patient_name_patronymic"] == ""


@pytest.mark.parametrize(
    "start",
    [
        dt.datetime(2026, 11, 23, 14, 5, tzinfo=dt.UTC),  # next day in Vladivostok
        dt.datetime(2026, 1, 1, 0, 0, tzinfo=dt.UTC),
        dt.datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=dt.UTC),
        dt.datetime(999, 3, 4, 5, 6, tzinfo=dt.UTC),
        dt.datetime(9999, 12, 30, 1, 2, tzinfo=dt.UTC),
        *(dt.datetime(2026, 3, 29, h, 30, tzinfo=ZoneInfo("Europe/Berlin")) for h in range(24)),
    ],
)
def test_date_and_time_are_what_strftime_writes(start: dt.datetime) -> None:
    values = tpl.TemplateContext.build(Appointment(id="A-1", patient_id="P-1", start=start), CLINIC)
    local = start.astimezone(ZoneInfo(CLINIC.timezone))
    assert values.values["date"] == local.strftime("%d.%m.%Y")
    assert values.values["time"] == local.strftime("%H:%M")
    assert values.values.get("date") == local.strftime("%d.%m.%Y")
    assert values.values.get("no_such_placeholder", "x") == "x"
