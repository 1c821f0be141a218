"""Templates and mailing schedules over HTTP: the palette, the live preview with the
dative forms, saving; the seven schedule kinds with their own parameters."""

from __future__ import annotations

import re
from contextlib import aclosing

from adminkit import csrf_of, seed_clinic, sign_in

from hub.testing import Harness

TEMPLATES = "/admin/c/clinic-1/templates"
SCHEDULES = "/admin/c/clinic-1/schedules"


async def test_the_palette_and_the_live_preview_with_dative_forms(hub: Harness) -> None:
    await seed_clinic(hub)
    async with aclosing(await sign_in(hub, hub.admin_token)) as client:
        page = await client.get(f"{TEMPLATES}?new=1")
        preview = await client.post(
            f"{TEMPLATES}/preview",
            data={
                "csrf": csrf_of(page.text),
                "body": "Запись к {doctor_dative} ({specialty_dative})",
            },
        )
        unknown = await client.post(
            f"{TEMPLATES}/preview", data={"csrf": csrf_of(page.text), "body": "{nope}"}
        )
    assert 'data-insert="{doctor_dative}"' in page.text
    assert "врачу: «Петровой Анне Сергеевне»" in page.text  # the description
    assert "data-preview>Запись к " in preview.text
    assert re.search(r"data-preview>Запись к \w+ой \w+е \w+е \(врачу-\w+у\)", preview.text)
    assert 'class="flash error"' in unknown.text and "nope" in unknown.text


async def test_a_stray_brace_is_shown_with_where_it_is(hub: Harness) -> None:
    """The page shows the API's message from its problem document as it is."""
    await seed_clinic(hub)
    async with aclosing(await sign_in(hub, hub.admin_token)) as client:
        page = await client.get(f"{TEMPLATES}?new=1")
        stray = await client.post(
            f"{TEMPLATES}/preview", data={"csrf": csrf_of(page.text), "body": "Ждём вас {time"}
        )
    assert 'class="flash error"' in stray.text
    assert "at line 1, column 10" in stray.text and "is never closed" in stray.text


async def test_a_template_is_created_and_edited(hub: Harness) -> None:
    await seed_clinic(hub)
    async with aclosing(await sign_in(hub, hub.admin_token)) as client:
        page = await client.get(f"{TEMPLATES}?new=1")
        form = {
            "csrf": csrf_of(page.text),
            "name": "Врачу о записи",
            "recipient": "doctor",
            "kind": "custom",
            "channel": "sms",
            "body": "К вам записан {patient_full_name} на {date} {time}",
        }
        created = await client.post(TEMPLATES, data=form)
        assert created.status_code == 303
        template_id = int(re.findall(r"id=(\d+)", created.headers["location"])[0])
        edited = await client.post(
            TEMPLATES, data={**form, "id": str(template_id), "body": "Новая запись: {date}"}
        )
        broken = await client.post(TEMPLATES, data={**form, "body": "{unknown_thing}"})
    assert edited.status_code == 303
    saved = (await hub.client.get(f"/api/v1/clinics/clinic-1/templates/{template_id}")).json()
    assert saved["recipient"] == "doctor" and saved["body"] == "Новая запись: {date}"
    assert broken.status_code == 422 and "unknown_thing" in broken.text


async def test_each_kind_has_its_own_parameters(hub: Harness) -> None:
    await seed_clinic(hub)
    async with aclosing(await sign_in(hub, hub.admin_token)) as client:
        days = await client.get(f"{SCHEDULES}?kind=days_before")
        services = await client.get(f"{SCHEDULES}?kind=after_services")
        lab = await client.get(f"{SCHEDULES}?kind=lab_results_ready")
    assert 'name="f.days"' in days.text and 'type="time"' in days.text
    assert 'name="f.services"' in services.text and 'name="f.days_after"' in services.text
    assert 'name="f.only_when_complete"' in lab.text and 'name="f.days"' not in lab.text
    for kind in ("Дней до записи на приём", "Дней до дня рождения", "Выдача дисконтной карты"):
        assert kind in days.text


async def test_a_schedule_is_saved_switched_and_bad_params_named(hub: Harness) -> None:
    await seed_clinic(hub)
    async with aclosing(await sign_in(hub, hub.admin_token)) as client:
        page = await client.get(f"{SCHEDULES}?kind=after_services")
        form = {
            "csrf": csrf_of(page.text),
            "kind": "after_services",
            "name": "Отзыв после приёма",
            "text": "{patient_name_patronymic}, оцените приём",
            "channel": "sms",
            "enabled": "1",
            "communication_status": "Отправили SMS",
            "f.days_after": "1",
            "f.send_time": "13:00",
            "f.services": "SRV-1, SRV-2",
        }
        created = await client.post(SCHEDULES, data=form)
        bad = await client.post(SCHEDULES, data={**form, "f.days_after": "999"})
        assert created.status_code == 303
        schedule_id = int(re.findall(r"id=(\d+)", created.headers["location"])[0])
        off = await client.post(
            f"{SCHEDULES}/{schedule_id}/enabled", data={"csrf": csrf_of(page.text), "enabled": "0"}
        )
        listing = await client.get(SCHEDULES)
    assert off.status_code == 303
    saved = (await hub.client.get(f"/api/v1/clinics/clinic-1/schedules/{schedule_id}")).json()
    assert saved["params"] == {
        "days_after": 1,
        "send_time": "13:00:00",
        "services": ["SRV-1", "SRV-2"],
    }
    assert saved["communication_status"] == "Отправили SMS" and saved["enabled"] is False
    assert bad.status_code == 422
    assert re.search(r'data-field="days_after".*?class="error"', bad.text, re.S)
    assert f'data-schedule="{schedule_id}"' in listing.text and "Выключен" in listing.text


async def test_a_webadmin_reads_templates_and_schedules_but_cannot_change_them(
    hub: Harness,
) -> None:
    await seed_clinic(hub)
    token = await hub.token("webadmin")
    async with aclosing(await sign_in(hub, token)) as client:
        page = await client.get(f"{TEMPLATES}?id=1")
        assert "Напоминание" in page.text and ">Сохранить</button>" not in page.text
        forced = await client.post(
            TEMPLATES,
            data={"csrf": csrf_of(page.text), "id": "1", "name": "x", "body": "взлом"},
        )
    assert forced.status_code == 403
    assert (await hub.client.get("/api/v1/clinics/clinic-1/templates/1")).json()["name"] == (
        "Напоминание"
    )


async def test_a_templates_email_subject_and_html_are_edited_and_previewed(hub: Harness) -> None:
    await seed_clinic(hub)
    async with aclosing(await sign_in(hub, hub.admin_token)) as client:
        page = await client.get(f"{TEMPLATES}?new=1")
        form = {
            "csrf": csrf_of(page.text),
            "name": "Письмо о записи",
            "recipient": "patient",
            "kind": "reminder",
            "channel": "email",
            "body": "Вы записаны на {date} {time}",
            "subject": "Запись на {date}",
            "html": "<p>Вы записаны на <b>{date}</b></p>",
        }
        preview = await client.post(f"{TEMPLATES}/preview", data=form)
        created = await client.post(TEMPLATES, data=form)
        template_id = int(re.findall(r"id=(\d+)", created.headers["location"])[0])
        shown = await client.get(f"{TEMPLATES}?id={template_id}")
        broken = await client.post(TEMPLATES, data={**form, "subject": "Запись {dat}"})
    assert 'name="subject"' in page.text and 'name="html"' in page.text
    assert re.search(r"data-preview-subject>[^<]*<b>Запись на \d\d\.\d\d\.\d{4}</b>", preview.text)
    assert "&lt;p&gt;Вы записаны на &lt;b&gt;" in preview.text  # the HTML shown as source
    saved = (await hub.client.get(f"/api/v1/clinics/clinic-1/templates/{template_id}")).json()
    assert (saved["subject"], saved["html"]) == (form["subject"], form["html"])
    assert 'value="Запись на {date}"' in shown.text
    assert "&lt;p&gt;Вы записаны на &lt;b&gt;{date}&lt;/b&gt;&lt;/p&gt;</textarea>" in shown.text
    assert broken.status_code == 422 and "subject" in broken.text and "dat" in broken.text


async def test_a_schedules_email_subject_is_saved(hub: Harness) -> None:
    await seed_clinic(hub)
    async with aclosing(await sign_in(hub, hub.admin_token)) as client:
        page = await client.get(f"{SCHEDULES}?kind=days_before")
        created = await client.post(
            SCHEDULES,
            data={
                "csrf": csrf_of(page.text),
                "kind": "days_before",
                "text": "Завтра в {time}",
                "subject": "Приём {date}",
                "channel": "email",
                "enabled": "1",
                "f.days": "1",
                "f.send_time": "13:00",
            },
        )
        schedule_id = int(re.findall(r"id=(\d+)", created.headers["location"])[0])
        shown = await client.get(f"{SCHEDULES}?id={schedule_id}")
    assert 'name="subject"' in page.text
    saved = (await hub.client.get(f"/api/v1/clinics/clinic-1/schedules/{schedule_id}")).json()
    assert saved["subject"] == "Приём {date}"
    assert 'value="Приём {date}"' in shown.text
