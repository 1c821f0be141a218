"""The sample appointment a template preview uses when none is given.

The doctor's and the specialty's dative forms are computed by :mod:`hub.text.declension`,
as they are for real reference data, so the preview shows what the clinic will get.
"""

from __future__ import annotations

import datetime as dt

from hub.text.declension import person_dative, phrase_dative, short_dative, short_name
from hub.types import Appointment, Card, ClinicInfo, Doctor, Service, Specialty

SAMPLE_ID = "sample"


def sample_appointment(clinic: ClinicInfo, now: dt.datetime) -> Appointment:
    local = now.astimezone(clinic.tz).date() + dt.timedelta(days=1)
    start = dt.datetime.combine(local, dt.time(10, 30), tzinfo=clinic.tz)
    last, first, middle = "Петрова", "Анна", "Сергеевна"
    specialty = "врач-терапевт"
    return Appointment(
        id=SAMPLE_ID, patient_id=SAMPLE_ID,
        patient=Card(id=SAMPLE_ID, last_name="Иванов", first_name="Иван", middle_name="Иванович",
                     phones=("+79181234567",)),
        doctor_id="D-sample",
        doctor=Doctor(
            id="D-sample", last_name=last, first_name=first, middle_name=middle, sex="female",
            full_name=f"{last} {first} {middle}", short_name=short_name(last, first, middle),
            dative=person_dative(last, first, middle, "female"),
            dative_short=short_dative(last, first, middle, "female"),
        ),
        specialty_id="S-sample",
        specialty=Specialty(id="S-sample", name=specialty, dative=phrase_dative(specialty)),
        services=(Service(id="SRV-sample", name="Приём терапевта первичный"),),
        start=start.astimezone(dt.UTC), end=(start + dt.timedelta(minutes=30)).astimezone(dt.UTC),
        cabinet="214",
    )
