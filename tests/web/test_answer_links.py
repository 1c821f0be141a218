"""Answer links are bearer credentials: once a reminder is handed to its provider, no live
token is left in the database, the logs, the journal API or the journal's CSV — and the
link the patient got still works (the hub keeps its hash)."""

from __future__ import annotations

import logging
import re

import pytest
import sqlalchemy as sa
from pagekit import reminder_link, seed

from hub.security.redaction import mask_answer_links
from hub.settings import HubSettings
from hub.testing import Harness


@pytest.fixture
def hub_settings(hub_settings: HubSettings) -> HubSettings:
    return hub_settings.model_copy(update={"answer_rate_limit": 1000})


async def everything_stored(hub: Harness) -> str:
    """Every text and JSON cell of every table, as one string."""
    cells: list[str] = []
    async with hub.runtime.db.session() as session:
        tables = await session.run_sync(lambda s: sa.inspect(s.connection()).get_table_names())
        for table in tables:
            rows = (await session.execute(sa.text(f'SELECT * FROM "{table}"'))).all()
            cells += [str(value) for row in rows for value in row]
    return "\n".join(cells)


def test_a_token_is_cut_to_its_tail_and_the_rest_of_the_text_kept() -> None:
    text = "Запись на 24.11. Подтвердите: https://hub.example/r/AbCdEfGhIjKlMnOpQrSt_x. Ждём"
    assert (
        mask_answer_links(text) == "Запись на 24.11. Подтвердите: https://hub.example/r/…St_x. Ждём"
    )
    assert mask_answer_links("без ссылки") == "без ссылки"


async def test_no_live_token_after_the_reminder_is_handed_over(
    hub: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    await seed(hub)
    await hub.client.patch("/api/v1/clinics/clinic-1", json={"channels": {"sms": ["console"]}})
    await hub.enable("console")
    link = await reminder_link(hub)
    token = link.removeprefix("/r/")
    assert await hub.drain() >= 1
    # the access log line uvicorn writes for the patient's visit
    logging.getLogger("uvicorn.access").info(
        '%s - "%s %s HTTP/%s" %d', "10.0.0.1:5000", "GET", link, "1.1", 200
    )
    journal = (await hub.client.get("/api/v1/messages")).json()["items"]
    (row,) = [m for m in journal if m["kind"] == "reminder"]
    detail = await hub.message(row["id"])
    csv = (await hub.client.get("/api/v1/messages.csv")).text
    assert detail["status"] == "sent"
    assert f"/r/…{token[-4:]}" in detail["text"]
    for where, text in {
        "database": await everything_stored(hub),
        "logs": caplog.text,
        "journal API": str(journal) + str(detail),
        "CSV": csv,
    }.items():
        assert token not in text, f"a live answer token in the {where}"
        assert not re.search(r"/r/[A-Za-z0-9_-]{16,}", text), f"an answer link in the {where}"
    page = await hub.client_for(None).get(link)  # the patient's link still works
    assert page.status_code == 200
    assert "Подтвердить" in page.text


def test_tokens_made_together_are_like_a_single_token_and_all_different() -> None:
    from hub.messages import links

    many = list(links.new_tokens(1000))
    shape = re.compile(r"[A-Za-z0-9_-]{" + str(len(links.new_token())) + "}")
    assert len(many) == len(set(many)) == 1000
    assert all(shape.fullmatch(token) for token in many)
    assert list(links.new_tokens(0)) == []
