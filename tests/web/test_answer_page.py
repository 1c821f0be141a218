"""The patient's answer page over HTTP: what it shows, answers stored once, the feed, the
hook, the cut-off, expired and unknown links, the nonce and the rate limit."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
from pagekit import issue, nonce_of, seed

from hub.settings import HubSettings
from hub.testing import Harness, RecordingPlugin


@pytest.fixture
def hub_settings(hub_settings: HubSettings) -> HubSettings:
    return hub_settings.model_copy(update={"answer_rate_limit": 1000})


def page_client(hub: Harness) -> httpx.AsyncClient:
    """A browser-like client: no API token, redirects not followed."""
    return hub.client_for(None)


async def answer(
    client: httpx.AsyncClient, link: str, choice: str, reason: str = ""
) -> httpx.Response:
    page = await client.get(link)
    return await client.post(
        link, data={"answer": choice, "reason": reason, "nonce": nonce_of(page.text)}
    )


async def feed_types(hub: Harness) -> list[str]:
    return [e["type"] for e in await hub.feed("clinic-1") if e["type"].startswith("appointment.")]


async def test_page_shows_the_appointment_in_the_clinics_time(hub: Harness) -> None:
    await seed(hub)
    link = await issue(hub)
    response = await page_client(hub).get(link)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    # tomorrow in Vladivostok: the clock is 2026-11-23 17:00 there, so the 24th, 10:30
    for shown in (
        "Клиника «Здоровье»",
        "вторник, 24 ноября",
        "10:30",
        "Петрова Анна Сергеевна",
        "врач-терапевт",
        "214",
        "ул. Светланская, 5",
        "+7 423 200-00-00",
        "Подтвердить",
        "Отменить запись",
        "Перезвоните мне",
    ):
        assert shown in html, shown
    assert "<script" not in html
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["referrer-policy"] == "no-referrer"


async def test_confirm_is_stored_once_published_and_passed_to_plugins(
    hub: Harness, listener: RecordingPlugin
) -> None:
    await seed(hub)
    link = await issue(hub)
    client = page_client(hub)
    response = await answer(client, link, "confirm")
    assert (response.status_code, response.headers["location"]) == (303, f"{link}?done=1")
    shown = await client.get(response.headers["location"])
    assert "Спасибо! Запись подтверждена." in shown.text
    assert "Подтвердить</button>" not in shown.text  # the same answer is not offered again
    again = await answer(client, link, "confirm")  # a double tap
    assert again.status_code == 303
    events = [e for e in await hub.feed("clinic-1") if e["type"] == "appointment.confirmed"]
    assert len(events) == 1
    assert (
        events[0]["data"]["appointment_id"] == "A-1" and events[0]["data"]["patient_id"] == "P-1001"
    )
    revisit = await client.get(link)
    assert "Вы подтвердили запись" in revisit.text
    await hub.drain()
    answered = [r for r in listener.received if r.hook == "on_patient_answered"]
    assert len(answered) == 1
    assert (answered[0].args["answer"].answer, answered[0].args["appointment"].id) == (
        "confirmed",
        "A-1",
    )
    shown_in_api = (await hub.client.get("/api/v1/clinics/clinic-1/appointments/A-1")).json()
    assert shown_in_api["patient_answer"]["answer"] == "confirmed"


async def test_answer_may_change_until_the_cutoff(hub: Harness) -> None:
    await seed(hub)
    link = await issue(hub)
    client = page_client(hub)
    await answer(client, link, "confirm")
    cancelled = await answer(client, link, "cancel", reason="Заболел")
    assert cancelled.status_code == 303
    assert "Запись отменена." in (await client.get(cancelled.headers["location"])).text
    events = await hub.feed("clinic-1")
    last = [e for e in events if e["type"] == "appointment.cancelled_by_patient"][-1]
    assert (last["data"]["reason"], last["data"]["previous"]) == ("Заболел", "confirmed")
    nonce = nonce_of((await client.get(link)).text)  # a page opened before the cut-off
    # 10:30 local tomorrow; the default cut-off is 120 minutes: at 08:31 it is too late
    hub.clock.set(dt.datetime(2026, 11, 24, 0, 30, tzinfo=dt.UTC) - dt.timedelta(minutes=119))
    page = await client.get(link)
    assert "Изменить ответ через эту страницу уже нельзя" in page.text
    assert "Вы отменили запись" in page.text and "Причина: Заболел" in page.text
    late = await client.post(link, data={"answer": "callback", "nonce": nonce})
    assert late.status_code == 409
    assert "позвоните в клинику" in late.text and "+7 423 200-00-00" in late.text
    assert await feed_types(hub) == ["appointment.confirmed", "appointment.cancelled_by_patient"]


async def test_callback_request(hub: Harness) -> None:
    await seed(hub)
    link = await issue(hub)
    response = await answer(page_client(hub), link, "callback")
    assert response.status_code == 303
    assert await feed_types(hub) == ["appointment.callback_requested"]


async def test_a_first_answer_is_taken_after_the_cutoff_until_the_start(hub: Harness) -> None:
    await seed(hub)
    link = await issue(hub)
    hub.clock.set(dt.datetime(2026, 11, 24, 0, 20, tzinfo=dt.UTC))  # 10:20 local, 10 minutes left
    response = await answer(page_client(hub), link, "cancel")
    assert response.status_code == 303
    assert await feed_types(hub) == ["appointment.cancelled_by_patient"]


@pytest.mark.parametrize(
    "nonce", ["", "123.abc", "forged", "²².x", "99999999999999999999.x", "-5.x"]
)
async def test_post_without_the_pages_nonce_is_refused(hub: Harness, nonce: str) -> None:
    await seed(hub)
    link = await issue(hub)
    response = await page_client(hub).post(link, data={"answer": "confirm", "nonce": nonce})
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")
    assert "Откройте ссылку из сообщения" in response.text
    assert await feed_types(hub) == []


async def test_a_nonce_of_another_link_or_an_old_page_does_not_work(hub: Harness) -> None:
    await seed(hub)
    first, second = await issue(hub), await issue(hub)
    client = page_client(hub)
    other = nonce_of((await client.get(second)).text)
    assert (await client.post(first, data={"answer": "confirm", "nonce": other})).status_code == 400
    old = nonce_of((await client.get(first)).text)
    hub.clock.advance(dt.timedelta(hours=1))
    assert (await client.post(first, data={"answer": "confirm", "nonce": old})).status_code == 303
    hub.clock.set(hub.clock.now() - dt.timedelta(hours=1) + dt.timedelta(days=1, minutes=1))
    # a day later the appointment has started anyway; check the nonce alone
    from hub.web.answer import _nonce_ok

    assert not _nonce_ok(hub.runtime, first.removeprefix("/r/"), old, hub.clock.now())


@pytest.mark.parametrize(
    ("data", "content"),
    [
        ({"answer": "maybe"}, None),
        ({}, None),
        (None, b'{"answer": "confirm"}'),
    ],
)
async def test_bad_forms_get_a_page_not_json(
    hub: Harness, data: dict[str, str] | None, content: bytes | None
) -> None:
    await seed(hub)
    link = await issue(hub)
    client = page_client(hub)
    if data is not None:
        data = {**data, "nonce": nonce_of((await client.get(link)).text)}
    response = await client.post(link, data=data, content=content)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")


async def test_unknown_token_gets_a_friendly_page(hub: Harness) -> None:
    await seed(hub)
    for path in ("/r/not-a-real-token", "/r/" + "x" * 300):
        response = await page_client(hub).get(path)
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("text/html")
        assert "Ссылка не найдена" in response.text
        post = await page_client(hub).post(path, data={"answer": "confirm"})
        assert post.status_code == 404 and "Ссылка не найдена" in post.text


async def test_expired_link_shows_the_clinics_phone(hub: Harness) -> None:
    await seed(hub)
    link = await issue(hub)
    hub.clock.set(dt.datetime(2026, 11, 24, 0, 30, tzinfo=dt.UTC))  # 10:30 local: it starts
    response = await page_client(hub).get(link)
    assert response.status_code == 410
    assert "Ссылка больше не действует" in response.text and "+7 423 200-00-00" in response.text
    post = await page_client(hub).post(link, data={"answer": "confirm", "nonce": "x"})
    assert post.status_code == 410


async def test_appointment_cancelled_by_the_clinic_takes_no_answer(hub: Harness) -> None:
    await seed(hub)
    link = await issue(hub)
    client = page_client(hub)
    nonce = nonce_of((await client.get(link)).text)
    assert (
        await hub.client.request(
            "DELETE", "/api/v1/clinics/clinic-1/appointments/A-1", params={"reason": "врач заболел"}
        )
    ).status_code == 200
    page = await client.get(link)
    assert "Клиника отменила эту запись" in page.text and "Подтвердить" not in page.text
    response = await client.post(link, data={"answer": "confirm", "nonce": nonce})
    assert response.status_code == 409 and "Клиника отменила эту запись" in response.text


class TestRateLimit:
    @pytest.fixture
    def hub_settings(self, hub_settings: HubSettings) -> HubSettings:
        return hub_settings.model_copy(update={"answer_rate_limit": 3})

    async def test_too_many_requests_from_one_address_get_a_429_page(self, hub: Harness) -> None:
        await seed(hub)
        link = await issue(hub)
        client = page_client(hub)
        statuses = [(await client.get(link)).status_code for _ in range(3)]
        blocked = await client.get("/r/guessing-tokens")
        assert statuses == [200, 200, 200]
        assert blocked.status_code == 429
        assert "Слишком много запросов" in blocked.text
        assert 1 <= int(blocked.headers["retry-after"]) <= 60


async def test_a_postponed_appointment_keeps_its_link_and_shows_the_new_time(hub: Harness) -> None:
    await seed(hub)
    link = await issue(hub)
    await hub.put_appointment("A-1", start="2026-11-26T15:00:00", end="2026-11-26T15:30:00")
    hub.clock.set(dt.datetime(2026, 11, 24, 1, 0, tzinfo=dt.UTC))  # after the old start
    page = await page_client(hub).get(link)
    assert page.status_code == 200
    assert "четверг, 26 ноября" in page.text and "15:00" in page.text


async def test_odd_query_parameters_still_get_the_page(hub: Harness) -> None:
    await seed(hub)
    link = await issue(hub)
    response = await page_client(hub).get(link, params={"done": "abc"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
