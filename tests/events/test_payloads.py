"""Every durable hook goes through the outbox without special cases: its arguments are
checked and stored as JSON at emit time and rebuilt from the hookspec at delivery."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from hub import hookspecs
from hub.events import PayloadError, emit, payloads
from hub.testing import Harness, RecordingPlugin
from hub.types import (
    Appointment,
    Card,
    Doctor,
    FieldChange,
    LabResults,
    PatientAnswer,
    Service,
    Specialty,
)

CARD = Card(
    id="P-1",
    last_name="Иванов",
    first_name="Иван",
    phones=("+79181234567",),
    birth_date=dt.date(1980, 5, 17),
    sex="male",
)
APPOINTMENT = Appointment(
    id="A-1",
    patient_id="P-1",
    patient=CARD,
    doctor_id="D-7",
    doctor=Doctor(
        id="D-7",
        last_name="Петрова",
        first_name="Анна",
        full_name="Петрова Анна",
        short_name="Петрова А.",
        dative="Петровой Анне",
        dative_short="Петровой А.",
    ),
    specialty_id="S-3",
    specialty=Specialty(id="S-3", name="терапевт", dative="терапевту"),
    services=(Service(id="SRV-1", name="Приём", price_list_section="PL-A"),),
    start=dt.datetime(2026, 11, 24, 7, 30, tzinfo=dt.UTC),
    cabinet="214",
)
SAMPLES: dict[str, dict[str, Any]] = {
    "on_appointment_created": {"appointment": APPOINTMENT},
    "on_appointment_updated": {
        "appointment": APPOINTMENT,
        "changes": (FieldChange(field="cabinet", old="213", new="214"),),
    },
    "on_appointment_cancelled": {"appointment": APPOINTMENT, "reason": "заболел"},
    "on_appointment_restored": {"appointment": APPOINTMENT},
    "on_card_updated": {"card": CARD},
    "on_card_deleted": {"card": CARD},
    "on_service_charged": {"appointment": APPOINTMENT, "service": APPOINTMENT.services[0]},
    "on_lab_results_ready": {
        "card": CARD,
        "results": LabResults(
            patient_id="P-1", appointment_id="A-1", items=({"test": "ОАК", "value": 4.5},)
        ),
    },
    "on_discount_card_issued": {"card": CARD, "number": "DC-0001"},
    "on_patient_answered": {
        "appointment": APPOINTMENT,
        "answer": PatientAnswer(
            appointment_id="A-1",
            answer="confirmed",
            at=dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC),
        ),
    },
    "on_stoplist_changed": {"phone": "+79181234567", "blocked": True, "note": "просил не писать"},
}
RECORDER = RecordingPlugin()


def test_every_notification_hook_has_a_sample() -> None:
    """A new ``on_*`` hook must be added here (and so is proven to go through the outbox)."""
    hooks = {name for name in dir(hookspecs) if name.startswith("on_")}
    assert hooks == set(SAMPLES)


@pytest.fixture
def hub_extra_plugins() -> dict[str, object]:
    RECORDER.received.clear()
    return {"recorder": RECORDER}


async def test_each_hook_arrives_with_equal_arguments(hub: Harness) -> None:
    await hub.create_clinic("clinic-1")
    await hub.enable("recorder")
    async with hub.runtime.db.session() as session:
        for hook, args in SAMPLES.items():
            await emit(
                session,
                clinic_id="clinic-1",
                hook=hook,
                subject=f"test:{hook}",
                payload=args,
                now=hub.clock.now(),
                runtime=hub.runtime,
            )
    assert await hub.drain() == len(SAMPLES)
    assert {r.hook: r.args for r in RECORDER.received} == SAMPLES


def test_json_forms_are_accepted_too() -> None:
    encoded = payloads.encode("on_appointment_updated", SAMPLES["on_appointment_updated"])
    assert encoded["appointment"]["start"] == "2026-11-24T07:30:00Z"
    assert payloads.encode("on_appointment_updated", encoded) == encoded
    assert payloads.decode("on_appointment_updated", encoded) == SAMPLES["on_appointment_updated"]


@pytest.mark.parametrize(
    ("hook", "payload", "words"),
    [
        ("on_card_updated", {}, "missing card"),
        ("on_card_updated", {"card": CARD, "extra": 1}, "unexpected extra"),
        ("on_card_updated", {"card": {"id": "P-1"}}, "argument 'card' is invalid"),
        ("on_stoplist_changed", {"phone": "+7", "blocked": "maybe", "note": ""}, "'blocked'"),
        ("on_something_else", {}, "unknown hook"),
        ("send_message", {"message": None}, "argument 'message'"),
    ],
)
def test_a_payload_that_does_not_match_the_spec_is_refused(
    hook: str, payload: dict[str, Any], words: str
) -> None:
    with pytest.raises(PayloadError, match=words):
        payloads.encode(hook, payload)
