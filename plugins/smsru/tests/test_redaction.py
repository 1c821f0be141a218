"""The api_id never appears in anything the hub writes: the database, the logs, the
journal's raw answers, API responses, the feed and the job log.

The fake is made to echo the key in its error texts (as a chatty proxy might), so the
redaction has something to remove; the test then greps everything for the key (and for
the clinic's callback secret).
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from hub.db.engine import sync_url
from hub.testing import Harness

from .fake_smsru import FakeSmsRu, callback_form, status_record
from .support import API_ID, CLINIC, SETTINGS, callback_path, stored_secret

PHONE = "+79181234567"


def dump_database(url: str) -> str:
    """Every row of every table, as text."""
    engine = sa.create_engine(sync_url(url))
    try:
        metadata = sa.MetaData()
        metadata.reflect(engine)
        lines = []
        with engine.connect() as conn:
            for table in metadata.sorted_tables:
                for row in conn.execute(sa.select(table)):
                    lines.append(f"{table.name}: {tuple(row)!r}")
        return "\n".join(lines)
    finally:
        engine.dispose()


def database_files(url: str) -> bytes:
    """The SQLite database file and its journals, raw (nothing for PostgreSQL)."""
    if not url.startswith("sqlite"):
        return b""
    path = Path(url.removeprefix("sqlite:///"))
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))


async def test_the_api_id_is_nowhere_the_hub_writes(
    hub: Harness,
    fake: FakeSmsRu,
    hub_callbacks: httpx.AsyncClient,
    hub_database_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    responses: list[httpx.Response] = []

    async def keep(response: httpx.Response) -> None:
        await response.aread()
        responses.append(response)

    for client in (hub.client, hub_callbacks):
        client.event_hooks["response"].append(keep)
    fake.leak_key = True

    # configure (with the connection check), register the callback
    await hub.create_clinic(CLINIC, channels={"sms": ["smsru"]})
    saved = await hub.client.put(
        f"/api/v1/clinics/{CLINIC}/plugins/smsru",
        params={"check": "true"},
        json={"enabled": True, "settings": {**SETTINGS, "low_balance_threshold": "500"}},
    )
    assert saved.status_code == 200, saved.text
    await hub.client.post(
        f"/api/v1/clinics/{CLINIC}/plugins/smsru/actions/register_callback", json={}
    )

    # every kind of answer: accepted, per-number error, account error, 220, HTTP 502
    fake.number_codes["79180000207"] = 207
    ids = []
    for phone in (PHONE, "+79180000207", PHONE, PHONE):
        answer = await hub.client.post(
            f"/api/v1/clinics/{CLINIC}/messages", json={"phone": phone, "text": "Напоминание"}
        )
        ids.append(answer.json()["message"]["id"])
        if len(ids) == 3:
            fake.fail_next(200)
        await hub.drain()
    fake.fail_next(220)
    fake.http_error_next(502)
    for _ in range(3):
        await hub.drain()
        hub.clock.advance(dt.timedelta(minutes=10))
        await hub.drain()

    # a delivery by callback, a poll, the jobs, the account views, a failing check
    first = await hub.message(ids[0])
    fake.deliver(first["provider_message_id"], 103)
    await fake.send_callbacks(hub_callbacks)
    await hub_callbacks.post(
        callback_path(await stored_secret(hub)),
        data=callback_form("FORGED-KEY", [status_record("1-1", 103, hub.clock.now())]),
    )
    hub.clock.advance(dt.timedelta(minutes=20))
    await hub.tick()
    fake.fail_next(200, method="my/balance")
    await hub.client.post(f"/api/v1/clinics/{CLINIC}/plugins/smsru/jobs/low_balance/run")
    await hub.client.get(f"/api/v1/clinics/{CLINIC}/balance")
    await hub.client.get(f"/api/v1/clinics/{CLINIC}/plugins/smsru/status")
    await hub.client.get(f"/api/v1/clinics/{CLINIC}/plugins/smsru")
    fake.fail_next(200, method="auth/check")
    await hub.client.post(f"/api/v1/clinics/{CLINIC}/plugins/smsru/check")
    await hub.client.get(f"/api/v1/clinics/{CLINIC}/jobs")
    await hub.client.get("/api/v1/plugins")
    await hub.feed(CLINIC)
    messages = [await hub.message(i) for i in ids]
    await hub.journal(CLINIC)

    # the scenario happened: sent, failed per number, failed by the account, delivered
    statuses = {m["status"] for m in messages}
    assert {"delivered", "failed", "sent"} <= statuses, statuses
    assert any("api_id=***" in (m["error"] or "") for m in messages)
    assert fake.calls("sms/status") and fake.account.callbacks

    secret = await stored_secret(hub)
    texts: dict[str, str] = {
        "database": dump_database(hub_database_url),
        "database files": database_files(hub_database_url).decode("latin-1"),
        "logs": caplog.text
        + "\n".join(f"{r.getMessage()} {r.exc_text or ''} {r.__dict__}" for r in caplog.records),
        "API responses": "\n".join(f"{r.status_code} {r.headers} {r.text}" for r in responses),
        "raw answers": repr([m["raw"] for m in messages]),
    }
    assert len(responses) > 20 and "smsru" in texts["database"]
    for where, text in texts.items():
        assert API_ID.lower() not in text.lower(), f"the api_id leaked into the {where}"
        assert secret not in text, f"the callback secret leaked into the {where}"
    requested = "\n".join(str(r.request.url) for r in responses)
    assert API_ID not in requested and "api_id" not in requested
