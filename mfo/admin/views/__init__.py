"""The admin's model views: a secure base, and the accounts' users, roles and audit trail."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from mfo.admin.views.audit import AuditView
from mfo.admin.views.roles import RoleView
from mfo.admin.views.users import UserView
from mfo.audit.models import AuditEvent
from mfo.database import db
from mfo.database.models import Role, User


def users_view() -> UserView:
    """Return a new Users view (each app gets its own view instances)."""
    return UserView(User, db, name=_l("Users"), endpoint="user")


def roles_view() -> RoleView:
    """Return a new Roles view."""
    return RoleView(Role, db, name=_l("Roles"), endpoint="role")


def audit_view() -> AuditView:
    """Return a new audit trail view."""
    return AuditView(AuditEvent, db, name=_l("Audit trail"), endpoint="audit")


account_views = (users_view, roles_view, audit_view)
