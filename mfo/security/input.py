"""Crafted input refused with 400 before any view reads it: NUL characters, and JSON bodies no form could send."""

from __future__ import annotations

from flask import Flask, abort, current_app, request

# Methods whose body a view reads.
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def has_nul(value: object) -> bool:
    """Tell whether a text, or any text inside a list or object, contains a NUL character."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list):
        return any(has_nul(item) for item in value)
    if isinstance(value, dict):
        return any(has_nul(key) or has_nul(item) for key, item in value.items())
    return False


def refuse_nul_characters() -> None:
    """Answer 400 to a request carrying a NUL character in its path, query string or form.

    No text anyone types contains one, and PostgreSQL refuses to compare or store it: a search,
    a filter or a slug with %00 in it would otherwise fail as an error in the database (a 500).
    """
    if "\x00" in request.path:
        abort(400)
    sources = [request.args, request.form] if request.method in BODY_METHODS else [request.args]
    for values in sources:
        for key, items in values.lists():
            if "\x00" in key or any("\x00" in item for item in items):
                abort(400)


def form_like(value: object) -> bool:
    """Tell whether a JSON value is one a form field could carry: text, true/false, null, or a list of texts."""
    if value is None or isinstance(value, (str, bool)):
        return True
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def refuse_crafted_json() -> None:
    """Answer 400 to a JSON body for Flask-Security's views that is not an object of form values.

    Flask-Security turns the body into form data with MultiDict(request.get_json()): a body that
    is not an object ("x", [1, 2], 1) made that raise, and a `next` that is an object or a number
    reached code expecting text. Both were 500s. Its forms only have text, check-box and
    multiple-choice fields, so nothing more is ever needed.
    """
    if request.method not in BODY_METHODS or not request.is_json:
        return
    if request.blueprint != current_app.config.get("SECURITY_BLUEPRINT_NAME", "security"):
        return
    body = request.get_json()  # a body that is not JSON at all is a 400 here already
    if not isinstance(body, dict) or not all(form_like(value) for value in body.values()) or has_nul(body):
        abort(400)


def init_input_checks(app: Flask) -> None:
    """Check every request's input before the views (and the sign-in rules) read it."""
    app.before_request(refuse_nul_characters)
    app.before_request(refuse_crafted_json)
