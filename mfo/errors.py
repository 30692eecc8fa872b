"""Error pages: every HTTP error renders in the shared layout, or as JSON when JSON was asked for."""

from __future__ import annotations

from contextlib import suppress

from flask import Flask, current_app, g, jsonify, make_response, render_template, request
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from werkzeug.exceptions import HTTPException, ServiceUnavailable

from mfo.database import db

MESSAGES = {
    400: (_l("Bad request"), _l("The request could not be understood. If you sent a form, reload the page and try again.")),
    403: (_l("Forbidden"), _l("You do not have permission to open this page.")),
    404: (_l("Page not found"), _l("There is no page at this address.")),
    405: (_l("Method not allowed"), _l("This page cannot be used that way.")),
    429: (_l("Too many requests"), _l("Please wait a little before trying again.")),
    500: (_l("Something went wrong"), _l("The error has been logged. Please try again later.")),
    503: (_l("Service unavailable"), _l("The site cannot reach its database just now. Please try again shortly.")),
}


def wants_json() -> bool:
    """Tell whether the client asked for JSON (a JSON body, or JSON as its preferred answer)."""
    return request.is_json or request.accept_mimetypes.best == "application/json"


def render_error(error: HTTPException):
    """Return the response for an HTTP error, keeping its headers (Allow, Retry-After, ...)."""
    code = error.code or 500
    title, text = MESSAGES.get(code, (error.name, error.description))
    headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
    if wants_json():
        response = jsonify({"error": {"code": code, "title": str(title), "message": str(text)}})
    else:
        response = make_response(render_template("errors.html", code=code, error_title=title, error_text=text))
    response.status_code = code
    for key, value in headers:
        response.headers[key] = value
    return response


def database_unavailable(error: SQLAlchemyError):
    """Answer 503 (not a 500 with a stack trace) while the database cannot be reached."""
    current_app.logger.error("database unavailable: %s", error.__class__.__name__, exc_info=error)
    with suppress(SQLAlchemyError):
        db.session.rollback()
    # Render as an anonymous visitor: loading the signed-in user would need the database again.
    g._login_user = current_app.login_manager.anonymous_user()
    return render_error(ServiceUnavailable())


def init_errorhandlers(app: Flask) -> None:
    """Register the handlers for every HTTP error, and for unexpected exceptions as a 500."""
    # Flask wraps unexpected exceptions in InternalServerError (after logging them), so this one
    # handler also renders the 500 page; redirects and routing exceptions never reach it.
    app.register_error_handler(HTTPException, render_error)
    # A lost or refused connection (server restarting, network cut, pool exhausted) is a 503; the
    # pool's pre-ping reconnects on a later request. Integrity and programming errors stay 500s.
    for error in (OperationalError, InterfaceError, PoolTimeoutError):
        app.register_error_handler(error, database_unavailable)
