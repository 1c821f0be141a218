"""Passport data is nowhere the hub keeps it but the feed, and the feed forgets it.

Every kind of scan is made (for a card, for a new patient, flagged, each failure, an
answer the protocol does not allow, an unreachable scanner), then everything the hub
wrote is grepped for the document's numbers: the logs, the plugin's state, every
table but the feed.  The feed does hold them (so the grep can fail), until its
retention runs out and the prune removes them.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from hub.cli import QUIET_LOGGERS
from hub.db.engine import sync_url
from hub.testing import Harness

from .fake_scanner import FakeScanner, Slow
from .support import (
    CLINIC,
    OMS_NUMBER,
    PASSPORT_NUMBER,
    PASSPORT_SERIES,
    PATIENT,
    SNILS_NUMBER,
    put_card,
    scan,
)

FEED = "feed_event"
#: What the fake's documents carry that no other source gives the hub.
PERSONAL = {
    "passport number": PASSPORT_NUMBER,
    "passport series": PASSPORT_SERIES,
    "passport series (digits)": PASSPORT_SERIES.replace(" ", ""),
    "issuer code": "770-053",
    "registration address": "ЛЬВА ТОЛСТОГО",
    "SNILS": SNILS_NUMBER,
    "SNILS (digits)": "11223344595",
    "flagged SNILS": "112-233-445 59",
    "OMS number": OMS_NUMBER,
}


def dump_tables(url: str) -> dict[str, str]:
    """Every row of every table, as text, by table."""
    engine = sa.create_engine(sync_url(url))
    try:
        metadata = sa.MetaData()
        metadata.reflect(engine)
        with engine.connect() as conn:
            return {
                table.name: "\n".join(repr(tuple(row)) for row in conn.execute(sa.select(table)))
                for table in metadata.sorted_tables
            }
    finally:
        engine.dispose()


def leaks(text: str) -> list[str]:
    """What of :data:`PERSONAL` is in ``text`` (numbers not inside longer numbers: a
    timestamp may well contain 4515)."""
    return [
        what
        for what, value in PERSONAL.items()
        if re.search(rf"(?<!\d){re.escape(value)}(?!\d)", text, re.IGNORECASE)
    ]


@pytest.fixture
def debug_logging_as_served() -> Iterator[None]:
    """The loggers as `hub serve` sets them at HUB_LOG_LEVEL=debug: the quiet ones
    (aiosqlite, whose DEBUG lines carry SQL parameters) at WARNING."""
    loggers = [logging.getLogger(name) for name in QUIET_LOGGERS]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.WARNING)
    yield
    for logger, level in zip(loggers, levels, strict=True):
        logger.setLevel(level)


@pytest.mark.usefixtures("debug_logging_as_served")
async def test_passport_data_is_only_in_the_feed_and_only_for_its_retention(
    hub: Harness,
    fake: FakeScanner,
    hub_database_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    await hub.create_clinic(CLINIC)
    settings = {"scanner_url": "http://192.168.10.50:8080", "min_confidence": 0.95}
    saved = await hub.client.put(
        f"/api/v1/clinics/{CLINIC}/plugins/promobot",
        params={"check": "true"},
        json={"enabled": True, "settings": settings},
    )
    assert saved.status_code == 200, saved.text
    await put_card(hub, last_name="Кузнецова")

    answers = [await scan(hub, patient_id=PATIENT, document="passport")]
    answers.append(await scan(hub, document="passport"))
    fake.put("snils", number=("112-233-445 59", 0.97))
    answers.append(await scan(hub, patient_id=PATIENT, document="snils"))
    fake.put("oms", number=(OMS_NUMBER, 0.61))
    answers.append(await scan(hub, document="auto"))
    fake.put("oms")
    answers.append(await scan(hub, patient_id=PATIENT, document="auto"))
    fake.put("snils")
    answers.append(await scan(hub, patient_id=PATIENT, document="snils"))
    fake.on_glass = None
    for outcome in ("busy", "unreadable", "bad_confidence", "not_json", "redirect"):
        fake.next(outcome)
        answers.append(await scan(hub, patient_id=PATIENT, document="passport"))
    fake.next(Slow(0.05))
    answers.append(await scan(hub, patient_id=PATIENT, document="passport"))
    fake.down = True
    answers.append(await scan(hub, patient_id=PATIENT, document="passport"))
    await hub.client.post(f"/api/v1/clinics/{CLINIC}/plugins/promobot/check")
    await hub.client.get(f"/api/v1/clinics/{CLINIC}/plugins/promobot/status")

    # the scenario happened: documents answered (with the numbers), failures answered
    statuses = [a.status_code for a in answers]
    assert statuses == [200] * 6 + [409, 422, 502, 502, 502, 200, 502], statuses
    assert PASSPORT_NUMBER in answers[0].text and OMS_NUMBER in answers[3].text

    logs = caplog.text + "\n".join(
        f"{r.getMessage()} {r.exc_text or ''} {r.__dict__}" for r in caplog.records
    )
    assert "scan: passport recognised" in logs
    assert leaks(logs) == [], "personal data in the logs"

    ctx = await hub.context("promobot", CLINIC)
    assert await ctx.state.items() == {}, "the plugin keeps state"

    tables = dump_tables(hub_database_url)
    assert "plugin_state" in tables
    for table, rows in tables.items():
        if table != FEED:
            assert leaks(rows) == [], f"personal data in the table {table}"
    assert {"passport number", "SNILS", "OMS number"} <= set(leaks(tables[FEED]))

    # the feed keeps it only as long as its retention
    hub.clock.advance(dt.timedelta(days=hub.runtime.settings.feed_retention_days, hours=2))
    await hub.tick()
    assert leaks("\n".join(dump_tables(hub_database_url).values())) == []
