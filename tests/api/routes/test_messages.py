"""The journal API (seed 001): filters, pages of 20, totals, balance, detail, CSV, roles."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest

from hub import (
    Balance,
    ChannelSettings,
    DeliveryReport,
    DeliveryResult,
    HookContext,
    OutgoingMessage,
    hookimpl,
)
from hub.messages.queue import queue_message
from hub.testing import Harness


class Gateway:
    """Accepts at 1.40 a message; numbers ending in 00 have no route (sms.ru 207)."""

    @hookimpl
    def register_settings_model(self) -> type[ChannelSettings]:
        return ChannelSettings

    @hookimpl
    def register_channels(self) -> list[str]:
        return ["sms"]

    @hookimpl
    async def send_message(self, ctx: HookContext, message: OutgoingMessage) -> DeliveryResult:
        if message.address.endswith("00"):
            return DeliveryResult.permanent("207", "На этот номер нет маршрута")
        return DeliveryResult.accepted(f"gw-{message.id}", cost=Decimal("1.40"))

    @hookimpl
    async def get_balance(self, ctx: HookContext) -> Balance:
        return Balance(amount=Decimal("4122.56"))


@pytest.fixture
def hub_extra_plugins() -> dict[str, object]:
    return {"gateway": Gateway()}


async def _clinic(hub: Harness, clinic: str = "clinic-1") -> None:
    await hub.create_clinic(clinic, channels={"sms": ["gateway"]})
    await hub.enable("gateway", clinic)


async def _send(
    hub: Harness, phone: str = "+79181234567", clinic: str = "clinic-1", **body: Any
) -> int:
    response = await hub.client.post(
        f"/api/v1/clinics/{clinic}/messages", json={"phone": phone, "text": "Напоминание", **body}
    )
    assert response.status_code == 201, response.text
    return int(response.json()["message"]["id"])


async def test_rows_carry_the_contract_fields(hub: Harness) -> None:
    await _clinic(hub)
    await _send(hub, recipient_name="Петрова Анна Сергеевна", kind="reminder")
    await hub.drain()
    journal = await hub.journal()
    assert (journal["total"], journal["total_cost"], journal["page"], journal["per_page"]) == (
        1,
        "1.40",
        1,
        20,
    )
    row = journal["items"][0]
    assert {
        "id",
        "clinic",
        "kind",
        "recipient",
        "phone",
        "appointment_at",
        "channel",
        "provider",
        "status",
        "created_at",
        "sent_at",
        "cost",
        "error_code",
        "error",
    } <= set(row)
    assert row["kind_title"] == "Напоминание"
    assert row["clinic_name"] == "Клиника clinic-1"
    assert (row["status"], row["status_title"]) == ("sent", "Отправлено")
    assert (row["recipient"], row["phone"], row["cost"]) == (
        "Петрова Анна Сергеевна",
        "+79181234567",
        "1.40",
    )


async def test_twenty_rows_a_page_with_totals_of_the_whole_set(hub: Harness) -> None:
    await _clinic(hub)
    for _ in range(25):
        await _send(hub)
    await hub.drain()
    first = await hub.journal()
    second = await hub.journal(page=2)
    assert (len(first["items"]), len(second["items"])) == (20, 5)
    assert first["total"] == second["total"] == 25
    assert first["total_cost"] == "35.00"
    ids = [r["id"] for r in first["items"] + second["items"]]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 25  # newest first, no overlap
    response = await hub.client.get("/api/v1/messages", params={"per_page": 21})
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["query", "per_page"]


async def test_status_filter_takes_the_seed_words(hub: Harness) -> None:
    await _clinic(hub)
    failed = await _send(hub, phone="+79181234500")
    sent = await _send(hub)
    delivered = await _send(hub, phone="+79181234568")
    await hub.drain()
    ctx = await hub.context("gateway")
    assert await ctx.report_delivery(
        DeliveryReport(provider_message_id=f"gw-{delivered}", status="delivered")
    )
    waiting = await _send(hub)

    async def ids(*status: str) -> set[int]:
        return {r["id"] for r in (await hub.journal(status=list(status)))["items"]}

    assert await ids("waiting") == {waiting}
    assert await ids("sent") == {sent, delivered}
    assert await ids("delivered") == {delivered}
    assert await ids("error") == {failed}
    assert await ids("waiting", "error") == {waiting, failed}
    row = (await hub.journal(status=["error"]))["items"][0]
    assert (row["error_code"], row["error"], row["sent_at"]) == (
        "207",
        "На этот номер нет маршрута",
        None,
    )
    response = await hub.client.get("/api/v1/messages", params={"status": "lost"})
    assert response.status_code == 422
    assert "status: unknown value 'lost'" in response.json()["detail"]


async def test_recipient_phone_and_kind_filters(hub: Harness) -> None:
    await _clinic(hub)
    anna = await _send(hub, recipient_name="Королёва Анна", kind="reminder")
    ivan = await _send(
        hub, phone="8 (926) 555-12-34", recipient_name="Иванов Иван", kind="link_code"
    )

    async def ids(**filters: Any) -> set[int]:
        return {r["id"] for r in (await hub.journal(**filters))["items"]}

    assert await ids(recipient="королева") == {anna}  # case and ё do not matter
    assert await ids(recipient="ИВАН") == {ivan}
    assert await ids(phone="+7 926 555-12-34") == {ivan}
    assert await ids(phone="89265551234") == {ivan}
    assert await ids(phone="555-12") == {ivan}  # part of a number
    assert await ids(kind="reminder") == {anna}
    assert await ids(kind="Прикрепление") == {ivan}  # the seed's title
    assert await ids(kind=["reminder", "link_code"]) == {anna, ivan}


async def test_send_date_window_defaults_to_the_last_month(hub: Harness) -> None:
    await _clinic(hub)
    hub.clock.set(dt.datetime(2026, 10, 10, 9, 0, tzinfo=dt.UTC))
    old = await _send(hub)
    hub.clock.set(dt.datetime(2026, 10, 24, 9, 0, tzinfo=dt.UTC))
    recent = await _send(hub)
    hub.clock.set(dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC))
    await hub.drain()  # both are sent now: dated by the send time
    journal = await hub.journal("clinic-1")
    assert {r["id"] for r in journal["items"]} == {old, recent}
    assert journal["sent_from"] == "2026-10-22T21:00:00Z"  # 23.10 00:00 in Moscow
    hub.clock.set(dt.datetime(2026, 12, 24, 9, 0, tzinfo=dt.UTC))
    assert (await hub.journal("clinic-1"))["total"] == 0
    dated = await hub.journal("clinic-1", sent_from="2026-11-23", sent_to="2026-11-23")
    assert dated["total"] == 2  # sent_to is a whole day, inclusive
    assert (await hub.journal("clinic-1", sent_from="2026-11-24"))["total"] == 0
    for bad in ({"sent_from": "23.11.2026"}, {"sent_from": "2026-11-24", "sent_to": "2026-11-01"}):
        response = await hub.client.get("/api/v1/messages", params=bad)
        assert response.status_code == 422
        assert response.json()["detail"].startswith(("sent_from", "sent_to"))


async def test_clinic_token_sees_only_its_clinic(hub: Harness) -> None:
    await _clinic(hub, "clinic-1")
    await _clinic(hub, "clinic-2")
    mine = await _send(hub, clinic="clinic-1")
    theirs = await _send(hub, clinic="clinic-2")
    clinic_client = hub.client_for(await hub.token("clinic", "clinic-1"))
    webadmin = hub.client_for(await hub.token("webadmin"))
    seen = (await clinic_client.get("/api/v1/messages")).json()
    assert [r["id"] for r in seen["items"]] == [mine]
    assert (
        await clinic_client.get("/api/v1/messages", params={"clinic": "clinic-2"})
    ).status_code == 403
    assert (await clinic_client.get(f"/api/v1/messages/{theirs}")).status_code == 404
    assert (await clinic_client.get(f"/api/v1/messages/{mine}")).status_code == 200
    every = (await webadmin.get("/api/v1/messages")).json()
    assert {r["id"] for r in every["items"]} == {mine, theirs}
    assert every["balance"] is None  # several clinics: no single balance
    only = (await webadmin.get("/api/v1/messages", params={"clinic": "clinic-2"})).json()
    assert [r["id"] for r in only["items"]] == [theirs]
    assert (await hub.client_for(None).get("/api/v1/messages")).status_code == 401
    assert (
        await webadmin.post(
            "/api/v1/clinics/clinic-1/messages", json={"phone": "+79181234567", "text": "x"}
        )
    ).status_code == 403


async def test_balance_is_reported_beside_the_total_cost(hub: Harness) -> None:
    await _clinic(hub)
    journal = await hub.journal("clinic-1")
    assert journal["balance"] == {
        "provider": "gateway",
        "amount": "4122.56",
        "currency": "RUB",
        "error": None,
    }
    response = await hub.client.get("/api/v1/clinics/clinic-1/balance")
    assert response.json()["amount"] == "4122.56"


async def test_detail_shows_text_history_and_error(hub: Harness) -> None:
    await _clinic(hub)
    message_id = await _send(hub, phone="+79181234500")
    await hub.drain()
    detail = await hub.message(message_id)
    assert detail["text"] == "Напоминание"
    assert (detail["error_code"], detail["error"], detail["attempts"]) == (
        "207",
        "На этот номер нет маршрута",
        1,
    )
    assert [h["event"] for h in detail["history"]] == ["queued", "attempt"]
    assert (await hub.client.get("/api/v1/messages/999999")).status_code == 404
    assert (await hub.client.get("/api/v1/messages/abc")).status_code == 422


async def test_csv_export_streams_the_whole_filtered_set(hub: Harness) -> None:
    await _clinic(hub)
    async with hub.runtime.db.session() as session:
        for i in range(510):
            await queue_message(
                session,
                hub.runtime,
                clinic_id="clinic-1",
                kind="reminder",
                channel="sms",
                address=f"+7918{i:07d}",
                text=f"Текст; {i}",
                recipient_name=f"Пациент {i}",
            )
    await _send(hub, kind="custom")
    response = await hub.client.get("/api/v1/messages.csv", params={"kind": "reminder"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert len(rows) == 510
    assert len({r["id"] for r in rows}) == 510
    assert rows[0]["kind_title"] == "Напоминание"
    assert any(r["text"] == "Текст; 7" for r in rows)  # the separator inside a text is quoted


async def test_csv_cells_that_a_spreadsheet_would_run_stay_text(hub: Harness) -> None:
    await _clinic(hub)
    await _send(hub, text='=HYPERLINK("http://x/";"click")', recipient_name="@evil")
    text = (await hub.client.get("/api/v1/messages.csv")).content.decode("utf-8")
    row = next(csv.DictReader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert row["text"].startswith("'=HYPERLINK(")
    assert row["recipient"] == "'@evil"


async def test_csv_times_are_the_clinics_own_with_their_offset(hub: Harness) -> None:
    await hub.create_clinic("far", timezone="Asia/Vladivostok")
    await hub.client.put(
        "/api/v1/clinics/far/plugins/console", json={"enabled": True, "settings": {}}
    )
    async with hub.runtime.db.session() as session:
        await queue_message(
            session,
            hub.runtime,
            clinic_id="far",
            kind="custom",
            channel="sms",
            address="+79181234567",
            text="x",
        )
    text = (await hub.client.get("/api/v1/messages.csv")).content.decode("utf-8")
    row = next(csv.DictReader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    created = dt.datetime.fromisoformat(row["created_at"])
    assert created.utcoffset() == dt.timedelta(hours=10)
    assert created == hub.runtime.clock.now().replace(microsecond=0)
    api = (await hub.client.get("/api/v1/messages")).json()["items"][0]["created_at"]
    assert dt.datetime.fromisoformat(api).utcoffset() == dt.timedelta(0)  # the JSON API stays UTC


BIG = 10**30


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("GET", f"/api/v1/messages/{BIG}", None),
        ("GET", f"/api/v1/clinics/clinic-1/templates/{BIG}", None),
        ("GET", f"/api/v1/clinics/clinic-1/mailings/{BIG}", None),
        ("POST", "/api/v1/clinics/clinic-1/messages", {"appointment_id": "A", "template_id": BIG}),
        ("GET", f"/api/v1/messages?page={BIG}", None),
        ("GET", f"/api/v1/messages?mailing={BIG}", None),
        ("GET", "/api/v1/messages?sent_from=2026-13-01", None),
        ("GET", "/api/v1/messages?phone=%00", None),
        ("GET", "/api/v1/messages?recipient=a%00b", None),
        ("GET", "/api/v1/messages?clinic=a%00b", None),
        ("POST", "/api/v1/clinics/clinic-1/messages", {"phone": "+79181234567", "text": "x\x00y"}),
        (
            "POST",
            "/api/v1/clinics/clinic-1/messages",
            {"phone": "+79181234567", "text": "x", "recipient_name": "a\x00"},
        ),
        ("POST", "/api/v1/clinics/clinic-1/messages", {"patient_id": "P\x00", "text": "x"}),
        ("POST", "/api/v1/clinics/clinic-1/templates", {"name": "x", "body": "a\x00b"}),
        ("POST", "/api/v1/clinics/clinic-1/templates/preview", {"body": "{a.b} {0} {date[0]}"}),
        ("PUT", "/api/v1/clinics/clinic-1/stoplist/+79181234567", {"note": "a\x00b"}),
        ("PUT", "/api/v1/clinics/clinic-1/stoplist/%2B7918%00", None),
        (
            "POST",
            "/api/v1/clinics/clinic-1/mailings",
            {"period_from": "2026-11-01", "period_to": "2026-11-02", "name": "a\x00"},
        ),
        (
            "POST",
            "/api/v1/clinics/clinic-1/mailings",
            {"period_from": "2026-11-01", "period_to": "2026-11-02", "template_id": BIG},
        ),
    ],
)
async def test_malformed_input_is_a_422_never_a_500(
    hub: Harness, method: str, url: str, body: dict[str, Any] | None
) -> None:
    await _clinic(hub)
    response = await hub.client.request(method, url, json=body)
    assert response.status_code == 422, response.text
