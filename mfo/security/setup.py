"""Flask-Security set-up for an app, and the account rules hooked around it."""

from __future__ import annotations

from flask import Flask, current_app
from flask_security import Security, user_registered

from mfo.database import db
from mfo.database.models import user_datastore
from mfo.security.caching import init_caching
from mfo.security.commands import init_commands
from mfo.security.events import AuditedLoginForm, init_audit_events
from mfo.security.first_sign_in import init_first_sign_in
from mfo.security.input import init_input_checks
from mfo.security.lockout import init_lockout
from mfo.security.messages import init_messages
from mfo.security.mfa import OnceOnlyTotp, init_mfa
from mfo.security.ratelimit import init_ratelimits
from mfo.security.sessions import init_sessions


def _give_default_role(sender: Flask, user, **_extra) -> None:
    """Give every newly registered user the default role (end-user)."""
    role = user_datastore.find_role(current_app.config["MFO_DEFAULT_ROLE"])
    if role is not None:
        user_datastore.add_role_to_user(user, role)
        db.session.commit()


def init_security(app: Flask) -> Security:
    """Create Flask-Security for this app, then hook the account rules around it, in this order:
    audit events, MFA for admins, rate limits (they wrap Security's views, so after it), lockout,
    session limits, no caching of signed-in pages, crafted input refused, and the `roles sync` /
    `users bootstrap-admin` commands.

    Security is created here, after the configuration is final, because it keeps per-app state.
    """
    # Each second-factor code is accepted once per user (Flask-Security accepts it for minutes).
    security = Security(app, user_datastore, login_form=AuditedLoginForm, totp_cls=OnceOnlyTotp)
    init_messages(app)
    user_registered.connect(_give_default_role, app)
    init_audit_events(app)
    init_mfa(app)
    init_first_sign_in(app)
    init_ratelimits(app)
    init_lockout(app)
    init_sessions(app)
    init_caching(app)
    init_input_checks(app)
    init_commands(app)
    return security
