"""The security core: Flask-Security set-up, lockout, MFA, session limits, rate limits and the built-in roles.

Not a feature: every feature stands on it. It declares, in the same shape as a feature, the
built-in roles and the labels of the audit events it records; its `init_app` wires Flask-Security
and the account rules into the app. The account pages (a feature) live in mfo.account.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from mfo.feature import Feature, RoleSpec
from mfo.security.setup import init_security

feature = Feature(
    name="security",
    roles=(
        RoleSpec("admin", _l("Runs the site: every permission")),
        RoleSpec("organizer", _l("Runs the festival: admin access, reads and edits users, reads roles")),
        RoleSpec("staff", _l("Festival staff: signs in to the account area, no admin access")),
        RoleSpec("end-user", _l("A registered user: signs in to the account area")),
    ),
    audit_labels={
        "sign-in": _l("Signed in"),
        "sign-in-failed": _l("Sign-in refused"),
        "sign-out": _l("Signed out"),
        "account-locked": _l("Account locked"),
        "password-changed": _l("Password changed"),
        "password-reset": _l("Password reset"),
        "email-changed": _l("Email address changed"),
        "email-confirmed": _l("Email address confirmed"),
        "mfa-set-up": _l("Two-factor set up"),
        "mfa-removed": _l("Two-factor removed"),
        "passkey-added": _l("Passkey added"),
        "passkey-removed": _l("Passkey removed"),
        "user-registered": _l("Registered"),
        "invitation-accepted": _l("Invitation accepted"),
        "roles-synced": _l("Built-in roles synced"),
        "admin-bootstrapped": _l("First admin created"),
        "admin-password-reset": _l("Admin password reset from the command line"),
        "cli-command": _l("Command-line change"),
    },
    init_app=init_security,
)
