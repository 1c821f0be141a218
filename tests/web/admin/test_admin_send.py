"""Sending by hand over HTTP: from an appointment (the default template rendered,
parts, estimate, balance), to a phone, a group mailing's preview and send, and a
webadmin who may not send."""

from __future__ import annotations

import re
from contextlib import aclosing

from adminkit import csrf_of, form_value, seed_clinic, sign_in

from hub.testing import Harness

SEND = "/admin/c/clinic-1/send"
TOMORROW = "2026-11-24"


async def test_from_an_appointment_the_default_template_is_prefilled(hub: Harness) -> None:
    await seed_clinic(hub)
    async with aclosing(await sign_in(hub, hub.admin_token)) as client:
        page = await client.get(f"{SEND}?day={TOMORROW}&appointment=A-1")
    text = page.text
    assert page.status_code == 200
    assert "Иванов Иван Иванович" in text
    assert "Иван Иванович, ждём вас 24.11.2026 в 10:30, запись к Петровой А. С." in text
    assert re.search(r"data-parts>\d+<", text)
    assert "data-estimate>" in text and "data-balance>1\u00a0234,56 руб." in text


async def test_sending_from_an_appointment_reaches_the_journal(hub: Harness) -> None:
    await seed_clinic(hub)
    async with aclosing(await sign_in(hub, hub.admin_token)) as client:
        page = await client.get(f"{SEND}?day={TOMORROW}&appointment=A-1")
        response = await client.post(
            SEND,
            data={
                "csrf": csrf_of(page.text),
                "appointment_id": "A-1",
                "kind": form_value(page.text, "kind"),
                "text": "Иван Иванович, ждём вас завтра в 10:30.",
            },
        )
        assert response.status_code == 303
        message_id = int(response.headers["location"].rsplit("=", 1)[1])
        await hub.drain()
        journal = await client.get("/admin/journal?find=1")
    message = await hub.message(message_id)
    assert message["appointment_id"] == "A-1" and message["status"] == "sent"
    assert message["text"] == "Иван Иванович, ждём вас завтра в 10:30."
    assert f'data-id="{message_id}"' in journal.text


async def test_free_text_to_a_phone_and_a_bad_number_named(hub: Harness) -> None:
    await seed_clinic(hub)
    async with aclosing(await sign_in(hub, hub.admin_token)) as client:
        page = await client.get(SEND)
        csrf = csrf_of(page.text)
        ok = await client.post(
            SEND, data={"csrf": csrf, "phone": "8 918 555-44-33", "text": "Проверка"}
        )
        bad = await client.post(SEND, data={"csrf": csrf, "phone": "12", "text": "Проверка"})
    assert ok.status_code == 303
    (row,) = (await hub.journal("clinic-1"))["items"]
    assert row["phone"] == "+79185554433"
    assert bad.status_code == 422 and 'class="flash error"' in bad.text


async def test_the_meter_counts_parts_as_one_types(hub: Harness) -> None:
    await seed_clinic(hub)
    async with aclosing(await sign_in(hub, hub.admin_token)) as client:
        page = await client.get(SEND)
        short = await client.post(
            f"{SEND}/meter", data={"csrf": csrf_of(page.text), "text": "Привет"}
        )
        long = await client.post(
            f"{SEND}/meter", data={"csrf": csrf_of(page.text), "text": "Я" * 100}
        )
    assert "data-parts>1<" in short.text and "UCS-2" in short.text
    assert "data-parts>2<" in long.text
    assert "data-estimate>5,00 руб." in long.text


async def test_a_webadmin_is_not_offered_sending_and_is_refused(hub: Harness) -> None:
    await seed_clinic(hub)
    token = await hub.token("webadmin")
    async with aclosing(await sign_in(hub, token)) as client:
        page = await client.get(f"{SEND}?day={TOMORROW}&appointment=A-1")
        assert "Отправлять сообщения может только администратор." in page.text
        assert ">Отправить</button>" not in page.text
        forced = await client.post(
            SEND, data={"csrf": csrf_of(page.text), "phone": "+79185554433", "text": "x"}
        )
    assert forced.status_code == 403
    assert (await hub.journal("clinic-1"))["total"] == 0


async def test_a_group_mailing_previews_who_gets_what_then_sends(hub: Harness) -> None:
    await seed_clinic(hub)
    await hub.put_patient("P-2", last_name="Сидоров", first_name="Олег", phones=[])
    await hub.put_appointment(
        "A-2", patient_id="P-2", start=f"{TOMORROW}T12:00:00", end=f"{TOMORROW}T12:30:00"
    )
    async with aclosing(await sign_in(hub, hub.admin_token)) as client:
        page = await client.get("/admin/c/clinic-1/mailing")
        form = {
            "csrf": csrf_of(page.text),
            "period_from": TOMORROW,
            "period_to": TOMORROW,
            "template_id": re.findall(r'<option value="(\d+)"', page.text)[0],
        }
        preview = await client.post("/admin/c/clinic-1/mailing", data={**form, "go": "preview"})
        assert (await hub.journal("clinic-1"))["total"] == 0
        sent = await client.post("/admin/c/clinic-1/mailing", data={**form, "go": "send"})
    assert preview.status_code == 200
    assert "data-queue>1<" in preview.text and "data-skipped>1<" in preview.text
    assert "Иван Иванович, ждём вас 24.11.2026 в 10:30" in preview.text
    assert "P-2 / A-2" in preview.text
    assert "data-created=" in sent.text
    assert (await hub.journal("clinic-1"))["total"] == 1
