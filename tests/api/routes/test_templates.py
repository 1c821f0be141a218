"""Templates API: CRUD, placeholders checked at save time, previews with SMS parts."""

from __future__ import annotations

from typing import Any

import pytest

from hub.testing import Harness

BODY = (
    "{patient_name_patronymic}, напоминаем о записи к {specialty_dative} {doctor_dative_short} "
    "{date} ({weekday}) в {time}, каб. {cabinet}. {clinic_name}"
)
URL = "/api/v1/clinics/clinic-1/templates"


async def _create(hub: Harness, **fields: Any) -> dict[str, Any]:
    body = {"name": "Напоминание", "body": BODY, **fields}
    response = await hub.client.post(URL, json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def test_crud(hub: Harness) -> None:
    await hub.create_clinic("clinic-1")
    created = await _create(hub, recipient="patient", kind="reminder", is_default=True)
    assert created["placeholders"][:3] == [
        "patient_name_patronymic",
        "specialty_dative",
        "doctor_dative_short",
    ]
    listed = (await hub.client.get(URL)).json()["items"]
    assert [t["id"] for t in listed] == [created["id"]]
    patched = await hub.client.patch(f"{URL}/{created['id']}", json={"name": "Завтра приём"})
    assert patched.json()["name"] == "Завтра приём"
    assert patched.json()["body"] == BODY
    assert (await hub.client.get(f"{URL}/{created['id']}")).json()["name"] == "Завтра приём"
    assert (await hub.client.delete(f"{URL}/{created['id']}")).status_code == 204
    assert (await hub.client.get(f"{URL}/{created['id']}")).status_code == 404


async def test_one_default_per_kind(hub: Harness) -> None:
    await hub.create_clinic("clinic-1")
    first = await _create(hub, is_default=True)
    second = await _create(hub, name="Другое", is_default=True)
    other_kind = await _create(hub, name="Рассылка", kind="mailing", is_default=True)
    flags = {t["id"]: t["is_default"] for t in (await hub.client.get(URL)).json()["items"]}
    assert flags == {first["id"]: False, second["id"]: True, other_kind["id"]: True}


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ("Здравствуйте, {patient_nmae}!", "{patient_nmae}"),
        ("{date} {Фамилия} {foo}", "{Фамилия}, {foo}"),
        ("{date:%d}", "may not have a format"),
        ("Скобка { без пары", "the '{' at line 1, column 8"),
        ("{}", "empty placeholder"),
    ],
)
async def test_bad_placeholder_is_rejected_by_name(hub: Harness, body: str, named: str) -> None:
    await hub.create_clinic("clinic-1")
    response = await hub.client.post(URL, json={"name": "x", "body": body})
    assert response.status_code == 422
    assert named in response.json()["errors"][0]["msg"]
    assert (await hub.client.get(URL)).json()["items"] == []


async def test_update_with_an_unknown_placeholder_keeps_the_old_body(hub: Harness) -> None:
    await hub.create_clinic("clinic-1")
    created = await _create(hub)
    response = await hub.client.patch(f"{URL}/{created['id']}", json={"body": "{oops}"})
    assert response.status_code == 422
    assert (await hub.client.get(f"{URL}/{created['id']}")).json()["body"] == BODY


async def test_preview_with_the_sample_appointment(hub: Harness) -> None:
    await hub.create_clinic("clinic-1", address="ул. Ленина, 1", phone="+74951234567")
    created = await _create(hub)
    response = await hub.client.post(f"{URL}/{created['id']}/preview")
    assert response.status_code == 200, response.text
    preview = response.json()
    # the frozen clock is Monday 23.11.2026: the sample is tomorrow at 10:30
    assert preview["text"] == (
        "Иван Иванович, напоминаем о записи к врачу-терапевту Петровой А. С. "
        "24.11.2026 (вторник) в 10:30, каб. 214. Клиника clinic-1"
    )
    assert (preview["encoding"], preview["characters"], preview["parts"]) == (
        "UCS-2",
        len(preview["text"]),
        2,
    )
    assert (preview["sample"], preview["sendable"], preview["missing"]) == (True, True, [])


@pytest.mark.parametrize(
    ("body", "encoding", "characters", "parts"),
    [
        ("Priem {date} v {time}", "GSM-7", 24, 1),
        ("x" * 150 + " {time}", "GSM-7", 156, 1),
        ("x" * 160 + " {time}", "GSM-7", 166, 2),
        ("Приём {date}", "UCS-2", 16, 1),
        ("я" * 64 + " {time}", "UCS-2", 70, 1),
        ("я" * 65 + " {time}", "UCS-2", 71, 2),
    ],
)
async def test_preview_counts_characters_and_sms_parts(
    hub: Harness, body: str, encoding: str, characters: int, parts: int
) -> None:
    await hub.create_clinic("clinic-1")
    response = await hub.client.post(f"{URL}/preview", json={"body": body})
    assert response.status_code == 200, response.text
    preview = response.json()
    assert (preview["encoding"], preview["characters"], preview["parts"]) == (
        encoding,
        characters,
        parts,
    )


async def test_preview_reports_empty_placeholders(hub: Harness) -> None:
    await hub.create_clinic("clinic-1")  # no address
    preview = (
        await hub.client.post(
            f"{URL}/preview", json={"body": "Ждём по адресу {clinic_address}. {confirm_link}"}
        )
    ).json()
    assert preview["missing"] == ["clinic_address"]  # the sample has a confirm link
    assert preview["sendable"] is False


async def test_placeholders_are_listed_with_samples(hub: Harness) -> None:
    await hub.create_clinic("clinic-1")
    listed = {p["name"]: p for p in (await hub.client.get(f"{URL}/placeholders")).json()}
    assert listed["doctor_dative"]["sample"] == "Петровой Анне Сергеевне"
    assert listed["weekday"]["sample"] == "вторник"
    assert "Пациент_ФИО" in listed["patient_full_name"]["aliases"]


async def test_aliases_of_the_old_systems_render(hub: Harness) -> None:
    await hub.create_clinic("clinic-1")
    preview = (
        await hub.client.post(
            f"{URL}/preview", json={"body": "{Пациент_ФИО}: {Дата} {Время}, {Специалист}"}
        )
    ).json()
    assert preview["text"] == "Иванов Иван Иванович: 24.11.2026 10:30, Петрова Анна Сергеевна"


async def test_preview_of_an_unknown_appointment_is_422(hub: Harness) -> None:
    await hub.create_clinic("clinic-1")
    response = await hub.client.post(
        f"{URL}/preview", json={"body": "{date}", "appointment_id": "A-404"}
    )
    assert response.status_code == 422
    assert "A-404" in response.json()["detail"]


async def test_clinic_token_of_another_clinic_is_refused(hub: Harness) -> None:
    await hub.create_clinic("clinic-1")
    await hub.create_clinic("clinic-2")
    other = hub.client_for(await hub.token("clinic", "clinic-2"))
    assert (await other.get(URL)).status_code == 403
    webadmin = hub.client_for(await hub.token("webadmin"))
    assert (await webadmin.get(URL)).status_code == 200
    assert (await webadmin.post(URL, json={"name": "x", "body": "y"})).status_code == 403


# --- e-mail: subject and HTML body --------------------------------------------------------

SUBJECT = "Запись {date} в {time}"
HTML = "<p>{patient_name_patronymic}, ждём вас <b>{date}</b>.</p><style>p {{ margin: 0 }}</style>"


async def test_a_template_keeps_its_email_subject_and_html(hub: Harness) -> None:
    await hub.create_clinic("clinic-1")
    created = await _create(hub, channel="email", subject=SUBJECT, html=HTML)
    assert (created["subject"], created["html"]) == (SUBJECT, HTML)
    assert "patient_name_patronymic" in created["placeholders"]
    got = (await hub.client.get(f"{URL}/{created['id']}")).json()
    assert (got["subject"], got["html"]) == (SUBJECT, HTML)

    kept = await hub.client.patch(f"{URL}/{created['id']}", json={"name": "Другое"})
    assert (kept.json()["subject"], kept.json()["html"]) == (SUBJECT, HTML)
    cleared = await hub.client.patch(f"{URL}/{created['id']}", json={"subject": "", "html": None})
    assert (cleared.json()["subject"], cleared.json()["html"]) == (None, None)


async def test_a_template_without_email_parts_has_none(hub: Harness) -> None:
    await hub.create_clinic("clinic-1")
    created = await _create(hub)
    assert (created["subject"], created["html"]) == (None, None)


@pytest.mark.parametrize(
    ("field", "value", "named"),
    [
        ("subject", "Запись {data}", "{data}"),
        ("subject", "Строка\nвторая", "one line"),
        ("html", "<p>{patient_nmae}</p>", "{patient_nmae}"),
        ("html", "<style>p { margin: 0 }</style>", "may not have a format"),
    ],
)
async def test_a_bad_subject_or_html_is_422_naming_the_field(
    hub: Harness, field: str, value: str, named: str
) -> None:
    await hub.create_clinic("clinic-1")
    response = await hub.client.post(URL, json={"name": "x", "body": BODY, field: value})
    assert response.status_code == 422, response.text
    (error,) = response.json()["errors"]
    assert error["loc"] == ["body", field]
    assert named in error["msg"]
    assert (await hub.client.get(URL)).json()["items"] == []


async def test_a_bad_subject_in_an_update_keeps_the_template(hub: Harness) -> None:
    await hub.create_clinic("clinic-1")
    created = await _create(hub, subject=SUBJECT)
    response = await hub.client.patch(f"{URL}/{created['id']}", json={"subject": "{oops}"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "subject"]
    assert (await hub.client.get(f"{URL}/{created['id']}")).json()["subject"] == SUBJECT


async def test_preview_renders_the_subject_and_escapes_values_in_html(hub: Harness) -> None:
    await hub.create_clinic("clinic-1", name="Клиника <Здоровье> & Ко")
    created = await _create(
        hub, channel="email", subject="{clinic_name}: приём {date}", html="<h1>{clinic_name}</h1>"
    )
    preview = (await hub.client.post(f"{URL}/{created['id']}/preview", json={})).json()
    assert preview["subject"].startswith("Клиника <Здоровье> & Ко: приём ")
    assert preview["html"] == "<h1>Клиника &lt;Здоровье&gt; &amp; Ко</h1>"

    given = await hub.client.post(
        f"{URL}/preview", json={"body": "{date}", "subject": "{cabinet}", "html": "<i>{date}</i>"}
    )
    assert given.status_code == 200, given.text
    assert given.json()["html"].startswith("<i>") and given.json()["subject"] is not None
