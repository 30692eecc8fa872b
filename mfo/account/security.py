"""Flask-Security set-up for an app: the datastore, and what happens when a user registers."""

from __future__ import annotations

from flask import Flask, current_app
from flask_security import Security, user_registered

from mfo.account.mfa import init_mfa
from mfo.audit.events import AuditedLoginForm, init_audit_events
from mfo.database import db
from mfo.database.models import user_datastore


def _give_default_role(sender: Flask, user, **_extra) -> None:
    """Give every newly registered user the default role (end-user)."""
    role = user_datastore.find_role(current_app.config["MFO_DEFAULT_ROLE"])
    if role is not None:
        user_datastore.add_role_to_user(user, role)
        db.session.commit()


def init_security(app: Flask) -> Security:
    """Create Flask-Security for this app after its config is final (Security keeps per-app state)."""
    security = Security(app, user_datastore, login_form=AuditedLoginForm)
    user_registered.connect(_give_default_role, app)
    init_audit_events(app)
    init_mfa(app)
    return security
