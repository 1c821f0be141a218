"""Bad input real clinic systems send, accepted as meant: blank phone slots are no
phone; a staff member's sex left out but told by the patronymic declines the surname."""

from __future__ import annotations

from hub.testing import Harness


async def test_blank_phone_slots_are_no_phone(hub: Harness) -> None:
    await hub.create_clinic("clinic-1")
    response = await hub.client.put(
        "/api/v1/clinics/clinic-1/patients/P-1",
        json={
            "last_name": "Иванов",
            "first_name": "Иван",
            "phones": ["", "8 (918) 123-45-67", "   "],
        },
    )
    assert response.status_code in (200, 201), response.text
    card_url = "/api/v1/clinics/clinic-1/patients/P-1"
    assert (await hub.client.get(card_url)).json()["phones"] == ["8 (918) 123-45-67"]

    only_blanks = await hub.client.put(
        "/api/v1/clinics/clinic-1/patients/P-2",
        json={"last_name": "Петров", "first_name": "Пётр", "phones": ["", ""]},
    )
    assert only_blanks.status_code in (200, 201), only_blanks.text
    blank_card = await hub.client.get("/api/v1/clinics/clinic-1/patients/P-2")
    assert blank_card.json()["phones"] == []
    still_bad = await hub.client.put(
        "/api/v1/clinics/clinic-1/patients/P-3",
        json={"last_name": "Петров", "first_name": "Пётр", "phones": ["abc"]},
    )
    assert still_bad.status_code == 422


async def test_the_patronymic_settles_the_sex_for_the_dative(hub: Harness) -> None:
    await hub.create_clinic("clinic-1")
    await hub.put_reference(
        "doctors",
        [
            {"id": "D-1", "last_name": "Гусь", "first_name": "Павел", "middle_name": "Андреевич"},
            {"id": "D-2", "last_name": "Гусь", "first_name": "Анна", "middle_name": "Андреевна"},
            {"id": "D-3", "last_name": "Цой", "first_name": "Виктор", "middle_name": "Робертович"},
            {
                "id": "D-4",
                "last_name": "Алиев",
                "first_name": "Рашид",
                "middle_name": "Гейдар оглы",
            },
        ],
    )
    items = (await hub.client.get("/api/v1/clinics/clinic-1/reference/doctors")).json()["items"]
    forms = {i["id"]: (i["dative"], i["dative_short"]) for i in items}
    assert forms == {
        "D-1": ("Гусю Павлу Андреевичу", "Гусю П. А."),
        "D-2": ("Гусь Анне Андреевне", "Гусь А. А."),
        "D-3": ("Цою Виктору Робертовичу", "Цою В. Р."),
        "D-4": ("Алиеву Рашиду Гейдар оглы", "Алиеву Р. Г."),
    }
