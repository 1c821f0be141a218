"""«Журнал отправленных сообщений» over HTTP: empty until «Найти», filters, pages of at
most 20 with the totals of the filtered set, a row opened, clinic-local times, CSV."""

from __future__ import annotations

import csv
import io
import re
from contextlib import aclosing

from adminkit import seed_clinic, seed_journal, sign_in

from hub.testing import Harness

SENT_IN_NOVEMBER = (
    "/admin/journal?find=1&status=sent&sent_from=2026-11-01&sent_to=2026-11-23&per_page=20"
)


def ids_of(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<tr class="row [^"]*" data-id="(\d+)"', html)]


def total_of(html: str, name: str) -> str:
    match = re.search(rf"data-{name}>([^<]*)<", html)
    assert match, f"no {name} in the page"
    return match.group(1).replace("\u00a0", " ")


async def test_the_list_is_empty_until_find_and_dates_default_to_the_last_month(
    hub: Harness,
) -> None:
    await seed_clinic(hub)
    await seed_journal(hub)
    async with aclosing(await sign_in(hub, hub.admin_token)) as client:
        page = await client.get("/admin/journal")
    assert page.status_code == 200
    assert ids_of(page.text) == []
    assert "Нет данных для отображения" in page.text
    assert 'name="sent_from" value="2026-10-23"' in page.text
    assert 'name="sent_to" value="2026-11-23"' in page.text
    # one clinic: its provider's balance is shown at once
    assert total_of(page.text, "balance") == "1 234,56 руб."


async def test_filter_by_status_and_date_and_page_through_45(hub: Harness) -> None:
    await seed_clinic(hub)
    await seed_journal(hub)
    seen: list[int] = []
    async with aclosing(await sign_in(hub, hub.admin_token)) as client:
        for page_no, expected in ((1, 20), (2, 20), (3, 5)):
            page = await client.get(f"{SENT_IN_NOVEMBER}&page={page_no}")
            assert page.status_code == 200
            ids = ids_of(page.text)
            assert len(ids) == expected
            seen += ids
            assert total_of(page.text, "total") == "45"
            assert total_of(page.text, "sum") == "112,50 руб."
            assert f"Страница {page_no} из 3" in page.text
        five = await client.get(SENT_IN_NOVEMBER.replace("per_page=20", "per_page=5"))
        too_many = await client.get(SENT_IN_NOVEMBER.replace("per_page=20", "per_page=50"))
    assert len(set(seen)) == 45
    assert seen == sorted(seen, reverse=True)  # newest first, no row twice
    assert len(ids_of(five.text)) == 5 and "Страница 1 из 9" in five.text
    assert too_many.status_code == 422


async def test_status_boxes_select_waiting_and_errors(hub: Harness) -> None:
    await seed_clinic(hub)
    made = await seed_journal(hub)
    async with aclosing(await sign_in(hub, hub.admin_token)) as client:
        errors = await client.get("/admin/journal?find=1&status=error")
        waiting = await client.get("/admin/journal?find=1&status=waiting")
        both = await client.get("/admin/journal?find=1&status=waiting&status=error")
    assert sorted(ids_of(errors.text)) == made["failed"]
    assert sorted(ids_of(waiting.text)) == made["waiting"]
    assert len(ids_of(both.text)) == 8
    assert total_of(errors.text, "sum") == "0,00 руб."


async def test_a_failed_row_opens_to_its_error_code_and_text(hub: Harness) -> None:
    await seed_clinic(hub)
    made = await seed_journal(hub)
    failed = made["failed"][0]
    async with aclosing(await sign_in(hub, hub.admin_token)) as client:
        fragment = await client.get(f"/admin/journal/{failed}", headers={"HX-Request": "true"})
        page = await client.get(f"/admin/journal/{failed}")
        missing = await client.get("/admin/journal/999999")
    assert fragment.text.startswith(f'<tr id="d{failed}" class="detail">')
    for html in (fragment.text, page.text):
        assert 'value="202" data-error-code' in html
        assert "Неправильно указан номер телефона получателя" in html
        assert "Не дойдёт 0" in html
        assert "История статусов" in html
    assert "<html" in page.text
    assert missing.status_code == 404


async def test_times_are_the_clinics_own(hub: Harness) -> None:
    await seed_clinic(hub)
    await hub.client.post(
        "/api/v1/clinics/clinic-1/messages", json={"appointment_id": "A-1", "kind": "reminder"}
    )
    await hub.drain()
    async with aclosing(await sign_in(hub, hub.admin_token)) as client:
        page = await client.get("/admin/journal?find=1")
    # the appointment is tomorrow 10:30 Vladivostok; sent now, 07:00 UTC = 17:00 there
    assert "24.11.2026 10:30" in page.text
    assert "23.11.2026 17:00" in page.text


async def test_csv_exports_the_filtered_list(hub: Harness) -> None:
    await seed_clinic(hub)
    await seed_journal(hub)
    async with aclosing(await sign_in(hub, hub.admin_token)) as client:
        page = await client.get(SENT_IN_NOVEMBER)
        link = re.search(r'href="(/admin/journal\.csv\?[^"]+)"', page.text)
        assert link
        response = await client.get(link.group(1).replace("&amp;", "&"))
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text.lstrip("\ufeff")), delimiter=";"))
    assert len(rows) == 45
    assert {r["status"] for r in rows} == {"sent"}


async def test_bad_filters_are_named_not_crashed(hub: Harness) -> None:
    await seed_clinic(hub)
    async with aclosing(await sign_in(hub, hub.admin_token)) as client:
        page = await client.get("/admin/journal?find=1&sent_from=yesterday")
    assert page.status_code == 200
    assert 'class="flash error"' in page.text and "sent_from" in page.text
