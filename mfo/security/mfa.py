"""Multi-factor authentication rules: who must have it, keeping them to it, and resetting it."""

from __future__ import annotations

from flask import Flask, current_app, flash, redirect, request
from flask_babel import gettext as _
from flask_security import current_user, url_for_security
from flask_security.twofactor import is_tf_setup, tf_disable
from flask_security.webauthn import has_webauthn

from mfo.database import db
from mfo.permissions import ADMIN_ACCESS
from mfo.security.sessions import end_all_sessions

# What a signed-in user who still has to set up MFA may reach: the set-up pages themselves,
# sign-out, and static files. Everything else sends them to set-up first.
SETUP_ENDPOINTS = frozenset(
    {
        "security.two_factor_setup",
        "security.two_factor_token_validation",
        "security.two_factor_rescue",
        "security.two_factor_select",
        "security.mf_recovery_codes",
        "security.wan_register",
        "security.wan_register_response",
        "security.wan_signin",
        "security.wan_signin_response",
        "security.wan_verify",
        "security.wan_verify_response",
        "security.verify",
        "security.logout",
        "home.set_language",
    }
)


def mfa_required(user) -> bool:
    """Tell whether this user must use a second factor (everyone holding admin access, by default)."""
    return bool(current_app.config["MFO_REQUIRE_MFA_FOR_ADMIN"]) and user.has_permission(ADMIN_ACCESS)


def has_mfa(user) -> bool:
    """Tell whether the user has a second factor set up: authenticator, email codes or a passkey."""
    return is_tf_setup(user) or has_webauthn(user, "secondary")


def enforce_mfa_setup():
    """Send a signed-in user who must have MFA but has none to set it up before any other page."""
    if not current_user.is_authenticated or request.endpoint is None:
        return None
    if request.endpoint in SETUP_ENDPOINTS or request.endpoint.endswith("static"):
        return None
    if mfa_required(current_user) and not has_mfa(current_user):
        flash(_("Your role requires two-factor authentication: set it up to continue."), "warning")
        return redirect(url_for_security("two_factor_setup"))
    return None


def reset_mfa(user) -> None:
    """Remove every second factor of a user (authenticator, email codes, passkeys, recovery codes)
    and end their sessions: whoever held the lost device is signed out. The caller commits."""
    tf_disable(user)
    for credential in list(user.webauthn):
        db.session.delete(credential)
    user.mf_recovery_codes = None
    end_all_sessions(user)


def init_mfa(app: Flask) -> None:
    """Keep users who must have MFA on the set-up pages until they have it."""
    app.before_request(enforce_mfa_setup)
