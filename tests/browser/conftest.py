"""Browser fixtures: a live mfo server in a thread, and Chromium pages that fail on any console error."""

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


@pytest.fixture
def page(browser, live_server) -> Iterator:
    """A fresh browser page on the live server; the test fails if the console shows any error."""
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    page = context.new_page()
    errors = ConsoleErrors()
    page.on("console", lambda message: errors.append(f"console: {message.text}") if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(f"page error: {error}"))
    page.console_errors = errors
    yield page
    context.close()
    assert not errors, "the browser console showed errors:\n" + "\n".join(errors)


def screenshot(page, name: str) -> None:
    """Save a screenshot of the page to docs/screenshots/ when MFO_SCREENSHOTS=1."""
    if os.environ.get("MFO_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
