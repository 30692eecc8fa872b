"""Session rules: idle timeout, absolute lifetime (remember-me included), "sign out everywhere", deactivation."""

from __future__ import annotations

import time

from flask import Flask, Response, current_app, flash, g, request, session
from flask_babel import gettext as _
from flask_security import current_user, logout_user, user_authenticated
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import event

from mfo.database.models import User, user_datastore
from mfo.security.events import SIGN_OUT_REASON

# Unix timestamps kept in the signed session cookie: when this session signed in, when it was last used.
SIGNED_IN_AT = "mfo_signed_in_at"
SEEN_AT = "mfo_seen_at"
SEEN_AT_RESOLUTION = 60  # seconds
# A remember-me cookie carries no time, so a copy of it would work for as long as the account's
# identity key lasts. This signed companion cookie records when (and for whom) it was issued.
REMEMBER_AT_COOKIE = "mfo_remember_at"
_ISSUE_REMEMBER_AT = "mfo_issue_remember_at"


def clock() -> float:
    """Return the current Unix time; tests patch this clock."""
    return time.time()


def idle_timeout() -> float:
    """Return the idle timeout in seconds."""
    return float(current_app.config["MFO_IDLE_TIMEOUT_MINUTES"]) * 60


def max_lifetime() -> float:
    """Return the absolute session lifetime in seconds."""
    return float(current_app.config["MFO_SESSION_MAX_HOURS"]) * 3600


def end_all_sessions(user: User) -> None:
    """Make every session and remember-me cookie of the user stop working, on every device.

    Flask-Security identifies the user in the session cookie, the remember cookie and auth tokens
    by fs_uniquifier (flask_security.core._user_loader): a new one invalidates them all. The
    caller commits.
    """
    user_datastore.set_uniquifier(user)


def _end_sessions_on_deactivation(user: User, value: object, oldvalue: object, _initiator) -> None:
    """End every session of a user the moment they are deactivated, wherever that happens.

    Flask-Security refuses a deactivated user's cookies, but only while they stay inactive: on
    reactivation the old cookies would work again. The admin's Users view ended sessions itself;
    `flask users deactivate` (Flask-Security's command) did not. Hooked on the attribute, every
    way of deactivating rotates the identity key, in the same transaction as the change.
    """
    if oldvalue is True and value is False:
        end_all_sessions(user)


def _remember_at_serializer() -> URLSafeSerializer:
    """Return the signer of the remember-me companion cookie (keyed by SECRET_KEY)."""
    return URLSafeSerializer(current_app.secret_key, salt="mfo-remember-at")


def _stamp_sign_in(sender: Flask, user: User, **_extra) -> None:
    """Start the session's clocks when the user signs in (password, second factor or a password change)."""
    now = clock()
    session[SIGNED_IN_AT] = now
    session[SEEN_AT] = now
    # Flask-Login marks a sign-in with remember-me before Flask-Security sends this signal.
    if session.get("_remember") == "set":
        g.setdefault(_ISSUE_REMEMBER_AT, (user.fs_uniquifier, now))


def _remembered_at(user: User) -> float:
    """Return when the remember-me cookie of this request was issued to this user, or 0 if unknown."""
    try:
        uniquifier, issued = _remember_at_serializer().loads(request.cookies.get(REMEMBER_AT_COOKIE, ""))
    except (BadSignature, TypeError, ValueError):
        return 0.0
    # Bound to the user: someone holding a stolen remember-me cookie cannot pair it with a fresh
    # companion cookie from an account of their own.
    return float(issued) if uniquifier == user.fs_uniquifier else 0.0


def _signed_in_at(user: User) -> float:
    """Return when this session signed in; for a session restored from a remember-me cookie, when
    that cookie was issued (0, expired, when that is unknown: never trust a copied cookie forever)."""
    stamp = session.get(SIGNED_IN_AT)
    if stamp is not None:
        return float(stamp)
    return _remembered_at(user)


def _write_remember_at(response: Response) -> Response:
    """Send the companion cookie with a new remember-me cookie, and clear it with a cleared one."""
    issue = g.pop(_ISSUE_REMEMBER_AT, None)
    config = current_app.config
    options = {
        "path": config.get("REMEMBER_COOKIE_PATH", "/"),
        "domain": config.get("REMEMBER_COOKIE_DOMAIN"),
        "secure": bool(config.get("REMEMBER_COOKIE_SECURE", False)),
        "httponly": True,
        "samesite": config.get("REMEMBER_COOKIE_SAMESITE", "Lax"),
    }
    if issue is not None and session.get("_remember") == "set":
        value = _remember_at_serializer().dumps(list(issue))
        response.set_cookie(REMEMBER_AT_COOKIE, value, max_age=int(max_lifetime()), **options)
    elif session.get("_remember") == "clear" and REMEMBER_AT_COOKIE in request.cookies:
        response.delete_cookie(REMEMBER_AT_COOKIE, **options)
    return response


def _enforce_session_limits() -> None:
    """Sign the user out when the session has been idle too long or has reached its absolute lifetime."""
    if request.endpoint and request.endpoint.endswith("static"):
        return  # stylesheets and scripts neither extend nor end a session
    if not current_user.is_authenticated:
        return
    now = clock()
    signed_in_at = _signed_in_at(current_user)
    seen_at = float(session.get(SEEN_AT, now))
    if now - signed_in_at > max_lifetime() or now - seen_at > idle_timeout():
        # logout_user also deletes the remember-me cookie, so it cannot start the session again.
        g.setdefault(SIGN_OUT_REASON, "session expired")
        logout_user()
        for key in (SIGNED_IN_AT, SEEN_AT):
            session.pop(key, None)
        flash(_("Your session has expired. Please sign in again."), "info")
        return
    if session.get(SIGNED_IN_AT) != signed_in_at:
        session[SIGNED_IN_AT] = signed_in_at
    # Refresh the last-seen time at most once a minute: every change re-signs and re-sends the
    # session cookie, and a minute is far below any idle timeout worth setting.
    if now - float(session.get(SEEN_AT, 0)) >= SEEN_AT_RESOLUTION:
        session[SEEN_AT] = now


def init_sessions(app: Flask) -> None:
    """Stamp sessions at sign-in, end them at deactivation, and check their idle and absolute limits on every request."""
    user_authenticated.connect(_stamp_sign_in, app)
    # A model event, not an app's: listen once, however many apps are built.
    if not event.contains(User.active, "set", _end_sessions_on_deactivation):
        event.listen(User.active, "set", _end_sessions_on_deactivation, active_history=True)
    app.before_request(_enforce_session_limits)
    # Registered after Flask-Login's own hook, so it runs before it (Flask runs these in reverse)
    # and still sees the "_remember" mark that hook removes.
    app.after_request(_write_remember_at)
