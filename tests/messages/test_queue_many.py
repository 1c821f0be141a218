"""queue_messages(): the rules of queue_message for a batch — refusals journaled, quiet
hours, normalised addresses, dedupe keys decided by the database."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from hub.db.models import Message
from hub.messages.queue import Draft, queue_messages
from hub.testing import Harness


def draft(key: str, address: str, patient: str | None = None, **extra: object) -> Draft:
    return Draft(
        kind="reminder",
        channel="sms",
        address=address,
        text=f"текст {key}",
        dedupe_key=key,
        patient_id=patient,
        **extra,
    )  # type: ignore[arg-type]


async def test_a_batch_follows_the_single_message_rules(hub: Harness) -> None:
    await hub.create_clinic("clinic-1", timezone="Europe/Moscow")
    await hub.seed_reference()
    await hub.put_patient("P-opt", phones=["+79180000002"], opt_out=True)
    response = await hub.client.put(
        "/api/v1/clinics/clinic-1/stoplist/+79180000001", json={"note": "просил"}
    )
    assert response.status_code in (200, 201), response.text
    hub.clock.set(dt.datetime(2026, 11, 23, 19, 0, tzinfo=dt.UTC))  # 22:00 in Moscow: quiet hours
    drafts = [
        draft("k-ok", "8 (918) 123-45-67"),
        draft("k-stop", "+79180000001"),
        draft("k-opt", "+79180000002", patient="P-opt"),
        draft("k-essential", "+79180000002", patient="P-opt", essential=True),
    ]
    async with hub.runtime.db.session() as session:
        first = await queue_messages(session, hub.runtime, clinic_id="clinic-1", drafts=drafts)
    async with hub.runtime.db.session() as session:
        again = await queue_messages(
            session,
            hub.runtime,
            clinic_id="clinic-1",
            drafts=[*drafts, draft("k-new", "+79181234568")],
        )
    assert sorted(first) == ["k-essential", "k-ok", "k-opt", "k-stop"]
    assert list(again) == ["k-new"]
    async with hub.runtime.db.session() as session:
        rows = {m.dedupe_key: m for m in (await session.execute(sa.select(Message))).scalars()}
    assert rows["k-ok"].address == "+79181234567" and rows["k-ok"].status == "queued"
    assert rows["k-ok"].next_attempt_at == dt.datetime(2026, 11, 24, 6, 0, tzinfo=dt.UTC)  # 09:00
    assert rows["k-ok"].history[0]["event"] == "queued"
    assert (rows["k-stop"].status, rows["k-stop"].error_code) == ("failed", "stop_list")
    assert (rows["k-opt"].status, rows["k-opt"].error_code) == ("failed", "opt_out")
    assert rows["k-essential"].status == "queued"
