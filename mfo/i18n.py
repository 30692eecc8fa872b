"""Language selection: the user's saved preference, then the session's choice, then Accept-Language."""

from __future__ import annotations

from flask import current_app, has_request_context, request, session
from flask_babel import get_locale
from flask_security import current_user


def select_locale() -> str:
    """Return the locale for this request, or the default outside a request (CLI, mail jobs)."""
    languages = current_app.config["MFO_LANGUAGES"]
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    if not has_request_context():
        return default
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    if session.get("locale") in languages:
        return session["locale"]
    return request.accept_languages.best_match(list(languages)) or default


def template_context() -> dict:
    """Give templates current_locale(), the code of the language the page is rendered in."""
    return {"current_locale": lambda: str(get_locale())}
