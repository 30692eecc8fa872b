"""Session rules: idle timeout, absolute lifetime (remember-me included) and "sign out everywhere"."""

from __future__ import annotations

import time
from datetime import timezone
from typing import TYPE_CHECKING

from flask import Flask, current_app, flash, g, request, session
from flask_babel import gettext as _
from flask_security import current_user, logout_user, user_authenticated

from mfo.audit.events import SIGN_OUT_REASON

if TYPE_CHECKING:
    from mfo.database.models import User

# Unix timestamps kept in the signed session cookie: when this session signed in, when it was last used.
SIGNED_IN_AT = "mfo_signed_in_at"
SEEN_AT = "mfo_seen_at"
SEEN_AT_RESOLUTION = 60  # seconds


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
    from mfo.database.models import user_datastore

    user_datastore.set_uniquifier(user)


def _stamp_sign_in(sender: Flask, user: User, **_extra) -> None:
    """Start the session's clocks when the user signs in (password, second factor or a password change)."""
    now = clock()
    session[SIGNED_IN_AT] = now
    session[SEEN_AT] = now


def _signed_in_at(user: User) -> float:
    """Return when this session signed in; for a session restored from a remember-me cookie, the
    account's latest sign-in (SECURITY_TRACKABLE records it), since the cookie carries no time."""
    stamp = session.get(SIGNED_IN_AT)
    if stamp is not None:
        return float(stamp)
    if user.current_login_at is None:
        return 0.0  # no known sign-in time: treat as expired rather than trust the cookie forever
    # The database keeps naive UTC times.
    return user.current_login_at.replace(tzinfo=timezone.utc).timestamp()


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
    """Stamp sessions at sign-in and check their idle and absolute limits on every request."""
    user_authenticated.connect(_stamp_sign_in, app)
    app.before_request(_enforce_session_limits)
