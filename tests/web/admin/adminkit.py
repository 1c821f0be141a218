"""Helpers of the admin-page tests: a clinic with the test gateway, a journal of known
messages, and a browser-like client that signs in through the form."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import httpx
from gateway_plugin import RIGHT_KEY

from hub.testing import Harness

#: loopback: the session cookie is not ``Secure`` on plain HTTP here (as in a browser).
PAGE_URL = "http://localhost"
TZ = "Asia/Vladivostok"
REMINDER = (
    "{patient_name_patronymic}, ждём вас {date} в {time}, запись к {doctor_dative_short}"
    " ({specialty}), каб. {cabinet}."
)


async def seed_clinic(hub: Harness, key: str = RIGHT_KEY) -> None:
    """``clinic-1`` in Vladivostok, the gateway enabled (its key ``key``) as the SMS
    provider, the reference data, patient P-1001 and appointment A-1 tomorrow 10:30."""
    await hub.create_clinic("clinic-1", name="Клиника «Здоровье»", timezone=TZ)
    await hub.enable("gateway", settings={"api_key": key})
    response = await hub.client.patch(
        "/api/v1/clinics/clinic-1", json={"channels": {"sms": ["gateway"]}}
    )
    assert response.status_code == 200, response.text
    await hub.seed_reference()
    await hub.put_patient()
    await hub.put_appointment("A-1")
    response = await hub.client.post(
        "/api/v1/clinics/clinic-1/templates",
        json={"name": "Напоминание", "kind": "reminder", "is_default": True, "body": REMINDER},
    )
    assert response.status_code == 201, response.text


async def _send(hub: Harness, phone: str, text: str, name: str) -> int:
    response = await hub.client.post(
        "/api/v1/clinics/clinic-1/messages",
        json={"phone": phone, "text": text, "recipient_name": name},
    )
    assert response.status_code == 201, response.text
    return int(response.json()["message"]["id"])


async def seed_journal(hub: Harness) -> dict[str, Any]:
    """The journal the tests page through:

    - 4 messages sent on 1 October (outside a November window),
    - 45 sent from 10 to 20 November, 2,50 руб. each,
    - 5 refused by the gateway on 15 November (error 202),
    - 3 still waiting (queued now, not yet sent).
    """
    clock = hub.clock
    end = clock.now()
    clock.set(dt.datetime(2026, 10, 1, 2, 0, tzinfo=dt.UTC))
    for i in range(4):
        await _send(hub, f"+7918300{i:04d}", f"Старое сообщение {i}", f"Старов Пётр {i}")
    await hub.drain()
    for i in range(45):
        clock.set(dt.datetime(2026, 11, 10 + i // 5, 2, i, tzinfo=dt.UTC))
        await _send(hub, f"+7918100{i:04d}", f"Сообщение {i}", f"Получатель {i:02d}")
        await hub.drain()
    failed = []
    clock.set(dt.datetime(2026, 11, 15, 3, 0, tzinfo=dt.UTC))
    for i in range(5):
        failed.append(await _send(hub, f"+791820{i}0099", f"Не дойдёт {i}", f"Ошибкин {i}"))
    await hub.drain()
    clock.set(end)
    waiting = [await _send(hub, f"+7918400{i:04d}", f"Ждёт {i}", f"Ждунов {i}") for i in range(3)]
    return {"failed": failed, "waiting": waiting}


def form_value(html: str, name: str) -> str:
    match = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', html)
    assert match, f"no {name} in the page"
    return match.group(1)


def page_client(hub: Harness, base_url: str = PAGE_URL) -> httpx.AsyncClient:
    """A browser-like client of the hub: no API token, cookies kept, no redirects."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=hub.app), base_url=base_url)


async def sign_in(hub: Harness, token: str, base_url: str = PAGE_URL) -> httpx.AsyncClient:
    client = page_client(hub, base_url)
    page = await client.get("/admin/login")
    response = await client.post(
        "/admin/login",
        data={"token": token, "nonce": form_value(page.text, "nonce"), "next": "/admin/journal"},
    )
    assert response.status_code == 303, response.text
    return client


def csrf_of(html: str) -> str:
    return form_value(html, "csrf")
