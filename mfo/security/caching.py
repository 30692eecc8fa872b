"""No cache keeps what a signed-in user was shown: `Cache-Control: private, no-store` on their every response."""

from __future__ import annotations

from flask import Flask, Response, current_app, g, request
from flask_login import user_logged_out
from flask_security import current_user

# Set when the request signed its user out (sign-out, an expired session): its answer was still
# made for a signed-in user.
_SIGNED_OUT_NOW = "_mfo_signed_out_now"


def cache_control_value() -> str:
    """Return the Cache-Control header SECURITY_CACHE_CONTROL describes (bare directives for None or True)."""
    directives = current_app.config.get("SECURITY_CACHE_CONTROL") or {"private": None, "no-store": None}
    return ", ".join(name if value in (None, True) else f"{name}={value}" for name, value in directives.items())


def keep_out_of_caches(response: Response) -> Response:
    """Tell browsers and shared caches not to store pages of signed-in users, nor any file download.

    Flask-Security does this for its own pages only; account pages, the admin's lists and details
    and the CSV exports would otherwise stay in a shared computer's browser cache (and a proxy's).
    Static files (stylesheets, scripts, images) are the same for everyone and stay cacheable.
    """
    if request.endpoint and request.endpoint.endswith("static"):
        return response
    download = response.headers.get("Content-Disposition", "").lower().startswith("attachment")
    if download or current_user.is_authenticated or g.get(_SIGNED_OUT_NOW):
        response.headers["Cache-Control"] = cache_control_value()
    return response


def _note_sign_out(sender: Flask, **_extra) -> None:
    """Remember that this request signed its user out."""
    g.setdefault(_SIGNED_OUT_NOW, True)


def init_caching(app: Flask) -> None:
    """Mark every response to a signed-in user, and every download, as not to be stored."""
    user_logged_out.connect(_note_sign_out, app)
    app.after_request(keep_out_of_caches)
