"""Reference data: bulk replace, automatic dative forms and their override, removal."""

from __future__ import annotations

from hub.testing import Harness

URL = "/api/v1/clinics/clinic-1/reference"
PETROVA = {
    "id": "D-7",
    "last_name": "Петрова",
    "first_name": "Анна",
    "middle_name": "Сергеевна",
    "sex": "female",
    "specialty_id": "S-3",
    "dative": None,
}


async def _setup(hub: Harness) -> None:
    await hub.create_clinic("clinic-1")
    await hub.put_reference(
        "specialties",
        [
            {"id": "S-3", "name": "врач-терапевт", "dative": None},
            {"id": "S-4", "name": "врач общей практики"},
            {"id": "S-5", "name": "Зав. отделением", "dative": "заведующему отделением"},
        ],
    )


async def test_specialties_get_their_dative_and_the_override_wins(hub: Harness) -> None:
    await _setup(hub)
    items = (await hub.client.get(f"{URL}/specialties")).json()["items"]
    assert [(i["id"], i["dative"], i["dative_override"]) for i in items] == [
        ("S-3", "врачу-терапевту", None),
        ("S-4", "врачу общей практики", None),
        ("S-5", "заведующему отделением", "заведующему отделением"),
    ]


async def test_doctors_get_name_forms_and_the_override_wins(hub: Harness) -> None:
    await _setup(hub)
    result = await hub.put_reference(
        "doctors",
        [
            PETROVA,
            {"id": "D-8", "last_name": "Цой", "first_name": "Виктор", "middle_name": "Робертович"},
            {
                "id": "D-9",
                "last_name": "Петров-Водкин",
                "first_name": "Кузьма",
                "middle_name": "Сергеевич",
                "sex": "male",
                "dative": "Петрову-Водкину Кузьме Сергеевичу",
            },
        ],
    )
    assert (result["created"], result["updated"], result["unchanged"]) == (3, 0, 0)
    by_id = {i["id"]: i for i in result["items"]}
    assert by_id["D-7"]["dative"] == "Петровой Анне Сергеевне"
    assert by_id["D-7"]["dative_short"] == "Петровой А. С."
    assert by_id["D-7"]["short_name"] == "Петрова А. С."
    assert by_id["D-8"]["dative"] == "Цою Виктору Робертовичу"  # gender detected
    assert by_id["D-9"]["dative"] == "Петрову-Водкину Кузьме Сергеевичу"
    assert by_id["D-9"]["dative_short"] == "Петрову-Водкину К. С."
    # an override sent later replaces the automatic form; a null brings it back
    changed = await hub.put_reference(
        "doctors",
        [
            {**PETROVA, "dative": "Петровой Анне Сергеевне (зав.)"},
        ],
    )
    assert (changed["updated"], changed["removed"]) == (1, 2)
    assert changed["items"][0]["dative"] == "Петровой Анне Сергеевне (зав.)"
    back = await hub.put_reference("doctors", [PETROVA])
    assert back["items"][0]["dative"] == "Петровой Анне Сергеевне"


async def test_same_list_twice_is_unchanged(hub: Harness) -> None:
    await _setup(hub)
    await hub.put_reference("doctors", [PETROVA])
    again = await hub.put_reference("doctors", [PETROVA])
    assert (again["created"], again["updated"], again["unchanged"], again["removed"]) == (
        0,
        0,
        1,
        0,
    )


async def test_removed_item_is_refused_for_new_appointments_but_old_ones_keep_it(
    hub: Harness,
) -> None:
    await hub.create_clinic("clinic-1")
    await hub.seed_reference()
    await hub.put_patient()
    await hub.put_appointment("A-1")
    await hub.put_reference("doctors", [])  # the doctor left the clinic
    assert (await hub.put_appointment("A-1"))["result"] == "unchanged"
    assert (await hub.put_appointment("A-1", cabinet="301"))["result"] == "updated"
    refused = await hub.client.put(
        "/api/v1/clinics/clinic-1/appointments/A-2",
        json={"patient_id": "P-1001", "doctor_id": "D-7", "start": "2026-11-24T10:00:00"},
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["loc"] == ["body", "doctor_id"]
    ctx = await _ctx(hub)
    appointment = await ctx.get_appointment("A-1")
    assert appointment is not None and appointment.doctor is not None
    assert appointment.doctor.short_name == "Петрова А. С."
    assert await ctx.reference("doctors") == []


async def _ctx(hub: Harness):  # type: ignore[no-untyped-def]
    await hub.enable("console")
    return await hub.context("console")


async def test_bad_lists_are_422_and_write_nothing(hub: Harness) -> None:
    await _setup(hub)
    cases = [
        ("doctors", [PETROVA, {**PETROVA, "last_name": "Иванова"}], [1, "id"], "duplicate"),
        (
            "doctors",
            [{**PETROVA, "specialty_id": "S-404"}],
            [0, "specialty_id"],
            "unknown specialty",
        ),
        ("doctors", [{**PETROVA, "last_name": ""}], [0, "last_name"], ""),
        ("doctors", [{**PETROVA, "sex": "ж"}], [0, "sex"], ""),
        ("specialties", [{"id": "S-1"}], [0, "name"], "required"),
        ("services", [{"id": "SRV-1", "name": "Приём", "price": 100}], [0, "price"], "Extra"),
    ]
    for kind, items, loc, words in cases:
        response = await hub.client.put(f"{URL}/{kind}", json=items)
        assert response.status_code == 422, (kind, items, response.text)
        detail = {tuple(e["loc"]): e["msg"] for e in response.json()["errors"]}
        assert ("body", *loc) in detail, detail
        assert words in detail[("body", *loc)]
    assert (await hub.client.get(f"{URL}/doctors")).json()["items"] == []
    not_a_list = await hub.client.put(f"{URL}/doctors", json={"id": "D-7"})
    assert not_a_list.status_code == 422
    unknown = await hub.client.put(f"{URL}/cabinets", json=[])
    assert unknown.status_code == 404
    assert "doctors" in unknown.json()["detail"]


async def test_price_list_sections_are_checked_once_the_clinic_has_any(hub: Harness) -> None:
    await hub.create_clinic("clinic-1")
    free = await hub.client.put(
        f"{URL}/services", json=[{"id": "SRV-1", "name": "Приём", "price_list_section": "PL-A"}]
    )
    assert free.status_code == 200  # no sections sent yet: not checked
    await hub.put_reference("price_list_sections", [{"id": "PL-B", "name": "ДМС"}])
    checked = await hub.client.put(
        f"{URL}/services", json=[{"id": "SRV-1", "name": "Приём", "price_list_section": "PL-A"}]
    )
    assert checked.status_code == 422
