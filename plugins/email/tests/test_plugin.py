"""The email plugin in a running hub: discovery, one-off e-mails through the journal with
the server's codes and words, the connection check, secrets never shown."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest

from hub import DeliveryResult, OutgoingMessage
from hub.testing import Harness

from .fake_smtp import FakeSmtp, free_port
from .support import CLINIC, LOGIN, PASSWORD, PATIENT, SENDER, settings_for


@pytest.fixture
async def clinic(hub: Harness, server: FakeSmtp) -> str:
    """clinic-1 with its e-mail routed to the plugin, which reaches the fake server."""
    await hub.create_clinic(CLINIC, channels={"email": ["email"]})
    await hub.enable("email", CLINIC, settings=settings_for(server))
    await hub.put_patient("P-1", clinic=CLINIC, phones=[], email=PATIENT)
    return CLINIC


def mail(**fields: object) -> OutgoingMessage:
    values: dict[str, object] = {
        "id": 1,
        "clinic_id": CLINIC,
        "kind": "one_off",
        "channel": "email",
        "address": PATIENT,
        "text": "Ждём вас завтра в 10:30",
        "subject": "Напоминание о приёме",
        "idempotency_key": "k-1",
        **fields,
    }
    return OutgoingMessage(**values)  # type: ignore[arg-type]


async def send(hub: Harness, **body: object) -> int:
    payload = {"patient_id": "P-1", "channel": "email", "text": "Ждём вас завтра", **body}
    response = await hub.client.post(f"/api/v1/clinics/{CLINIC}/messages", json=payload)
    assert response.status_code in (200, 201, 202), response.text
    return int(response.json()["message"]["id"])


async def test_plugin_is_discovered_with_its_settings_schema(hub: Harness) -> None:
    listed = (await hub.client.get("/api/v1/plugins")).json()["items"]
    plugin = {p["name"]: p for p in listed}["email"]
    assert plugin["status"] == "loaded" and plugin["distribution"] == "clinic-hub-email"
    assert plugin["channels"] == ["email"]
    schema = plugin["settings_schema"]
    assert set(schema["required"]) == {"host", "sender"}
    assert schema["properties"]["password"]["anyOf"][0]["writeOnly"] is True
    assert set(plugin["hooks"]) == {
        "check_settings",
        "register_channels",
        "register_settings_model",
        "send_message",
    }


async def test_hook_send_message_sends_subject_text_and_html(
    hub: Harness, clinic: str, server: FakeSmtp
) -> None:
    result = await hub.call(
        "email", "send_message", message=mail(html="<p>Ждём вас <b>завтра</b></p>")
    )
    assert isinstance(result, DeliveryResult) and result.outcome == "accepted"
    (got,) = server.received
    assert result.provider_message_id == got.message["Message-ID"]
    assert got.message["Subject"] == "Напоминание о приёме"
    assert got.message.get_content_type() == "multipart/alternative"
    assert (got.login, got.tls, got.sender) == (LOGIN, True, SENDER)


async def test_hook_send_message_ignores_other_channels(
    hub: Harness, clinic: str, server: FakeSmtp
) -> None:
    sms = mail(channel="sms", address="+79181234567", subject=None)
    assert await hub.call("email", "send_message", message=sms) is None
    assert server.received == []


async def test_a_one_off_email_is_sent_and_journaled(
    hub: Harness, clinic: str, server: FakeSmtp
) -> None:
    message_id = await send(hub, subject="Результаты анализов готовы")
    await hub.drain()
    detail = await hub.message(message_id)
    assert (detail["status"], detail["provider"], detail["channel"]) == ("sent", "email", "email")
    (got,) = server.received
    assert got.recipients == [PATIENT]
    assert got.message["Subject"] == "Результаты анализов готовы"
    assert got.message.get_content().strip() == "Ждём вас завтра"


async def test_without_a_subject_the_default_subject_is_used(
    hub: Harness, clinic: str, server: FakeSmtp
) -> None:
    await send(hub)
    await hub.drain()
    assert server.received[0].message["Subject"] == "Сообщение из клиники"


async def test_an_unknown_mailbox_fails_with_the_servers_code_and_words(
    hub: Harness, clinic: str, server: FakeSmtp
) -> None:
    server.mailboxes.clear()
    message_id = await send(hub)
    await hub.drain()
    detail = await hub.message(message_id)
    assert (detail["status"], detail["error_code"]) == ("failed", "550")
    assert "User unknown" in detail["error"]


async def test_a_busy_server_is_retried(hub: Harness, clinic: str, server: FakeSmtp) -> None:
    server.replies["MAIL"] = "421 4.7.0 Too many connections, slow down"
    message_id = await send(hub)
    await hub.drain()
    detail = await hub.message(message_id)
    assert detail["status"] == "queued" and server.received == []
    hub.clock.advance(3600)
    await hub.drain()
    assert (await hub.message(message_id))["status"] == "sent"
    assert len(server.received) == 1


async def test_a_refused_login_is_the_accounts_fault_and_never_shows_the_password(
    hub: Harness, clinic: str, server: FakeSmtp, caplog: pytest.LogCaptureFixture
) -> None:
    server.users[LOGIN] = "changed-by-the-admin"
    caplog.set_level(logging.DEBUG)
    result = await hub.call("email", "send_message", message=mail())
    assert (result.outcome, result.error_code, result.provider_side) == ("permanent", "535", True)
    message_id = await send(hub)
    await hub.drain()
    detail = await hub.message(message_id)
    assert (detail["status"], detail["error_code"]) == ("failed", "535")
    assert PASSWORD not in str(detail) and PASSWORD not in caplog.text


async def test_the_check_connects_and_logs_in(hub: Harness, clinic: str, server: FakeSmtp) -> None:
    check = (await hub.client.post(f"/api/v1/clinics/{CLINIC}/plugins/email/check")).json()
    assert check["ok"] is True, check
    assert check["details"]["encrypted"] is True and check["details"]["logged_in"] is True
    assert server.received == [] and server.logins == [(LOGIN, True)]


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"password": "wrong-password"}, "refused the login 'reminders'"),
        ({"ca_certificate": None}, "secure connection"),
        ({"security": "starttls", "timeout_seconds": 1}, "could not be reached"),
    ],
)
async def test_the_check_says_what_to_fix(
    hub: Harness, clinic: str, server: FakeSmtp, change: dict[str, object], words: str
) -> None:
    await hub.enable("email", CLINIC, settings=settings_for(server, **change))
    check = (await hub.client.post(f"/api/v1/clinics/{CLINIC}/plugins/email/check")).json()
    assert check["ok"] is False
    assert words in " ".join(check["problems"])
    assert "wrong-password" not in str(check)


async def test_the_check_of_a_server_that_is_not_there(hub: Harness, clinic: str) -> None:
    nowhere = FakeSmtp(port=free_port())
    await hub.enable("email", CLINIC, settings=settings_for(nowhere, timeout_seconds=1))
    check = (await hub.client.post(f"/api/v1/clinics/{CLINIC}/plugins/email/check")).json()
    assert check["ok"] is False and "could not be reached" in check["problems"][0]


async def test_saving_with_check_refuses_a_wrong_password_and_never_echoes_it(
    hub: Harness, clinic: str, server: FakeSmtp
) -> None:
    response = await hub.client.put(
        f"/api/v1/clinics/{CLINIC}/plugins/email",
        params={"check": "true"},
        json={"enabled": True, "settings": settings_for(server, password="wrong-password")},
    )
    assert response.status_code == 422 and "refused the login" in response.text
    assert "wrong-password" not in response.text
    shown = (await hub.client.get(f"/api/v1/clinics/{CLINIC}/plugins/email")).json()
    assert PASSWORD not in str(shown) and shown["settings"]["password"].startswith("••••")


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"sender": "not-an-address"}, "e-mail address"),
        ({"host": "smtp://mail.example"}, "host name"),
        ({"password": None}, "password is required"),
        ({"client_certificate": "not a pem"}, "PEM certificate"),
    ],
)
async def test_bad_settings_are_a_422_naming_the_field(
    hub: Harness,
    clinic: str,
    start_server: Callable[..., FakeSmtp],
    change: dict[str, object],
    words: str,
) -> None:
    server = start_server()
    response = await hub.client.put(
        f"/api/v1/clinics/{CLINIC}/plugins/email",
        json={"enabled": True, "settings": settings_for(server, **change)},
    )
    assert response.status_code == 422 and words in response.text


async def test_a_subject_on_another_channel_is_a_422(hub: Harness, clinic: str) -> None:
    response = await hub.client.post(
        f"/api/v1/clinics/{CLINIC}/messages",
        json={"phone": "+79181234567", "text": "Ждём вас", "subject": "Приём"},
    )
    assert response.status_code == 422
    assert "subject and html are for the email channel only" in response.text
