"""Where an e-mail's subject and HTML part come from, end to end to the SMTP server.

    explicit subject (the send's, the schedule's, the mailing's)
      > the template's subject
      > the clinic's ``reminders.subject`` (appointment reminders)
      > the plugin's ``default_subject``

The HTML part is the template's ``html`` (values HTML-escaped) or the send's own; other
channels ignore both.  Answer links in the stored subject and HTML are masked once the
message is handed over, like the text's.
"""

from __future__ import annotations

import datetime as dt
import email.message
from typing import Any

import pytest
import sqlalchemy as sa

from hub.db.models import Message
from hub.testing import Harness

from .fake_smtp import FakeSmtp
from .support import CLINIC, PATIENT, settings_for

BODY = "{patient_name_patronymic}, ждём вас {date} в {time}. Ответ: {confirm_link}"
SUBJECT = "Приём {date} в {time}"
HTML = (
    "<p>{patient_name_patronymic}, ждём вас <b>{date}</b> в {time}.</p>"
    '<p><a href="{confirm_link}">Подтвердить</a></p><style>p {{ margin: 0 }}</style>'
)
TEMPLATES = f"/api/v1/clinics/{CLINIC}/templates"


@pytest.fixture
def hub_plugin_names() -> list[str]:
    return ["email", "console"]


@pytest.fixture
async def clinic(hub: Harness, server: FakeSmtp) -> str:
    """A clinic that e-mails through ``server`` and texts through the console; patient
    P-1 (Мария Петровна, e-mail and mobile) has appointment A-1 tomorrow at 10:30."""
    await hub.create_clinic(
        CLINIC,
        channels={"sms": ["console"], "email": ["email"]},
        reminders={"channel": "email", "subject": "Напоминание клиники"},
    )
    await hub.enable("console", CLINIC)
    await hub.enable("email", CLINIC, settings=settings_for(server))
    await hub.seed_reference(CLINIC)
    await hub.put_patient(
        "P-1",
        clinic=CLINIC,
        last_name="Иванова",
        first_name="Мария",
        middle_name="Петровна",
        phones=["+7 918 123-45-67"],
        email=PATIENT,
    )
    await hub.put_appointment("A-1", clinic=CLINIC, patient_id="P-1")
    return CLINIC


async def template(hub: Harness, **fields: Any) -> int:
    body = {"name": "Напоминание", "body": BODY, "channel": "email", **fields}
    response = await hub.client.post(TEMPLATES, json=body)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def remind(hub: Harness, **request: Any) -> int:
    """Run the reminders for tomorrow; the one message's id."""
    response = await hub.client.post(f"/api/v1/clinics/{CLINIC}/reminders/run", json=request)
    assert response.status_code == 200, response.text
    (recipient,) = response.json()["recipients"]
    return int(recipient["message_id"])


async def stored(hub: Harness, message_id: int) -> Message:
    async with hub.runtime.db.session() as session:
        row = (await session.execute(sa.select(Message).where(Message.id == message_id))).scalar()  # type: ignore[arg-type]
    assert row is not None
    return row


def html_part(message: email.message.EmailMessage) -> str | None:
    part = message.get_body(preferencelist=("html",))
    return None if part is None or part.get_content_type() != "text/html" else part.get_content()


def tomorrow(hub: Harness) -> str:
    return (hub.runtime.clock.now().date() + dt.timedelta(days=1)).strftime("%d.%m.%Y")


async def test_a_reminder_takes_the_templates_subject_and_html(
    hub: Harness, clinic: str, server: FakeSmtp
) -> None:
    await template(hub, subject=SUBJECT, html=HTML, is_default=True)
    message_id = await remind(hub)
    await hub.drain()

    (got,) = server.received
    assert got.message["Subject"] == f"Приём {tomorrow(hub)} в 10:30"
    assert got.message.get_content_type() == "multipart/alternative"
    html = html_part(got.message)
    assert html is not None and "Мария Петровна, ждём вас <b>" in html
    assert "p { margin: 0 }" in html
    plain = got.message.get_body(preferencelist=("plain",))
    assert plain is not None and "Мария Петровна, ждём вас" in plain.get_content()
    link = html.split('href="')[1].split('"')[0]
    assert "/r/" in link and link in plain.get_content()  # one answer link in both parts

    row = await stored(hub, message_id)
    assert (row.status, row.subject) == ("sent", f"Приём {tomorrow(hub)} в 10:30")
    token = link.rsplit("/r/", 1)[1]
    assert row.html is not None and token not in row.html and "/r/…" + token[-4:] in row.html
    assert token not in row.text
    detail = await hub.message(message_id)
    assert detail["html"] == row.html and token not in detail["html"]


async def test_without_a_template_subject_the_clinics_reminder_subject_is_used(
    hub: Harness, clinic: str, server: FakeSmtp
) -> None:
    await template(hub, is_default=True)
    await remind(hub)
    await hub.drain()
    (got,) = server.received
    assert got.message["Subject"] == "Напоминание клиники"
    assert got.message.get_content_type() == "text/plain"


async def test_a_schedules_subject_overrides_the_templates(
    hub: Harness, clinic: str, server: FakeSmtp
) -> None:
    template_id = await template(hub, subject=SUBJECT, html=HTML)
    response = await hub.client.post(
        f"/api/v1/clinics/{CLINIC}/schedules",
        json={
            "kind": "days_before",
            "params": {"days": 1, "send_time": "13:00"},
            "template_id": template_id,
            "channel": "email",
            "subject": "Завтра приём у {doctor_dative_short}",
        },
    )
    assert response.status_code == 201, response.text
    assert response.json()["subject"] == "Завтра приём у {doctor_dative_short}"
    await remind(hub, schedule_id=response.json()["id"])
    await hub.drain()
    (got,) = server.received
    assert got.message["Subject"].startswith("Завтра приём у ")
    assert "{" not in got.message["Subject"]
    assert html_part(got.message) is not None  # the template's HTML still goes


async def test_a_schedule_without_a_subject_uses_the_templates(
    hub: Harness, clinic: str, server: FakeSmtp
) -> None:
    template_id = await template(hub, subject="Тема шаблона")
    response = await hub.client.post(
        f"/api/v1/clinics/{CLINIC}/schedules",
        json={
            "kind": "days_before",
            "params": {"days": 1, "send_time": "13:00"},
            "template_id": template_id,
            "channel": "email",
        },
    )
    await remind(hub, schedule_id=response.json()["id"])
    await hub.drain()
    assert server.received[0].message["Subject"] == "Тема шаблона"


async def test_a_bad_schedule_subject_is_a_422_naming_subject(hub: Harness, clinic: str) -> None:
    response = await hub.client.post(
        f"/api/v1/clinics/{CLINIC}/schedules",
        json={
            "kind": "days_before",
            "params": {"days": 1, "send_time": "13:00"},
            "text": "Завтра в {time}",
            "channel": "email",
            "subject": "Приём {tiem}",
        },
    )
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert error["loc"] == ["body", "subject"] and "{tiem}" in error["msg"]


async def test_a_one_off_send_with_a_template_takes_its_subject_and_html(
    hub: Harness, clinic: str, server: FakeSmtp
) -> None:
    template_id = await template(hub, subject=SUBJECT, html=HTML)
    response = await hub.client.post(
        f"/api/v1/clinics/{CLINIC}/messages",
        json={"appointment_id": "A-1", "template_id": template_id, "channel": "email"},
    )
    assert response.status_code == 201, response.text
    await hub.drain()
    (got,) = server.received
    assert got.message["Subject"] == f"Приём {tomorrow(hub)} в 10:30"
    assert "/r/" in (html_part(got.message) or "")


async def test_a_one_off_sends_own_subject_and_html_win_over_the_templates(
    hub: Harness, clinic: str, server: FakeSmtp
) -> None:
    template_id = await template(hub, subject=SUBJECT, html=HTML)
    response = await hub.client.post(
        f"/api/v1/clinics/{CLINIC}/messages",
        json={
            "appointment_id": "A-1",
            "template_id": template_id,
            "channel": "email",
            "subject": "Срочно: перенос приёма",
            "html": "<p>Приём переносится</p>",
        },
    )
    assert response.status_code == 201, response.text
    await hub.drain()
    (got,) = server.received
    assert got.message["Subject"] == "Срочно: перенос приёма"
    assert (html_part(got.message) or "").strip() == "<p>Приём переносится</p>"


async def test_a_one_off_send_with_a_subject(hub: Harness, clinic: str, server: FakeSmtp) -> None:
    response = await hub.client.post(
        f"/api/v1/clinics/{CLINIC}/messages",
        json={"patient_id": "P-1", "text": "Анализы готовы", "channel": "email", "subject": "Ёж"},
    )
    assert response.status_code == 201, response.text
    await hub.drain()
    assert server.received[0].message["Subject"] == "Ёж"
    assert (await hub.message(response.json()["message"]["id"]))["subject"] == "Ёж"


async def test_sms_ignores_the_templates_subject_and_html(
    hub: Harness, clinic: str, server: FakeSmtp
) -> None:
    patched = await hub.client.patch(
        f"/api/v1/clinics/{CLINIC}", json={"reminders": {"channel": "sms"}}
    )
    assert patched.status_code == 200, patched.text
    await template(hub, channel="sms", subject=SUBJECT, html=HTML, is_default=True)
    message_id = await remind(hub)
    await hub.drain()
    row = await stored(hub, message_id)
    assert (row.channel, row.status, row.subject, row.html) == ("sms", "sent", None, None)
    assert server.received == []

    template_id = await template(hub, name="SMS", channel="sms", subject=SUBJECT, html=HTML)
    response = await hub.client.post(
        f"/api/v1/clinics/{CLINIC}/messages",
        json={"appointment_id": "A-1", "template_id": template_id},
    )
    assert response.status_code == 201, response.text
    row = await stored(hub, int(response.json()["message"]["id"]))
    assert (row.channel, row.subject, row.html) == ("sms", None, None)


async def test_a_mailing_subject_wins_and_goes_to_each_patient(
    hub: Harness, clinic: str, server: FakeSmtp
) -> None:
    template_id = await template(
        hub, kind="mailing", body="Здравствуйте, {patient_first_name}!", subject="Новости"
    )
    day = (hub.runtime.clock.now().date() + dt.timedelta(days=1)).isoformat()
    request = {"period_from": day, "period_to": day, "template_id": template_id}
    bad = await hub.client.post(
        f"/api/v1/clinics/{CLINIC}/mailings", json={**request, "subject": "Для вас"}
    )
    assert bad.status_code == 422 and "email channel only" in bad.text
    response = await hub.client.post(
        f"/api/v1/clinics/{CLINIC}/mailings",
        json={**request, "channel": "email", "subject": "Для вас, {patient_first_name}"},
    )
    assert response.status_code == 201, response.text
    assert (response.json()["queued"], response.json()["subject"]) == (
        1,
        "Для вас, {patient_first_name}",
    )
    await hub.drain()
    assert server.received[0].message["Subject"] == "Для вас, Мария"


async def test_a_mailing_without_a_subject_takes_the_templates(
    hub: Harness, clinic: str, server: FakeSmtp
) -> None:
    template_id = await template(
        hub, kind="mailing", body="Здравствуйте, {patient_first_name}!", subject="Новости"
    )
    day = (hub.runtime.clock.now().date() + dt.timedelta(days=1)).isoformat()
    response = await hub.client.post(
        f"/api/v1/clinics/{CLINIC}/mailings",
        json={"period_from": day, "period_to": day, "template_id": template_id, "channel": "email"},
    )
    assert response.status_code == 201, response.text
    await hub.drain()
    assert server.received[0].message["Subject"] == "Новости"


async def test_the_links_a_fallback_keeps_are_masked_once_handed_over(
    hub: Harness, clinic: str, server: FakeSmtp
) -> None:
    patched = await hub.client.patch(
        f"/api/v1/clinics/{CLINIC}", json={"reminders": {"channels": ["email", "sms"]}}
    )
    assert patched.status_code == 200, patched.text
    await template(hub, subject="Ответ: {confirm_link}", html=HTML, is_default=True)
    message_id = await remind(hub)
    queued = await stored(hub, message_id)
    assert queued.fallback is not None and queued.fallback["channels"] == ["sms"]
    assert queued.html == queued.fallback["html"] and "/r/…" not in (queued.html or "")
    await hub.drain()

    sent = await stored(hub, message_id)
    assert sent.status == "sent" and sent.fallback is not None
    for kept in (sent.subject, sent.html, sent.fallback["subject"], sent.fallback["html"]):
        assert kept is not None and "/r/…" in kept
    assert "/r/…" not in server.received[0].message["Subject"]
