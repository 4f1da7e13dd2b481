"""GraphiQL and the mailbox in a real browser (Debian's chromium, headless), no internet.

Skipped where /usr/bin/chromium is missing, unless TORIHIKI_REQUIRE_BROWSER=1 (CI).
Every request the page makes is intercepted: only 127.0.0.1 may be reached.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests.conftest import BACKEND, free_port
from tests.e2e.test_dev_server import _wait_ready
from tests.helpers import REGISTER, application

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]

if not Path(CHROMIUM).exists():
    if os.environ.get("TORIHIKI_REQUIRE_BROWSER") == "1":
        pytest.exit(f"{CHROMIUM} is required for the browser test", returncode=1)
    pytestmark = pytest.mark.skip(reason=f"no {CHROMIUM}: apt-get install chromium to run it")
elif BACKEND != "sqlite":
    pytestmark = pytest.mark.skip(reason="the embedded profile is SQLite")


async def test_graphiql_and_mailbox_in_chromium(tmp_path):
    from playwright.async_api import TimeoutError as PlaywrightTimeout
    from playwright.async_api import async_playwright

    http_port, smtp_port = free_port(), free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite://{tmp_path / 'dev.sqlite3'}",
        "MAILBOX_DIR": str(tmp_path / "mailbox"),
        "HTTP_PORT": str(http_port),
        "SMTP_PORT": str(smtp_port),
        "REDIS_URL": "",
        "ARGON2_TIME_COST": "1",
        "ARGON2_MEMORY_COST_KIB": "1024",
        "ARGON2_PARALLELISM": "1",
    }
    process = subprocess.Popen(  # noqa: ASYNC220 - a server for the test's lifetime
        [sys.executable, "-m", "api.cli", "dev"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{http_port}"
    outside: list[str] = []
    # TORIHIKI_SCREENSHOTS=docs/screenshots refreshes the pictures the docs show.
    shots = Path(os.environ.get("TORIHIKI_SCREENSHOTS") or tmp_path)
    try:
        async with httpx.AsyncClient(base_url=base) as client:
            await _wait_ready(client, process)
            await client.post(
                "/graphql", json={"query": REGISTER, "variables": {"input": application()}}
            )
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            page = await browser.new_page()

            async def guard(route):  # noqa: ANN001
                if urlsplit(route.request.url).hostname == "127.0.0.1":
                    await route.continue_()
                else:
                    outside.append(route.request.url)
                    await route.abort()

            await page.route("**/*", guard)
            await page.goto(f"{base}/graphql")
            editor = page.locator(".graphiql-query-editor .CodeMirror").first
            await editor.wait_for(timeout=20_000)
            for _attempt in range(4):  # the editor may still be starting up
                await editor.click()
                await page.keyboard.press("Control+A")
                await page.keyboard.press("Delete")
                await page.keyboard.insert_text("{ store { name } }")
                await page.locator(".graphiql-execute-button").click()
                try:
                    await page.wait_for_function(
                        "document.body.innerText.includes('\"data\"')", timeout=8_000
                    )
                    break
                except PlaywrightTimeout:
                    continue
            text = await page.inner_text("body")
            assert '"data"' in text and '"name"' in text, text
            await page.screenshot(path=str(shots / "graphiql.png"))

            await page.goto(f"{base}/dev/mailbox")
            for _ in range(50):
                if await page.locator("a", has_text="html").count():
                    break
                await page.wait_for_timeout(200)
                await page.reload()
            await page.screenshot(path=str(shots / "mailbox.png"))
            await page.locator("a", has_text="html").first.click()
            await page.wait_for_load_state()
            assert "verify-email" in await page.content()
            await browser.close()
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
    assert outside == []
