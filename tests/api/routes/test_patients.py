"""Patient cards through the API: upsert decisions, phones, deletion, bad input, access."""

from __future__ import annotations

import pytest

from hub.testing import Harness, RecordingPlugin

RECORDER = RecordingPlugin()
URL = "/api/v1/clinics/clinic-1/patients"
CARD = {
    "last_name": "Иванов",
    "first_name": "Иван",
    "middle_name": "Иванович",
    "birth_date": "1980-05-17",
    "sex": "male",
    "phones": ["8 (918) 123-45-67"],
    "email": "ivanov@example.org",
    "opt_out": False,
    "inpatient": False,
}


@pytest.fixture
def hub_extra_plugins() -> dict[str, object]:
    RECORDER.received.clear()
    return {"recorder": RECORDER}


@pytest.fixture
async def clinic(hub: Harness) -> Harness:
    await hub.create_clinic("clinic-1")
    await hub.enable("recorder")
    return hub


async def test_create_then_same_put_is_unchanged_and_emits_once(clinic: Harness) -> None:
    hub = clinic
    first = await hub.client.put(f"{URL}/P-1", json=CARD)
    assert first.status_code == 201, first.text
    assert first.json()["result"] == "created"
    assert first.json()["warnings"] == []
    second = await hub.client.put(f"{URL}/P-1", json=CARD)
    assert second.status_code == 200
    assert (second.json()["result"], second.json()["changes"]) == ("unchanged", [])
    await hub.drain()
    assert RECORDER.hooks() == ["on_card_updated"]
    card = RECORDER.received[0].args["card"]
    assert (card.id, card.full_name, str(card.birth_date), card.phones) == (
        "P-1",
        "Иванов Иван Иванович",
        "1980-05-17",
        ("8 (918) 123-45-67",),
    )


async def test_update_lists_changed_fields(clinic: Harness) -> None:
    hub = clinic
    await hub.client.put(f"{URL}/P-1", json=CARD)
    response = await hub.client.put(f"{URL}/P-1", json={**CARD, "opt_out": True, "email": None})
    assert response.status_code == 200
    assert response.json()["result"] == "updated"
    assert response.json()["changes"] == ["email", "opt_out"]
    await hub.drain()
    assert [r.args["card"].opt_out for r in RECORDER.received] == [False, True]


async def test_delete_reaches_on_card_deleted_and_put_restores(clinic: Harness) -> None:
    hub = clinic
    await hub.client.put(f"{URL}/P-1", json=CARD)
    deleted = await hub.client.delete(f"{URL}/P-1")
    assert deleted.status_code == 200
    assert deleted.json()["result"] == "deleted"
    assert deleted.json()["card"]["deleted"] is True
    again = await hub.client.delete(f"{URL}/P-1")
    assert again.json()["result"] == "unchanged"
    assert (await hub.client.get(f"{URL}/P-1")).json()["deleted"] is True
    restored = await hub.client.put(f"{URL}/P-1", json=CARD)
    assert restored.json()["result"] == "restored"
    await hub.drain()
    assert RECORDER.hooks() == ["on_card_updated", "on_card_deleted", "on_card_updated"]
    assert RECORDER.received[1].args["card"].last_name == "Иванов"
    assert (await hub.client.delete(f"{URL}/P-404")).status_code == 404


@pytest.mark.parametrize(
    ("phones", "warnings"),
    [
        (["+7 918 123-45-67"], []),
        (["+7 (495) 123-45-67"], [("phones[0]", "not_mobile")]),
        (["12345"], [("phones[0]", "invalid_phone")]),
        ([], [("phones", "no_phone")]),
        (["8 (495) 123-45-67", "8 918 123 45 67 (Мария)"], [("phones[0]", "not_mobile")]),
    ],
)
async def test_unusable_phones_are_kept_and_reported(
    clinic: Harness, phones: list[str], warnings: list[tuple[str, str]]
) -> None:
    response = await clinic.client.put(f"{URL}/P-1", json={**CARD, "phones": phones})
    assert response.status_code == 201, response.text
    body = response.json()
    assert [(w["field"], w["reason"]) for w in body["warnings"]] == warnings
    assert all(w["detail"] for w in body["warnings"])
    assert body["card"]["phones"] == phones


@pytest.mark.parametrize(
    ("change", "loc"),
    [
        ({"phones": ["abc"]}, ["body", "phones", 0]),
        ({"birth_date": "17.05.1980"}, ["body", "birth_date"]),
        ({"sex": "m"}, ["body", "sex"]),
        ({"last_name": "  "}, ["body", "last_name"]),
        ({"email": "not-an-email"}, ["body", "email"]),
        ({"nickname": "Ваня"}, ["body", "nickname"]),
    ],
)
async def test_bad_input_is_422_naming_the_field_and_writes_nothing(
    clinic: Harness, change: dict[str, object], loc: list[object]
) -> None:
    response = await clinic.client.put(f"{URL}/P-1", json={**CARD, **change})
    assert response.status_code == 422, response.text
    assert loc in [e["loc"] for e in response.json()["errors"]]
    assert (await clinic.client.get(f"{URL}/P-1")).status_code == 404
    await clinic.drain()
    assert RECORDER.received == []


async def test_malformed_json_is_400(clinic: Harness) -> None:
    response = await clinic.client.put(
        f"{URL}/P-1", content=b'{"last_name": ', headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert "Malformed JSON" in response.json()["detail"]


async def test_clinic_token_writes_its_own_clinic_only(clinic: Harness) -> None:
    hub = clinic
    await hub.create_clinic("clinic-2")
    own = hub.client_for(await hub.token("clinic", "clinic-1"))
    assert (await own.put(f"{URL}/P-1", json=CARD)).status_code == 201
    other = await own.put("/api/v1/clinics/clinic-2/patients/P-1", json=CARD)
    assert other.status_code == 403
    webadmin = hub.client_for(await hub.token("webadmin"))
    assert (await webadmin.put(f"{URL}/P-1", json=CARD)).status_code == 403
    assert (await webadmin.get(f"{URL}/P-1")).status_code == 200
    assert (await hub.client_for(None).put(f"{URL}/P-1", json=CARD)).status_code == 401
    assert (await hub.client.put("/api/v1/clinics/nope/patients/P-1", json=CARD)).status_code == 404
