"""Group mailings (issue 4 item 7): who is chosen, who is skipped and why, progress."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from hub import ChannelSettings, CostEstimate, DeliveryResult, HookContext, OutgoingMessage, hookimpl
from hub.testing import Harness

URL = "/api/v1/clinics/clinic-1/mailings"


class Gateway:
    def __init__(self) -> None:
        self.estimated: list[int] = []

    @hookimpl
    def register_settings_model(self) -> type[ChannelSettings]:
        return ChannelSettings

    @hookimpl
    def register_channels(self) -> list[str]:
        return ["sms"]

    @hookimpl
    async def send_message(self, ctx: HookContext, message: OutgoingMessage) -> DeliveryResult:
        return DeliveryResult.accepted(f"gw-{message.id}", cost=Decimal("2.50"))

    @hookimpl
    async def estimate_cost(self, ctx: HookContext, messages: tuple[OutgoingMessage, ...]) -> CostEstimate:
        self.estimated.append(len(messages))
        return CostEstimate(total_cost=Decimal("2.50") * len(messages), parts=len(messages))


@pytest.fixture
def gateway() -> Gateway:
    return Gateway()


@pytest.fixture
def hub_extra_plugins(gateway: Gateway) -> dict[str, object]:
    return {"gateway": gateway}


def day(n: int) -> str:
    """10:30 local time, ``n`` days after Tuesday 24 November 2026."""
    return f"{dt.date(2026, 11, 24) + dt.timedelta(days=n)}T10:30:00"


@pytest.fixture
async def clinic(hub: Harness) -> str:
    await hub.create_clinic("clinic-1", channels={"sms": ["gateway"]})
    await hub.enable("gateway")
    await hub.put_reference("specialties", [{"id": "S-3", "name": "врач-терапевт"},
                                            {"id": "S-4", "name": "врач-кардиолог"}])
    await hub.put_reference("doctors", [
        {"id": "D-7", "last_name": "Петрова", "first_name": "Анна", "middle_name": "Сергеевна",
         "sex": "female", "specialty_id": "S-3"},
        {"id": "D-8", "last_name": "Сидоров", "first_name": "Павел", "middle_name": "Андреевич",
         "sex": "male", "specialty_id": "S-4"},
    ])
    await hub.put_reference("services", [{"id": "SRV-1", "name": "Приём терапевта"},
                                         {"id": "SRV-2", "name": "ЭКГ"}])
    patients: dict[str, dict[str, Any]] = {
        "P-1": {}, "P-2": {"opt_out": True}, "P-3": {"phones": ["+7 495 123-45-67"]},
        "P-4": {"inpatient": True}, "P-5": {"phones": ["+7 926 000-00-05"]}, "P-6": {},
        "P-7": {}, "P-8": {}, "P-9": {"phones": []},
    }
    for pid, fields in patients.items():
        await hub.put_patient(pid, last_name=f"Пациент{pid[2:]}", **fields)
    appointments = {
        "A-1": ("P-1", "D-7", day(0), "SRV-1"), "A-2": ("P-2", "D-7", day(1), "SRV-1"),
        "A-3": ("P-3", "D-7", day(1), "SRV-1"), "A-4": ("P-4", "D-7", day(2), "SRV-1"),
        "A-5": ("P-5", "D-7", day(2), "SRV-1"), "A-6": ("P-6", "D-7", day(3), "SRV-1"),
        "A-6b": ("P-6", "D-7", day(1), "SRV-1"), "A-7": ("P-7", "D-8", day(1), "SRV-2"),
        "A-8": ("P-8", "D-7", day(2), "SRV-1"), "A-9": ("P-9", "D-7", day(2), "SRV-1"),
        "A-late": ("P-1", "D-7", day(20), "SRV-1"),
    }
    for aid, (pid, doctor, start, service) in appointments.items():
        await hub.put_appointment(aid, patient_id=pid, doctor_id=doctor, start=start, end=None,
                                  services=[{"id": service}], cabinet=None if aid == "A-8" else "214")
    response = await hub.client.delete("/api/v1/clinics/clinic-1/appointments/A-1", params={"reason": "болезнь"})
    assert response.status_code in (200, 204), response.text
    await hub.put_appointment("A-1x", patient_id="P-1", doctor_id="D-7", start=day(4), end=None,
                              services=[{"id": "SRV-1"}], cabinet="214")
    await hub.client.put("/api/v1/clinics/clinic-1/stoplist/+79260000005", json={"note": "жалоба"})
    response = await hub.client.post("/api/v1/clinics/clinic-1/templates", json={
        "name": "Вакцинация", "kind": "mailing", "is_default": True,
        "body": "{patient_first_name}, приглашаем на вакцинацию. Ваш приём {date} в {time}, каб. {cabinet}",
    })
    assert response.status_code == 201, response.text
    return "clinic-1"


async def test_mailing_queues_one_message_per_patient_and_lists_the_skipped(
    hub: Harness, clinic: str, gateway: Gateway
) -> None:
    response = await hub.client.post(URL, json={
        "name": "Вакцинация", "period_from": "2026-11-24", "period_to": "2026-11-30",
        "doctor_ids": ["D-7"],
    })
    assert response.status_code == 201, response.text
    mailing = response.json()
    skipped = {s["patient_id"]: s["reason"] for s in mailing["skipped"]}
    assert skipped == {"P-2": "opt_out", "P-3": "not_mobile", "P-4": "inpatient",
                       "P-5": "stop_list", "P-8": "empty_placeholder", "P-9": "no_phone"}
    assert (mailing["matched"], mailing["queued"]) == (8, 2)  # P-1 (A-1x) and P-6 (its first)
    assert mailing["estimate"] == {"provider": "gateway", "total_cost": "5.00", "parts": 2, "currency": "RUB"}
    assert "{cabinet}" in next(s["detail"] for s in mailing["skipped"] if s["patient_id"] == "P-8")
    journal = await hub.journal("clinic-1", mailing=mailing["id"])
    texts = {r["appointment_id"]: r for r in journal["items"]}
    assert set(texts) == {"A-1x", "A-6b"}
    assert (await hub.message(texts["A-6b"]["id"]))["text"] == (
        "Иван, приглашаем на вакцинацию. Ваш приём 25.11.2026 в 10:30, каб. 214"
    )
    warnings = {e["data"]["patient_id"]: e["data"]["reason"]
                for e in await hub.feed() if e["type"] == "card.warning" and e["source"] == "hub"}
    assert warnings == {"P-3": "not_mobile", "P-9": "no_phone"}

    progress = (await hub.client.get(f"{URL}/{mailing['id']}")).json()
    assert (progress["status"], progress["progress"]) == ("sending", {"queued": 2})
    await hub.drain()
    listed = (await hub.client.get(URL)).json()["items"]
    assert [(m["id"], m["status"], m["progress"]) for m in listed] == [(mailing["id"], "done", {"sent": 2})]


@pytest.mark.parametrize(
    ("filters", "patients"),
    [
        ({"specialty_ids": ["S-4"]}, {"P-7"}),
        ({"service_ids": ["SRV-2"]}, {"P-7"}),
        ({"doctor_ids": ["D-7", "D-8"], "service_ids": ["SRV-2"]}, {"P-7"}),
        ({"period_from": "2026-11-28", "period_to": "2026-11-28"}, {"P-1"}),
    ],
)
async def test_filters_choose_the_patients(
    hub: Harness, clinic: str, filters: dict[str, Any], patients: set[str]
) -> None:
    body = {"period_from": "2026-11-24", "period_to": "2026-11-30", "dry_run": True, **filters}
    response = await hub.client.post(URL, json=body)
    assert response.status_code == 201, response.text
    answer = response.json()
    assert answer["status"] == "dry_run" and answer["id"] is None
    chosen = answer["matched"]
    assert chosen == len(patients)
    assert (await hub.journal("clinic-1"))["total"] == 0  # a dry run sends nothing


async def test_a_mailing_that_matches_nobody_is_an_error(hub: Harness, clinic: str) -> None:
    response = await hub.client.post(URL, json={"period_from": "2027-01-01", "period_to": "2027-01-31"})
    assert response.status_code == 422
    assert "nobody to send to" in response.json()["detail"]
    assert (await hub.client.get(URL)).json()["items"] == []


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"period_from": "2026-11-30", "period_to": "2026-11-24"}, "period_to is before period_from"),
        ({"period_from": "2026-01-01", "period_to": "2027-06-01"}, "at most 366 days"),
        ({"period_from": "2026-11-24", "period_to": "2026-11-30", "template_id": 999}, "no template 999"),
        ({"period_from": "2026-11-24", "period_to": "2026-11-30", "kind": "vaccination"},
         "no default sms template of kind 'vaccination'"),
    ],
)
async def test_bad_mailings_are_clear_errors(hub: Harness, clinic: str, body: dict[str, Any], says: str) -> None:
    response = await hub.client.post(URL, json=body)
    assert response.status_code == 422
    assert says in str(response.json()["detail"])


async def test_mailing_times_are_the_clinic_local_dates(hub: Harness, clinic: str) -> None:
    # 00:30 on the 28th in Moscow is still the 27th in UTC: the local date decides
    await hub.put_appointment("A-night", patient_id="P-7", doctor_id="D-7", start="2026-11-28T00:30:00",
                              end=None, services=[{"id": "SRV-1"}], cabinet="1")
    answer = (await hub.client.post(URL, json={"period_from": "2026-11-28", "period_to": "2026-11-28",
                                               "dry_run": True})).json()
    assert answer["matched"] == 2  # P-1 (A-1x, 10:30) and P-7 (00:30)
    assert dt.date.fromisoformat(answer["period_from"]) == dt.date(2026, 11, 28)
