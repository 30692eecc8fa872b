"""The first sign-in: a forced password change, the half-signed-in state, and recovery codes after set-up."""

from __future__ import annotations

from flask import Flask, Response, current_app, flash, g, redirect, request, session
from flask_babel import gettext as _
from flask_security import current_user, password_changed, password_reset, tf_profile_changed, url_for_security
from flask_security.signals import user_authenticated

from mfo.database import db
from mfo.database.models import User, user_datastore
from mfo.permissions import ADMIN_ACCESS
from mfo.security.mfa import SETUP_ENDPOINTS, mfa_required

# What a user who must change their password may still reach: the change-password page, and
# what signing in needs before it (the two-factor set-up pages, sign-out, the language switch).
PASSWORD_CHANGE_ENDPOINTS = SETUP_ENDPOINTS | {"security.change_password"}

# Set for the request in which a second factor was set up: its redirect goes to the recovery codes.
_JUST_SET_UP = "mfo_second_factor_just_set_up"


def enforce_password_change():
    """Send a signed-in user who must change their password to the change-password page first."""
    if not current_user.is_authenticated or request.endpoint is None:
        return None
    if not current_user.must_change_password:
        return None
    if request.endpoint in PASSWORD_CHANGE_ENDPOINTS or request.endpoint.endswith("static"):
        return None
    flash(_("You signed in with a one-time password: choose your own password to continue."), "warning")
    return redirect(url_for_security("change_password"))


def _password_chosen(sender: Flask, user: User, **_extra) -> None:
    """Lift the forced change once the user sets a password of their own, and end a pending
    invitation (an invitee may choose their password through "forgot password"); the view commits."""
    if user.must_change_password or user.invited_at is not None:
        user.must_change_password = False
        user.invited_at = None
        db.session.add(user)


def pending_sign_in_user() -> User | None:
    """Return the user half-way through signing in (password given, second factor not yet), or None."""
    if current_user.is_authenticated:
        return None
    user_id = session.get("tf_user_id")
    return user_datastore.find_user(fs_uniquifier=user_id) if user_id else None


def admin_roles_of(user: User) -> list[str]:
    """Return the names of the user's roles that open the admin area (why a second factor is required)."""
    return sorted(role.name for role in user.roles if ADMIN_ACCESS in role.get_permissions())


def _template_helpers() -> dict:
    """Give templates the half-signed-in user and why a second factor is required of a user."""

    def second_factor_roles() -> list[str]:
        """Return the roles requiring the current (or half-signed-in) user to use a second factor."""
        user = current_user if current_user.is_authenticated else pending_sign_in_user()
        if user is None or not mfa_required(user):
            return []
        return admin_roles_of(user)

    return {"pending_sign_in_user": pending_sign_in_user, "second_factor_roles": second_factor_roles}


def _second_factor_set_up(sender: Flask, user: User, **_extra) -> None:
    """Note that a second factor was just set up (while signed in: changing it)."""
    g.setdefault(_JUST_SET_UP, True)


def _signed_in_after_set_up(sender: Flask, user: User, **_extra) -> None:
    """Note a second factor set up as part of signing in (Flask-Security sends no profile signal then)."""
    if session.get("tf_state") == "validating_profile":
        g.setdefault(_JUST_SET_UP, True)


def _offer_recovery_codes(response: Response) -> Response:
    """Send a user who just set up a second factor, and has no recovery codes, on to make them."""
    if not g.pop(_JUST_SET_UP, False) or response.status_code not in (301, 302, 303):
        return response
    if not current_app.config.get("SECURITY_MULTI_FACTOR_RECOVERY_CODES") or not current_user.is_authenticated:
        return response
    if current_user.mf_recovery_codes:
        return response
    flash(_("Two-factor authentication is set up. Now make your recovery codes, for the day you cannot use it."), "info")
    response.headers["Location"] = url_for_security("mf_recovery_codes")
    return response


def init_first_sign_in(app: Flask) -> None:
    """Force the password change, offer recovery codes after a second factor is set up, and give
    templates the half-signed-in state."""
    app.before_request(enforce_password_change)
    password_changed.connect(_password_chosen, app)
    password_reset.connect(_password_chosen, app)
    tf_profile_changed.connect(_second_factor_set_up, app)
    user_authenticated.connect(_signed_in_after_set_up, app)
    app.after_request(_offer_recovery_codes)
    app.context_processor(_template_helpers)
