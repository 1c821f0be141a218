"""The answer page in a real headless Chromium (Playwright), served by a real uvicorn.

At a phone viewport (375×667) and a desktop one (1280×800): open the link from a queued
reminder, press «Подтвердить», see the confirmation, and find ``appointment.confirmed``
in the clinic's feed.  Skips (with how to enable it) when Chromium is missing, unless
``HUB_REQUIRE_BROWSER=1``.  ``HUB_SCREENSHOTS_DIR=docs/images`` keeps the screenshots.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from live import CHROMIUM_ARGS, LiveServer, chromium_path
from pagekit import reminder_link, seed

from hub.testing import Harness

pytestmark = pytest.mark.browser

VIEWPORTS = {"phone": {"width": 375, "height": 667}, "desktop": {"width": 1280, "height": 800}}


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
async def test_patient_confirms_in_a_real_browser(
    hub: Harness, viewport: str, tmp_path: Path
) -> None:
    executable = chromium_path()
    from playwright.async_api import async_playwright

    await seed(hub)
    link = await reminder_link(hub)
    shots = Path(os.environ.get("HUB_SCREENSHOTS_DIR") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    with LiveServer(hub.runtime.settings, hub.clock) as server:
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(
                executable_path=executable, headless=True, args=CHROMIUM_ARGS
            )
            try:
                page = await browser.new_page(
                    viewport=VIEWPORTS[viewport],
                    locale="ru-RU",
                    java_script_enabled=False,
                    is_mobile=viewport == "phone",
                    device_scale_factor=2 if viewport == "phone" else 1,
                )
                response = await page.goto(server.url + link)
                assert response is not None and response.status == 200
                assert await page.get_by_text("Вы записаны на приём").is_visible()
                assert await page.get_by_text("10:30").first.is_visible()
                confirm = page.get_by_role("button", name="Подтвердить")
                assert await confirm.is_visible()
                # everything fits the width: no sideways scrolling on a phone
                assert await page.evaluate(
                    "document.documentElement.scrollWidth <= window.innerWidth"
                )
                box = await confirm.bounding_box()
                assert (
                    box is not None
                    and box["x"] >= 0
                    and box["x"] + box["width"] <= VIEWPORTS[viewport]["width"]
                )
                await page.screenshot(path=str(shots / f"answer-{viewport}.png"), full_page=True)
                await confirm.click()
                await page.wait_for_url(f"**{link}?done=1")
                assert await page.get_by_text("Спасибо! Запись подтверждена.").is_visible()
                await page.screenshot(
                    path=str(shots / f"answer-{viewport}-confirmed.png"), full_page=True
                )
            finally:
                await browser.close()
    confirmed = [e for e in await hub.feed("clinic-1") if e["type"] == "appointment.confirmed"]
    assert [e["data"]["appointment_id"] for e in confirmed] == ["A-1"]
    assert (shots / f"answer-{viewport}.png").stat().st_size > 10_000
