"""One log line per request: method, path, status, duration and the signed-in user's id."""

from __future__ import annotations

import logging
import sys
import time

from flask import Flask, g, request
from flask.wrappers import Response

logger = logging.getLogger("mfo.requests")

# View arguments that carry secrets (reset, confirmation and change-email links): never logged.
SECRET_VIEW_ARGS = ("token",)


def _start_timer() -> None:
    """Note when the request started."""
    g._mfo_request_started = time.perf_counter()


def logged_path() -> str:
    """Return the request path with secret URL parts (tokens) masked; the query string is left out."""
    path = request.path
    for name in SECRET_VIEW_ARGS:
        value = (request.view_args or {}).get(name)
        if value:
            path = path.replace(str(value), f"<{name}>")
    return path


def _log_request(response: Response) -> Response:
    """Write the request's line (the user id only if the request already loaded the user)."""
    started = g.pop("_mfo_request_started", None)
    duration_ms = (time.perf_counter() - started) * 1000 if started is not None else 0.0
    user = g.get("_login_user")
    user_id = getattr(user, "id", None) if getattr(user, "is_authenticated", False) else None
    logger.info(
        "%s %s %s %.1fms user=%s",
        request.method,
        logged_path(),
        response.status_code,
        duration_ms,
        user_id if user_id is not None else "-",
    )
    return response


class WerkzeugAccessLogFilter(logging.Filter):
    """Drop the development server's own line per request (ours says the same, and more); keep its errors.

    Werkzeug's request handler logs each request at INFO as '<address> - - [<time>] "%s" %s %s';
    its errors ("Error on request", bad request lines) and its start-up lines do not match.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Tell whether to keep the record: everything but the access lines."""
        message = record.msg if isinstance(record.msg, str) else ""
        return not (record.levelno == logging.INFO and message.rstrip("\n").endswith('] "%s" %s %s'))


def _silence_werkzeug_access_log() -> None:
    """Install the filter on Werkzeug's logger, once per process."""
    werkzeug_logger = logging.getLogger("werkzeug")
    if not any(isinstance(existing, WerkzeugAccessLogFilter) for existing in werkzeug_logger.filters):
        werkzeug_logger.addFilter(WerkzeugAccessLogFilter())


def init_request_log(app: Flask) -> None:
    """Log every request, and give mfo's loggers a stderr handler outside tests.

    In development (`flask run`) Werkzeug's server logs each request too: while our line is on
    (MFO_LOG_LEVEL at INFO or below) its access line is dropped, so each request is logged once.
    """
    package_logger = logging.getLogger("mfo")
    package_logger.setLevel(app.config["MFO_LOG_LEVEL"])
    if not app.testing and not package_logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        package_logger.addHandler(handler)
    if app.debug and logger.isEnabledFor(logging.INFO):
        _silence_werkzeug_access_log()
    app.before_request(_start_timer)
    app.after_request(_log_request)
