"""The admin pages in a real headless Chromium (Playwright) served by a real uvicorn.

A user signs in, filters the journal by status and date and pages through 45 messages
20 at a time with the totals right, opens a failed row to its error, saves a plugin's
secret and sees it masked (absent from the page source), runs the connection check,
sends one SMS from an appointment and finds it in the journal; a webadmin can neither
send nor see secrets; a form posted without the CSRF key is refused.  At 375 px the
journal fits the screen.  Skips (saying how to enable it) when Chromium is missing,
unless ``HUB_REQUIRE_BROWSER=1``.  ``HUB_SCREENSHOTS_DIR=docs/images`` keeps the
screenshots (1280 px wide): ``make screenshots``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from adminkit import seed_clinic, seed_journal
from gateway_plugin import RIGHT_KEY, GatewayPlugin
from live import CHROMIUM_ARGS, LiveServer, chromium_path

from hub.testing import Harness

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 667}


async def shot(page: Any, shots: Path, name: str) -> None:
    """The visible part of the page (kept small for docs/images)."""
    await page.screenshot(path=str(shots / f"admin-{name}.png"))


async def sign_in(page: Any, url: str, token: str) -> None:
    await page.goto(url + "/admin/journal")
    await page.wait_for_url("**/admin/login**")
    await page.fill("#token", token)
    await page.click("button:has-text('Войти')")
    await page.wait_for_url("**/admin/journal")


async def test_admin_pages_in_a_real_browser(
    hub: Harness, gateway: GatewayPlugin, tmp_path: Path
) -> None:
    executable = chromium_path()
    from playwright.async_api import async_playwright

    await seed_clinic(hub, key="initial-key-0000000")
    made = await seed_journal(hub)
    webadmin = await hub.token("webadmin")
    await hub.client.post("/api/v1/clinics/clinic-1/plugins/gateway/jobs/refresh_balance/run")
    await hub.client.put(
        "/api/v1/clinics/clinic-1/stoplist/+79187776655", json={"note": "просил не писать"}
    )
    shots = Path(os.environ.get("HUB_SCREENSHOTS_DIR") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    with LiveServer(hub.runtime.settings, hub.clock, plugins={"gateway": gateway}) as server:
        url = server.url
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(
                executable_path=executable,
                headless=True,
                args=[*CHROMIUM_ARGS, "--lang=ru-RU"],
            )
            try:
                context = await browser.new_context(viewport=DESKTOP, locale="ru-RU")
                page = await context.new_page()
                await page.goto(url + "/admin/login")
                await shot(page, shots, "login")

                # --- sign in; the journal is empty until «Найти» ------------------------
                await sign_in(page, url, hub.admin_token)
                assert await page.get_by_text("Нет данных для отображения").is_visible()

                # --- filter by status and date, page through 45, 20 at a time ----------
                await page.check("input[name=status][value=sent]")
                await page.fill("input[name=sent_from]", "2026-11-01")
                await page.fill("input[name=sent_to]", "2026-11-23")
                await page.click("button:has-text('Найти')")
                await page.wait_for_url("**find=1**")
                seen: list[str] = []
                for number, rows in ((1, 20), (2, 20), (3, 5)):
                    assert await page.locator("tr.row").count() == rows
                    seen += await page.locator("tr.row").evaluate_all(
                        "rows => rows.map(r => r.dataset.id)"
                    )
                    assert await page.locator("[data-total]").inner_text() == "45"
                    assert await page.locator("[data-sum]").inner_text() == "112,50 руб."
                    assert await page.get_by_text(f"Страница {number} из 3").is_visible()
                    if number == 1:
                        await shot(page, shots, "journal")
                    if number < 3:
                        await page.click("a[rel=next]")
                        await page.wait_for_url(f"**page={number + 1}**")
                assert len(set(seen)) == 45

                # --- open a failed row: its error code and text -------------------------
                await page.goto(url + "/admin/journal?find=1&status=error")
                failed = made["failed"][0]
                await page.click(f"tr[data-id='{failed}'] a.open")
                detail = page.locator(f"#d{failed}")
                await detail.locator("[data-error-code]").wait_for()
                assert await detail.locator("[data-error-code]").input_value() == "202"
                assert (
                    await detail.locator("[data-error-text]").input_value()
                    == "Неправильно указан номер телефона получателя"
                )
                await shot(page, shots, "journal-error")

                # --- plugin settings with a secret; the connection check --------------
                await page.goto(url + "/admin/c/clinic-1/plugins")
                await shot(page, shots, "plugins")
                await page.click("a.name:has-text('gateway')")
                await page.fill("input[name='f.api_key']", RIGHT_KEY)
                await page.fill("input[name='f.sender']", "Zdorovie")
                await page.click("button:has-text('Сохранить')")
                await page.wait_for_url("**saved=1")
                assert await page.get_by_text("Настройки сохранены.").is_visible()
                source = await page.content()
                assert RIGHT_KEY not in source
                assert "••••" + RIGHT_KEY[-4:] in source
                assert await page.input_value("input[name='f.api_key']") == ""
                await page.click("button:has-text('Проверить подключение')")
                await page.locator("[data-check=ok]").wait_for()
                assert "clinic-account" in await page.locator("[data-check=ok]").inner_text()
                await shot(page, shots, "plugin")

                # --- send one SMS from an appointment ---------------------------------
                await page.goto(url + "/admin/c/clinic-1/send")
                await page.fill("input[name=day]", "2026-11-24")
                await page.click("button:has-text('Показать')")
                await page.wait_for_url("**day=2026-11-24**")
                await page.select_option("select[name=appointment]", "A-1")
                await page.wait_for_url("**appointment=A-1**")
                text = page.locator("#send-appointment textarea[name=text]")
                assert "ждём вас 24.11.2026 в 10:30" in await text.input_value()
                assert await page.locator("#send-appointment [data-parts]").inner_text() != ""
                await text.fill("Иван Иванович, ждём вас завтра в 10:30. Клиника «Здоровье»")
                await page.locator("#send-appointment [data-parts]").wait_for()
                await shot(page, shots, "send")
                await page.click("#send-appointment button:has-text('Отправить')")
                await page.wait_for_url("**sent=**")
                sent = await page.locator("[data-sent]").get_attribute("data-sent")
                await hub.drain()
                await page.goto(url + "/admin/journal?find=1&status=sent")
                row = page.locator(f"tr[data-id='{sent}']")
                assert await row.locator("text=Отправлено").is_visible()
                assert await row.locator("text=Иванов Иван Иванович").is_visible()

                # --- the group mailing's preview -------------------------------------
                await page.goto(url + "/admin/c/clinic-1/mailing")
                await page.fill("input[name=period_from]", "2026-11-24")
                await page.fill("input[name=period_to]", "2026-11-24")
                await page.click("button:has-text('Предпросмотр')")
                await page.locator("[data-plan]").wait_for()
                await shot(page, shots, "mailing")

                # --- the other pages, for the screenshots --------------------------
                await page.goto(url + "/admin/c/clinic-1/templates?id=1")
                await page.fill("#template-body", "Вы записаны к ")
                await page.click("button[data-insert='{doctor_dative}']")
                await page.locator("[data-preview]:has-text('Петровой Анне Сергеевне')").wait_for()
                await shot(page, shots, "templates")
                for name, path in (
                    ("schedules", "/admin/c/clinic-1/schedules?kind=days_before"),
                    ("jobs", "/admin/c/clinic-1/jobs"),
                    ("deliveries", "/admin/deliveries"),
                    ("feed", "/admin/c/clinic-1/feed"),
                    ("stoplist", "/admin/c/clinic-1/stoplist"),
                    ("tokens", "/admin/tokens"),
                    ("reference", "/admin/c/clinic-1/reference/doctors"),
                    ("mappings", "/admin/c/clinic-1/mappings/gateway/services"),
                ):
                    response = await page.goto(url + path)
                    assert response is not None and response.status == 200, path
                    await shot(page, shots, name)

                # --- a form posted without the CSRF key is refused --------------------
                refused = await context.request.post(
                    url + "/admin/c/clinic-1/plugins/gateway/enabled",
                    form={"enabled": "0"},
                    max_redirects=0,
                )
                assert refused.status == 403
                await context.close()

                # --- a webadmin: no sending, no secrets ------------------------------
                context = await browser.new_context(viewport=DESKTOP, locale="ru-RU")
                page = await context.new_page()
                await sign_in(page, url, webadmin)
                await page.goto(url + "/admin/c/clinic-1/send?day=2026-11-24&appointment=A-1")
                assert await page.get_by_text(
                    "Отправлять сообщения может только администратор."
                ).is_visible()
                assert await page.locator("button:has-text('Отправить')").count() == 0
                await page.goto(url + "/admin/c/clinic-1/plugins/gateway")
                source = await page.content()
                assert "••••" not in source and RIGHT_KEY[-4:] not in source
                assert await page.locator("input[name='f.api_key']").count() == 0
                assert await page.locator("#in-api_key").is_disabled()
                await context.close()

                # --- at 375 px the journal fits the screen ---------------------------
                context = await browser.new_context(viewport=PHONE, locale="ru-RU", is_mobile=True)
                page = await context.new_page()
                await sign_in(page, url, hub.admin_token)
                await page.goto(url + "/admin/journal?find=1&per_page=5")
                assert await page.locator("tr.row").count() == 5
                assert await page.evaluate(
                    "document.documentElement.scrollWidth <= window.innerWidth"
                )
                await page.locator("tr.row").first.scroll_into_view_if_needed()
                await shot(page, shots, "journal-phone")
                for path in (
                    "/admin/c/clinic-1/send?day=2026-11-24&appointment=A-1",
                    "/admin/c/clinic-1/mailing",
                    "/admin/c/clinic-1/plugins",
                    "/admin/c/clinic-1/plugins/gateway",
                    "/admin/c/clinic-1/templates?id=1",
                    "/admin/c/clinic-1/schedules?kind=after_services",
                    "/admin/c/clinic-1/jobs",
                    "/admin/tokens",
                ):
                    await page.goto(url + path)
                    assert await page.evaluate(
                        "document.documentElement.scrollWidth <= window.innerWidth"
                    ), path
                await context.close()
            finally:
                await browser.close()
    message = await hub.message(int(sent or 0))
    assert message["appointment_id"] == "A-1" and message["status"] == "sent"
    assert (shots / "admin-journal.png").stat().st_size > 10_000
