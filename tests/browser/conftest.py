"""Browser fixtures: a live mfo server in a thread, and Chromium pages that fail on any console error or accessibility violation."""

from __future__ import annotations

import os
import shutil
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from tests import services
from tests.conftest import make_app

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
# axe-core, pinned in package-lock.json beside this file and installed by `make install-dev` (npm ci).
AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
# What every page must pass: WCAG 2.1 levels A and AA, and axe's best practices (landmarks, headings, ...).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]

# Flags for a headless Chromium on a machine with no network but loopback: no sandbox (root),
# and no background connections that would fail and clutter the console.
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def chromium_or_skip() -> str:
    """Return Debian's chromium, skipping (or failing where it is required) when it is missing."""
    path = shutil.which("chromium")
    if path:
        return path
    if services.required():
        pytest.fail("chromium is not installed: .ci/run installs it with apt-get")
    pytest.skip("chromium is not installed (apt-get install chromium)")


def axe_source_or_skip() -> str:
    """Return axe-core's script, skipping (or failing where it is required) when npm has not installed it."""
    if AXE.exists():
        return AXE.read_text(encoding="utf-8")
    if services.required():
        pytest.fail(f"axe-core is not installed at {AXE}: `make install-dev` installs it with npm ci")
    pytest.skip("axe-core is not installed (npm ci in tests/browser, which `make install-dev` runs when npm is there)")


def free_port() -> int:
    """Return a free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LiveServer:
    """A running mfo: its base URL, the app object, and the emails it has sent."""

    url: str
    app: Flask
    outbox: list = field(default_factory=list)


@pytest.fixture
def live_server(_schema, database_url: str, app) -> Iterator[LiveServer]:
    """Serve a fresh app (on the test database, roles synced by `app`) from a thread.

    The host is "localhost", not 127.0.0.1: passkeys (WebAuthn) refuse IP addresses as their
    relying-party id, and localhost is a secure context over plain http.
    """
    port = free_port()
    live = LiveServer(f"http://localhost:{port}", make_app(database_url, shares_context=False, SERVER_NAME=f"localhost:{port}"))
    live.app.extensions["mailman"].outbox = live.outbox
    requests = RequestsInFlight(live.app.wsgi_app)
    live.app.wsgi_app = requests
    server = make_server("127.0.0.1", port, live.app, threaded=True)
    server.block_on_close = False  # server_close() would wait, with no time limit, on idle keep-alive threads
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield live
    server.shutdown()
    thread.join(timeout=5)
    # shutdown() only stops accepting: a request the browser sent last may still be running in its
    # own thread, holding a pooled connection that disposing of the engine after the test (in
    # tests/conftest.py) would leave open.
    assert requests.wait_until_done(timeout=10), "the live server was still handling a request after 10 s"
    server.server_close()


class RequestsInFlight:
    """WSGI middleware that counts the requests being handled, so a test can wait for them to end."""

    def __init__(self, wsgi_app) -> None:
        self.wsgi_app = wsgi_app
        self.count = 0
        self.idle = threading.Condition()

    def __call__(self, environ, start_response):
        with self.idle:
            self.count += 1
        try:
            # Flask pops the request's contexts, and so gives back its database connection, before
            # wsgi_app returns (no view here streams its response).
            response = self.wsgi_app(environ, start_response)
            # The body is read and the response closed here: werkzeug's development server closes
            # it only after draining the request's socket, which raises when Chromium has already
            # dropped the connection (a stylesheet it no longer needs), so a static file's handle
            # was left to the garbage collector and surfaced as a ResourceWarning in a later test.
            try:
                return [b"".join(response)]
            finally:
                if hasattr(response, "close"):
                    response.close()
        finally:
            with self.idle:
                self.count -= 1
                self.idle.notify_all()

    def wait_until_done(self, timeout: float) -> bool:
        """Wait until no request is being handled; False if some still is after `timeout` seconds."""
        with self.idle:
            return self.idle.wait_for(lambda: self.count == 0, timeout=timeout)


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session."""
    executable = chromium_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class ConsoleErrors(list):
    """Console errors and uncaught page errors seen by a page (CSP violations included)."""


@pytest.fixture(scope="session")
def axe_source(browser) -> str:
    """axe-core's script, read once (after `browser`, so a missing Chromium skips first)."""
    return axe_source_or_skip()


class AccessibilityChecks:
    """Runs axe-core on every document a page loads, once it has loaded, and keeps the violations found.

    axe is injected with page.evaluate (a DevTools evaluation, which the Content-Security-Policy does
    not govern), so the site's strict policy stays on and any script it blocks still shows as an error.
    """

    def __init__(self, page, source: str) -> None:
        self.page = page
        self.source = source
        self.violations: dict[str, None] = {}  # in the order found, each once
        self.checked: list[str] = []
        self.pending = False
        page.on("framenavigated", self._navigated)

    def _navigated(self, frame) -> None:
        # An event handler only takes note: the check itself runs before the test's next action.
        if frame == self.page.main_frame:
            self.pending = True

    def check_if_loaded_anew(self) -> None:
        """Check the page if a new document (or a new URL in it) has loaded since the last check."""
        if self.pending:
            self.check()

    def check(self) -> None:
        """Run axe on the page as it is now and note its violations under the page's address."""
        from playwright.sync_api import Error

        self.pending = False
        page = self.page
        try:
            page.wait_for_load_state("load")
            if not page.evaluate("() => typeof window.axe === 'object'"):
                page.evaluate(self.source)
            results = page.evaluate(
                """tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations'],
                                                iframes: false})
                   .then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                                        nodes: v.nodes.map(n => ({target: n.target.join(' '),
                                                                                  summary: n.failureSummary}))})))""",
                AXE_TAGS,
            )
        except Error as error:
            # The page went on to another document while axe ran (a script that moves on by itself):
            # that document is checked in turn.
            if "context was destroyed" in str(error) or "navigation" in str(error).lower():
                self.pending = True
                return
            raise
        url = page.url
        self.checked.append(url)
        for violation in results:
            lines = [f"{url}: {violation['id']} ({violation['impact']}): {violation['help']}"]
            for node in violation["nodes"]:
                summary = " ".join((node["summary"] or "").split())
                lines.append(f"    {node['target']}: {summary}")
            self.violations["\n".join(lines)] = None


class CheckedPage:
    """A Playwright page whose every action first checks a newly loaded document with axe.

    Checking before the test's next action, rather than in the `load` event, means axe sees the page
    as it loaded and runs to its end before the test clicks its way to another page.
    """

    # Listening and evaluating are not actions on the page's content.
    PASSIVE = frozenset({"on", "once", "remove_listener", "evaluate", "is_closed", "expect_event"})

    def __init__(self, page, accessibility: AccessibilityChecks) -> None:
        self._page = page
        self.accessibility = accessibility

    def __getattr__(self, name: str):
        value = getattr(self._page, name)
        if name.startswith("_") or name in self.PASSIVE or not callable(value):
            return value
        accessibility = self.accessibility

        def checked(*args, **kwargs):
            accessibility.check_if_loaded_anew()
            return value(*args, **kwargs)

        return checked


@pytest.fixture
def page(browser, live_server, axe_source) -> Iterator[CheckedPage]:
    """A fresh browser page on the live server, checked for accessibility on every document it loads.

    The test fails if the console shows any error, or if axe finds any violation of WCAG 2.1 A/AA or
    of its best practices on a page the test visited (the last one is checked again as it was left).
    """
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    raw = context.new_page()
    errors = ConsoleErrors()
    raw.on("console", lambda message: errors.append(f"console: {message.text}") if message.type == "error" else None)
    raw.on("pageerror", lambda error: errors.append(f"page error: {error}"))
    accessibility = AccessibilityChecks(raw, axe_source)
    page = CheckedPage(raw, accessibility)
    page.console_errors = errors
    yield page
    if raw.url.startswith(live_server.url):
        accessibility.check()
    context.close()
    assert not errors, "the browser console showed errors:\n" + "\n".join(errors)
    assert accessibility.checked, "axe checked no page"
    if accessibility.violations:
        pytest.fail("axe found accessibility violations:\n" + "\n".join(accessibility.violations), pytrace=False)


def screenshot(page, name: str) -> None:
    """Save a screenshot of the page to docs/screenshots/ when MFO_SCREENSHOTS=1."""
    if os.environ.get("MFO_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def tick_required_consents(page) -> None:
    """Tick the basket's required consent box (processing of the entry) for every performer it asks about."""
    for box in page.locator("#submit-form input[type=checkbox][name$='-processing']").all():
        box.check()
