"""Statuses and results: the poll job follows each order, reports results through the
platform, and a «Готовность результата анализа» schedule writes to the patient once
every result of the visit is in."""

from __future__ import annotations

import base64
import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest

from hub.testing import Harness

from .fake_lab import FakeLab
from .support import action, charge, feed_of, run_job

DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


async def ordered(hub: Harness, appointment_id: str = "A-1", *services: str) -> str:
    for service in services or ("SRV-CBC", "SRV-BIO"):
        await charge(hub, appointment_id, service)
    hub.clock.advance(61)
    await run_job(hub, "send_orders")
    return str((await feed_of(hub, "labs.order_created"))[-1]["order_id"])


async def schedule(hub: Harness, only_when_complete: bool) -> None:
    response = await hub.client.post(
        "/api/v1/clinics/clinic-1/schedules",
        json={
            "kind": "lab_results_ready",
            "params": {"minutes": 0, "only_when_complete": only_when_complete},
            "text": "{patient_first_name}, результаты анализов готовы",
        },
    )
    assert response.status_code == 201, response.text


async def messages(hub: Harness) -> list[dict[str, Any]]:
    return list((await hub.journal("clinic-1"))["items"])


async def later(hub: Harness, minutes: float) -> None:
    """Time passes; the poll job and the scheduler run."""
    hub.clock.advance(minutes * 60)
    await run_job(hub, "poll")
    await hub.drain()
    await hub.tick()


async def test_statuses_follow_the_laboratory(hub: Harness, clinic: str) -> None:
    order_id = await ordered(hub)
    await later(hub, 1)
    await later(hub, 5)
    await later(hub, 30)
    statuses = [(s["order_id"], s["status"]) for s in await feed_of(hub, "labs.order_status")]
    assert statuses == [(order_id, "accepted"), (order_id, "in-progress")]
    shown = (await action(hub, "order", order_id=order_id)).json()
    assert (shown["state"], shown["lab_status"], shown["results_status"]) == (
        "sent",
        "in-progress",
        "partial",
    )


async def test_results_reach_the_patient_only_once_all_are_in(
    hub: Harness, clinic: str, gemo: FakeLab, kdl: FakeLab
) -> None:
    """The visit has tests at two laboratories: Гемотест's (the doctor's) by charge and
    a urine culture at KDL by hand.  Partial results, then Гемотест's final ones, do not
    complete the visit; KDL's final results do, and the patient gets one message."""
    await schedule(hub, only_when_complete=True)
    order_id = await ordered(hub)
    by_hand = await action(hub, "create_order", appointment_id="A-1", tests=["kdl:3001"])
    assert by_hand.status_code == 200, by_hand.text
    assert by_hand.json()["state"] == "sent" and by_hand.json()["lab"] == "kdl"
    kdl.clock = lambda: hub.clock.now() - dt.timedelta(hours=5)  # KDL is slower
    await later(hub, 40)  # in progress: partial results at Гемотест
    ready = await feed_of(hub, "labs.results_ready")
    assert [(r["order_id"], r["complete"]) for r in ready] == [(order_id, False)]
    assert [i["code"] for i in ready[0]["items"]] == ["HGB", "GLU", "ALT"]
    assert await messages(hub) == []
    await later(hub, 90)  # Гемотест finishes
    ready = await feed_of(hub, "labs.results_ready")
    assert [(r["order_id"], r["complete"]) for r in ready] == [(order_id, False)] * 2
    final = ready[1]["items"]
    wbc = next(i for i in final if i["code"] == "WBC")
    assert wbc == {
        "test": "1001",
        "code": "WBC",
        "display": "Лейкоциты",
        "value": "11.2",
        "unit": "10*9/л",
        "low": "4",
        "high": "9",
        "flag": "H",
    }
    assert await messages(hub) == []
    kdl.clock = hub.clock.now  # KDL catches up: completed
    await later(hub, 10)
    ready = await feed_of(hub, "labs.results_ready")
    assert [(r["order_id"], r["complete"]) for r in ready][-1] == (by_hand.json()["order_id"], True)
    await later(hub, 1)
    await later(hub, 60)
    (message,) = await messages(hub)
    assert (message["appointment_id"], message["recipient"]) == ("A-1", "Иванова Мария Петровна")
    assert (await hub.message(message["id"]))["text"] == "Мария, результаты анализов готовы"
    for row_id in (order_id, by_hand.json()["order_id"]):
        assert (await action(hub, "order", order_id=row_id)).json()["state"] == "done"


async def test_without_waiting_the_first_results_write_once(hub: Harness, clinic: str) -> None:
    await schedule(hub, only_when_complete=False)
    await ordered(hub)
    await later(hub, 40)
    await later(hub, 120)
    await later(hub, 10)
    assert len(await feed_of(hub, "labs.results_ready")) == 2  # partial, final
    assert len(await messages(hub)) == 1  # one message per visit


async def test_the_results_pdf_and_the_labels(hub: Harness, clinic: str) -> None:
    order_id = await ordered(hub)
    early = await action(hub, "results", order_id=order_id)
    assert early.status_code == 409
    assert early.json()["detail"] == f"order {order_id} has no results PDF yet (requested)"
    await later(hub, 130)
    pdf = await action(hub, "results", order_id=order_id)
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert f'filename="{order_id}.pdf"' in pdf.headers["content-disposition"]
    assert pdf.content.startswith(b"%PDF-")
    label = await action(hub, "label", order_id=order_id)
    assert label.status_code == 200 and label.headers["content-type"].startswith("application/zpl")
    text = label.content.decode()
    assert text.count("^XA") == 2 and text.count("^XZ") == 2 and "^CI28" in text
    assert "^FH^FDGT00000001^FS" in text and "^FH^FDGT00000002^FS" in text
    assert "^FDИванова М.П. 01.02.1980^FS" in text
    assert re.search(r"\^FDEDTA \(фиолетовая\) Общий ана[^^]*\^FS", text)
    assert "^FDСыворотка (жёлтая) Глюкоза,…^FS" in text  # cut to the 50 mm label
    assert f'filename="{order_id}.zpl"' in label.headers["content-disposition"]


async def test_unknown_orders_are_a_clear_404(hub: Harness, clinic: str) -> None:
    for name in ("results", "label", "order", "cancel_order"):
        response = await action(hub, name, order_id="lo-nope")
        assert response.status_code == 404
        assert response.json()["detail"] == "no order 'lo-nope' in this clinic"


async def test_cancel_before_sending_never_reaches_the_laboratory(
    hub: Harness, clinic: str, gemo: FakeLab
) -> None:
    await charge(hub, "A-1", "SRV-CBC")
    order_id = (await action(hub, "charges")).json()["items"][0]["order_id"]
    cancelled = await action(hub, "cancel_order", order_id=order_id)
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
    hub.clock.advance(120)
    assert (await run_job(hub, "send_orders"))["summary"] == "nothing due"
    assert gemo.booked == [] and gemo.requests_seen[-1][1].endswith("ActivityDefinition")
    again = await action(hub, "cancel_order", order_id=order_id)
    assert again.status_code == 409 and again.json()["detail"].endswith("is cancelled already")


async def test_cancel_while_the_laboratory_has_not_started(
    hub: Harness, clinic: str, gemo: FakeLab
) -> None:
    order_id = await ordered(hub)
    cancelled = await action(hub, "cancel_order", order_id=order_id)
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["state"] == "cancelled"
    assert gemo.order_for(order_id).forced == "cancelled"
    second = await ordered(hub, "A-2", "SRV-URO")
    await later(hub, 31)
    refused = await action(hub, "cancel_order", order_id=second)
    assert refused.status_code == 409
    assert "can no longer be cancelled" in refused.json()["detail"]


async def test_a_rejected_order_is_done_with_the_reason(
    hub: Harness, clinic: str, gemo: FakeLab
) -> None:
    order_id = await ordered(hub)
    gemo.reject(order_id, "Гемолиз образца")
    await later(hub, 1)
    (status,) = await feed_of(hub, "labs.order_status")
    assert (status["status"], status["reason"]) == ("rejected", "Гемолиз образца")
    assert (await action(hub, "order", order_id=order_id)).json()["state"] == "done"


async def test_pdf_is_kept_in_the_order(hub: Harness, clinic: str) -> None:
    order_id = await ordered(hub)
    await later(hub, 130)
    shown = (await action(hub, "order", order_id=order_id)).json()
    assert shown["pdfs"] == 1 and shown["results_status"] == "final"
    assert base64.b64encode(b"x")  # the stored PDF is returned by `results` (above)


@pytest.mark.skipif(not DEJAVU.exists(), reason="no DejaVu Sans on this machine")
async def test_the_label_answer_renders_as_the_printer_would(hub: Harness, clinic: str) -> None:
    """The `label` answer, unchanged, rendered offline by zplkit for a printer with a
    Cyrillic TrueType font downloaded to it (DejaVu Sans), named in `label.font`."""
    zplkit = pytest.importorskip("zplkit")
    from zplkit.rendering import Limits

    response = await hub.client.put(
        "/api/v1/clinics/clinic-1/plugins/labs",
        json={"enabled": True, "settings": {"label": {"font": "E:DEJAVU.TTF"}}},
    )
    assert response.status_code == 200, response.text
    order_id = await ordered(hub)
    label = (await action(hub, "label", order_id=order_id)).content
    assert b"^CW1,E:DEJAVU.TTF" in label
    font = DEJAVU.read_bytes()
    download = b"~DYE:DEJAVU.TTF,A,T," + str(len(font)).encode() + b",,"
    rendered = zplkit.render(
        download + font.hex().upper().encode() + b"\n" + label,
        zplkit.Options(profile="specification", width=400, height=200, dpi=203),
        limits=Limits(input_bytes=4 << 20, font_bytes=4 << 20),
    )
    assert len(rendered.labels) == 2  # two tubes
    assert all(page.png().startswith(b"\x89PNG") for page in rendered.labels)


async def test_results_the_hub_refuses_are_kept_and_reported_later(
    hub: Harness, clinic: str
) -> None:
    """The visit was moved to another card after ordering: the hub refuses the report;
    the results stay stored, the job log names the order, and once the visit is put
    right the next run reports them."""
    order_id = await ordered(hub)
    await hub.put_patient("P-2002", last_name="Петров", first_name="Пётр")
    await hub.put_appointment("A-1", patient_id="P-2002")
    hub.clock.advance(130 * 60)
    run = await run_job(hub, "poll")
    assert run["status"] == "error"
    assert run["summary"] == (
        "RuntimeError: polled 1 order(s), 0 with new results; "
        f"order {order_id}: results kept, not reported: "
        "appointment_id: unknown appointment 'A-1' of patient 'P-1001'"
    )
    assert await feed_of(hub, "labs.results_ready") == []
    shown = (await action(hub, "order", order_id=order_id)).json()
    assert shown["results_status"] == "final" and shown["state"] == "sent"
    await hub.put_appointment("A-1", patient_id="P-1001")
    assert (await run_job(hub, "poll"))["status"] == "ok"
    (ready,) = await feed_of(hub, "labs.results_ready")
    assert ready["order_id"] == order_id and ready["complete"] is True
    assert (await action(hub, "order", order_id=order_id)).json()["state"] == "done"
