"""Multi-factor authentication rules: who must have it, keeping them to it, resetting it, codes used once."""

from __future__ import annotations

from flask import Flask, current_app, flash, redirect, request
from flask_babel import gettext as _
from flask_security import current_user, url_for_security
from flask_security.totp import Totp
from flask_security.twofactor import is_tf_setup, tf_disable
from flask_security.webauthn import has_webauthn
from passlib.exc import TokenError, UsedTokenError
from passlib.totp import TotpMatch
from sqlalchemy import or_, update
from sqlalchemy.orm.attributes import set_committed_value

from mfo.database import db
from mfo.database.models import User
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


class OnceOnlyTotp(Totp):
    """Flask-Security's authenticator and email codes, each accepted once per user.

    A code is valid for its 30-second time step and, to allow for slow typing and clocks, a few
    steps around it (SECURITY_TWO_FACTOR_AUTHENTICATOR_VALIDITY): Flask-Security alone accepts the
    same code again and again in that time. The user's last accepted step is kept in
    `User.tf_totp_last_step`; passlib then refuses that step and every earlier one.
    """

    def verify_totp(self, token: str, totp_secret: str, user: User, window: int = 0) -> bool:
        """Tell whether the code is right for the secret and not used before; if so, mark its step used."""
        # A step used with the user's current secret says nothing of a new secret being set up
        # (set-up shows a new key, checked with a code for it): only the current secret's counts.
        current = totp_secret == user.tf_totp_secret
        try:
            match = self._totp.verify(
                token, totp_secret, window=window, last_counter=self.get_last_counter(user) if current else None
            )
            self.claim_step(user, match, replace=not current)
        except TokenError:
            return False
        return True

    def get_last_counter(self, user: User) -> int | None:
        """Return the time step of the last code accepted from this user (None: none yet)."""
        return user.tf_totp_last_step

    def set_last_counter(self, user: User, tmatch: TotpMatch) -> None:
        """Mark the matched code's step used (Flask-Security's hook; verify_totp calls claim_step)."""
        self.claim_step(user, tmatch)

    @staticmethod
    def claim_step(user: User, tmatch: TotpMatch, replace: bool = False) -> None:
        """Record the step as used, unless a later or equal one already is (then raise UsedTokenError).

        One conditional UPDATE, so that two requests racing with the same code cannot both win:
        the second waits for the first's row lock (PostgreSQL) or write lock (SQLite), then finds
        the step taken. It is committed with the rest of the sign-in; `replace` (a new secret being
        set up) records the step whatever the old secret's was.
        """
        step = User.tf_totp_last_step
        statement = update(User).where(User.id == user.id)
        if not replace:
            statement = statement.where(or_(step.is_(None), step < tmatch.counter))
        result = db.session.execute(
            statement.values(tf_totp_last_step=tmatch.counter).execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            raise UsedTokenError(expire_time=tmatch.expire_time)
        set_committed_value(user, "tf_totp_last_step", tmatch.counter)


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
