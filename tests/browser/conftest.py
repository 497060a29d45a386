"""Browser tests: Debian's Chromium driven by Playwright, the app served from a thread.

Skipped with a one-line reason where Chromium is absent (a developer's laptop);
CI installs it, and there nothing may skip (SEP_REQUIRE_ALL). Helpers for tests
(sign_in, sign_out, assert_accessible) are in tests/browser/helpers.py.
"""

from __future__ import annotations

import os
import shutil
import threading
from types import SimpleNamespace

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    launched = playwright.chromium.launch(
        executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
    )
    yield launched
    launched.close()
    playwright.stop()


@pytest.fixture
def live_server(app):
    """The test app on 127.0.0.1:<free port>; emails link back to it."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    app.config["PORTAL_BASE_URL"] = url
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield SimpleNamespace(url=url, app=app)
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url)
    new_page = context.new_page()
    new_page.set_default_timeout(10_000)
    csp_violations: list[str] = []
    new_page.on(
        "console",
        lambda message: (
            csp_violations.append(message.text)
            if "Content Security Policy" in message.text
            else None
        ),
    )
    yield new_page
    context.close()
    assert not csp_violations, f"the page broke its Content-Security-Policy: {csp_violations}"
