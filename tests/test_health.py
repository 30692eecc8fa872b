"""Health probe, 503 pages while the database is away, and the one-line-per-request log."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from mfo.database import db
from tests.conftest import make_app
from tests.helpers import login, post_form

JSON = {"Accept": "application/json"}


@contextmanager
def database_down() -> Iterator[None]:
    """Make every new database connection of the app fail, as when the server is restarting."""
    engine = db.engine
    engine.dispose()

    def refuse(*_args, **_kwargs):
        raise engine.dialect.loaded_dbapi.OperationalError("connection refused: the database is restarting")

    event.listen(engine, "do_connect", refuse)
    try:
        yield
    finally:
        event.remove(engine, "do_connect", refuse)


def test_healthz_answers_200_when_the_database_answers(anon_client):
    """The probe needs no sign-in and reports the database up."""
    response = anon_client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "up"}


def test_healthz_answers_503_when_the_database_does_not(app, anon_client):
    """With the database away the probe answers 503, then 200 again once it is back."""
    with database_down():
        response = anon_client.get("/healthz")
        assert response.status_code == 503
        assert response.json["database"] == "down"
    assert anon_client.get("/healthz").status_code == 200


def test_pages_answer_503_not_500_while_the_database_is_away(app, staff_client):
    """A signed-in page during an outage is a 503 page in the layout, with no stack trace; then it recovers."""
    assert staff_client.get("/account/").status_code == 200
    with database_down():
        response = staff_client.get("/account/")
        page = response.get_data(as_text=True)
        assert response.status_code == 503
        assert "Service unavailable" in page and 'id="language-form"' in page
        assert "Traceback" not in page and "restarting" not in page
        assert staff_client.get("/account/", headers=JSON).json["error"]["code"] == 503
    assert staff_client.get("/account/").status_code == 200


def test_unreachable_database_at_start_is_a_503(tmp_path):
    """An app started while its database cannot be opened answers 503 on the probe and on sign-in."""
    app = make_app(f"sqlite:///{tmp_path}/no-such-folder/mfo.sqlite")
    client = app.test_client()
    assert client.get("/healthz").status_code == 503
    response = post_form(client, "/login", {"email": "a@example.org", "password": "whatever-1"})
    assert response.status_code == 503
    with app.app_context():
        db.engine.dispose()


def test_one_log_line_per_request_with_user_and_time(caplog, staff_client, users):
    """Each request logs method, path, status, duration and user id."""
    with caplog.at_level(logging.INFO, logger="mfo.requests"):
        staff_client.get("/account/")
    line = [r.getMessage() for r in caplog.records if r.name == "mfo.requests"][-1]
    method, path, status, duration, user = line.split(" ")
    assert (method, path, status) == ("GET", "/account/", "200")
    assert duration.endswith("ms") and float(duration[:-2]) >= 0
    assert user.startswith("user=") and user != "user=-"


def test_log_lines_never_contain_tokens_or_query_strings(caplog, anon_client):
    """Reset and confirmation tokens in the path are masked; query strings are not logged."""
    with caplog.at_level(logging.INFO, logger="mfo.requests"):
        anon_client.get("/reset/secret-token-value")
        anon_client.get("/login?next=/account/&secret=1")
    lines = [r.getMessage() for r in caplog.records if r.name == "mfo.requests"]
    assert any(line.startswith("GET /reset/<token> ") for line in lines), lines
    assert not any("secret" in line for line in lines), lines


@pytest.mark.settings(MFO_TRUSTED_PROXIES=1)
def test_behind_a_trusted_proxy_the_client_address_comes_from_x_forwarded_for(app):
    """With one trusted proxy, the request sees the client's address and scheme, not the proxy's."""
    seen = {}

    @app.route("/test-remote")
    def remote():
        """Report what the app sees."""
        from flask import request

        seen.update(addr=request.remote_addr, scheme=request.scheme)
        return "ok"

    app.test_client().get("/test-remote", headers={"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"})
    assert seen == {"addr": "203.0.113.9", "scheme": "https"}


def test_without_trusted_proxies_forwarded_headers_are_ignored(app):
    """By default a forged X-Forwarded-For cannot change the client address."""
    seen = {}

    @app.route("/test-remote")
    def remote():
        """Report what the app sees."""
        from flask import request

        seen.update(addr=request.remote_addr)
        return "ok"

    app.test_client().get("/test-remote", headers={"X-Forwarded-For": "203.0.113.9"})
    assert seen == {"addr": "127.0.0.1"}


def test_a_connection_dying_at_the_end_of_a_request_does_not_turn_it_into_a_500(
    app, users, database_url, monkeypatch
):
    """If closing the session fails (the database went away mid-request), the page still answers."""
    from sqlalchemy.exc import OperationalError
    from sqlalchemy.orm import Session

    # A second app: its requests get their own app context (and teardown), unlike `app`'s test
    # requests, which share the one pytest-flask keeps pushed.
    other = make_app(database_url, shares_context=False)
    client = other.test_client()
    login(client, users["staff"])
    real_close = Session.close
    failures = []

    def close_failing_once(self):
        """Fail the first close, as a rollback on a dead connection does."""
        real_close(self)
        if not failures:
            failures.append(1)
            raise OperationalError("ROLLBACK", {}, Exception("terminating connection due to administrator command"))

    monkeypatch.setattr(Session, "close", close_failing_once)
    assert client.get("/account/").status_code == 200
    assert failures
    monkeypatch.undo()
    assert client.get("/account/").status_code == 200
    with other.app_context():
        db.engine.dispose()


# --- the development server logs each request once


@pytest.fixture
def werkzeug_logger() -> Iterator[logging.Logger]:
    """Werkzeug's logger without our filter (it is process-wide: each test installs it afresh)."""
    from mfo.request_log import WerkzeugAccessLogFilter

    werkzeug_logger = logging.getLogger("werkzeug")
    kept = [f for f in werkzeug_logger.filters if not isinstance(f, WerkzeugAccessLogFilter)]
    werkzeug_logger.filters[:] = kept
    yield werkzeug_logger


def test_the_development_server_logs_each_request_once_and_keeps_its_errors(database_url, _schema, werkzeug_logger, caplog):
    """Under `flask run` (debug) Werkzeug's own access line is dropped while ours is on; its errors still show."""
    import socket
    import threading
    import urllib.request

    from werkzeug.serving import make_server

    from tests.browser.conftest import free_port

    app = make_app(database_url, shares_context=False, DEBUG=True)
    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with caplog.at_level(logging.INFO):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10).close()
            with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
                raw.sendall(b"NOT A REQUEST LINE\r\n\r\n")
                raw.recv(1024)
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()
    ours = [r.getMessage() for r in caplog.records if r.name == "mfo.requests"]
    theirs = [r for r in caplog.records if r.name == "werkzeug"]
    assert [line.split(" ")[:3] for line in ours] == [["GET", "/healthz", "200"]]
    assert not [r for r in theirs if "/healthz" in r.getMessage()], "Werkzeug logged the request a second time"
    assert [r.getMessage().split("] ", 1)[1] for r in theirs if r.levelno >= logging.ERROR] == [
        "code 400, message Bad request version ('LINE')"
    ], "its error was lost"


def test_werkzeug_keeps_its_access_log_when_ours_is_off(database_url, _schema, werkzeug_logger):
    """With mfo's request log above INFO nothing would log requests: Werkzeug's line stays; in production it is never touched."""
    from mfo.request_log import WerkzeugAccessLogFilter

    make_app(database_url, shares_context=False, DEBUG=True, MFO_LOG_LEVEL="WARNING")
    make_app(database_url, shares_context=False)
    assert not any(isinstance(f, WerkzeugAccessLogFilter) for f in werkzeug_logger.filters)
    make_app(database_url, shares_context=False, DEBUG=True)
    assert any(isinstance(f, WerkzeugAccessLogFilter) for f in werkzeug_logger.filters)
    startup = logging.LogRecord("werkzeug", logging.INFO, __file__, 1, " * Running on %s", ("http://127.0.0.1:5000",), None)
    assert WerkzeugAccessLogFilter().filter(startup)
