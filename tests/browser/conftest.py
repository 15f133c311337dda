"""Browser tests: Debian's chromium driven by Playwright's sync API against pytest-django's live server.

One headless browser per module, a fresh context (cookies, storage) per test. Never `playwright install`:
there is no browser download on the intranet; the system chromium is used instead."""

import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest

CHROMIUM = os.environ.get("PORTAL_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]
VIEWPORT = {"width": 1366, "height": 900}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no chromium at {CHROMIUM}")
    # Playwright's sync API keeps an asyncio loop running in this thread while it is started; Django would then
    # refuse the test's own (plain synchronous) ORM calls and the database flush. Allow them while it runs only.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_api.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


class RequestLog:
    """Every request a page makes, and every response that failed."""

    def __init__(self, base_url: str):
        self.base = urlsplit(base_url)
        self.urls: list[str] = []
        self.failures: list[str] = []

    def on_request(self, request) -> None:
        self.urls.append(request.url)

    def on_response(self, response) -> None:
        if response.status >= 400:
            self.failures.append(f"{response.status} {response.url}")

    def external(self) -> list[str]:
        """Requests that left the live server (data: and blob: URLs never touch the network)."""
        out = []
        for url in self.urls:
            parts = urlsplit(url)
            if parts.scheme in ("data", "blob", "about"):
                continue
            if (parts.scheme, parts.netloc) != (self.base.scheme, self.base.netloc):
                out.append(url)
        return out


@pytest.fixture
def context(browser, live_server):
    """A fresh browser context of a Chinese-language intranet desktop: zh-CN, Shanghai time, 1366×900."""
    ctx = browser.new_context(
        base_url=live_server.url, viewport=VIEWPORT, locale="zh-CN", timezone_id="Asia/Shanghai",
    )
    ctx.set_default_timeout(10_000)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context, live_server):
    page = context.new_page()
    log = RequestLog(live_server.url)
    page.on("request", log.on_request)
    page.on("response", log.on_response)
    page.request_log = log
    # The Content-Security-Policy (settings CONTENT_SECURITY_POLICY) must not block anything a page does: Chromium
    # reports each blocked script, style, image or connection on the console.
    csp_violations: list[str] = []
    page.on("console", lambda message: csp_violations.append(f"{page.url}: {message.text}")
            if "Content Security Policy" in message.text else None)
    yield page
    page.close()
    assert csp_violations == [], "\n".join(csp_violations)


@pytest.fixture(scope="session")
def screenshots_dir() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
