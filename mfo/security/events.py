"""Security events into the audit trail: Flask-Security's and Flask-Login's signals, and failed sign-ins."""

from __future__ import annotations

from flask import Flask, g, request, session
from flask_babel import lazy_gettext as _l
from flask_login import user_logged_out
from flask_security import (
    LoginForm,
    change_email_confirmed,
    current_user,
    password_changed,
    password_reset,
    tf_disabled,
    tf_profile_changed,
    user_authenticated,
    user_confirmed,
    user_registered,
    wan_deleted,
    wan_registered,
)
from wtforms import SubmitField

from mfo.audit.trail import record_now, user_target

# Why a sign-in ended, for the sign-out event (set by mfo.security.sessions before it signs a user out).
SIGN_OUT_REASON = "mfo_sign_out_reason"

# Flask-Security's sign-in bookkeeping on the user (SECURITY_TRACKABLE), which its password change
# updates as if it were a sign-in; kept in g during a password change to be put back.
TRACKED_SIGN_IN = ("last_login_at", "current_login_at", "last_login_ip", "current_login_ip", "login_count")
_TRACKED_BEFORE_CHANGE = "mfo_tracked_before_change"


def _endpoint() -> str | None:
    """Return the endpoint that is running, for the event's details."""
    return request.endpoint if request else None


class AuditedLoginForm(LoginForm):
    """Flask-Security's sign-in form, recording why a sign-in was refused.

    Wrong passwords are recorded by the failed-authentication signal; this records the rest:
    unknown accounts, and right passwords refused because the account is inactive, locked or
    unconfirmed. The answer on the page stays the same generic one for all of them.
    """

    # The site says "Sign in", as its links and headings do (Flask-Security's button says "Login").
    submit = SubmitField(_l("Sign in"))

    def validate(self, **kwargs) -> bool:
        """Validate the sign-in; record a refusal that no other hook records."""
        valid = super().validate(**kwargs)
        if valid or request.method != "POST" or self.ifield is None:
            return valid  # an incomplete form (or missing CSRF token) is not a sign-in attempt
        if self.user is None:
            target = f"unknown account {self.ifield.data}"
            record_now("sign-in-failed", target=target, details={"reason": "unknown account"})
        elif self.user_authenticated:
            if not self.user.is_active:
                reason = "account inactive"
            elif self.requires_confirmation:
                reason = "email not confirmed"
            else:
                reason = "account locked"
            record_now("sign-in-failed", target=user_target(self.user), details={"reason": reason})
        return valid


def _keep_sign_in_record() -> None:
    """Note the user's sign-in bookkeeping before a password change, which re-signs them in."""
    if request.endpoint == "security.change_password" and request.method == "POST" and current_user.is_authenticated:
        g.setdefault(_TRACKED_BEFORE_CHANGE, {name: getattr(current_user, name) for name in TRACKED_SIGN_IN})


def _signed_in(sender: Flask, user, authn_via=None, **_extra) -> None:
    """Record a completed sign-in (after every factor); a password change is not one.

    Flask-Security signs the user in again after a password change (a new session for the new
    identity key) and sends the same signal, marked "change": that is neither recorded as a sign-in
    nor left in the user's last and previous sign-in times (the view commits what is put back).
    """
    via = list(authn_via or [])
    if via == ["change"]:
        for name, value in g.pop(_TRACKED_BEFORE_CHANGE, {}).items():
            setattr(user, name, value)
        return
    if not via and session.get("tf_user_id"):
        # Flask-Security names no mechanism when a two-factor sign-in completes.
        via = ["password", "second factor"]
    if session.get("tf_state") == "validating_profile":
        # A second factor set up as part of signing in sends no profile-changed signal.
        record_now("mfa-set-up", actor=user, target=user_target(user), details={"method": user.tf_primary_method})
    record_now("sign-in", actor=user, target=user_target(user), details={"via": via, "endpoint": _endpoint()})


def record_failed_sign_in(user, auth_type: str, tfa: bool = False) -> None:
    """Record a wrong password, code or passkey presented for an existing account."""
    reason = f"wrong {'second factor ' if tfa else ''}{auth_type}"
    record_now("sign-in-failed", target=user_target(user), details={"reason": reason, "endpoint": _endpoint()})


def _signed_out(sender: Flask, user, **_extra) -> None:
    """Record a sign-out, and why when the session ended by itself."""
    if user is None or not getattr(user, "is_authenticated", False):
        return
    details = {"reason": g.pop(SIGN_OUT_REASON, "signed out")}
    record_now("sign-out", actor=user, target=user_target(user), details=details)


def _own_event(action: str, **details_of):
    """Return a signal receiver recording `action` for the user the signal names (its own actor)."""

    def receiver(sender: Flask, user, **extra) -> None:
        """Record the event for the signal's user."""
        details = {name: extra.get(key) for name, key in details_of.items()}
        record_now(action, actor=user, target=user_target(user), details=details)

    receiver.__doc__ = f"Record {action}."
    return receiver


def _mfa_removed(sender: Flask, user, **_extra) -> None:
    """Record a user switching their own two-factor off (an admin's reset records itself)."""
    if current_user.is_authenticated and current_user.id == user.id:
        record_now("mfa-removed", actor=user, target=user_target(user))


def _registered(sender: Flask, user, **_extra) -> None:
    """Record a new self-registered account."""
    record_now("user-registered", actor=user, target=user_target(user))


RECEIVERS = (
    (user_authenticated, _signed_in),
    (user_logged_out, _signed_out),
    (password_changed, _own_event("password-changed")),
    (password_reset, _own_event("password-reset")),
    (change_email_confirmed, _own_event("email-changed", old_email="old_email")),
    (user_confirmed, _own_event("email-confirmed")),
    (tf_profile_changed, _own_event("mfa-set-up", method="method")),
    (tf_disabled, _mfa_removed),
    (wan_registered, _own_event("passkey-added", name="name")),
    (wan_deleted, _own_event("passkey-removed", name="name")),
    (user_registered, _registered),
)


def init_audit_events(app: Flask) -> None:
    """Connect the receivers to this app's signals (failed sign-ins: see mfo.security.lockout)."""
    for signal, receiver in RECEIVERS:
        signal.connect(receiver, app)
    app.before_request(_keep_sign_in_record)
