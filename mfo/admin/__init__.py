"""The admin feature: a secure Flask-Admin for users, roles, permissions and the audit trail."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from mfo.admin.admin import bp, init_admin
from mfo.admin.dashboard import account_counts
from mfo.admin.permissions import ADMIN_ACCESS, AUDIT_READ, ROLE_READ, ROLE_WRITE, USER_READ, USER_WRITE
from mfo.admin.views import account_views
from mfo.feature import Card, Feature, NavItem

feature = Feature(
    name="admin",
    blueprint=bp,
    permissions={
        ADMIN_ACCESS: _l("Open the admin area"),
        USER_READ: _l("List, view and export users"),
        USER_WRITE: _l("Create, edit, deactivate and delete users"),
        ROLE_READ: _l("List, view and export roles"),
        ROLE_WRITE: _l("Create, edit and delete roles; assign roles to users"),
        AUDIT_READ: _l("Read and export the audit trail"),
    },
    grants={"organizer": (ADMIN_ACCESS, USER_READ, USER_WRITE, ROLE_READ)},
    admin_views=account_views,
    admin_counts=account_counts,
    nav=(NavItem(_l("Admin"), "admin.index", (ADMIN_ACCESS,)),),
    cards=(
        Card(_l("Admin"), _l("The admin area's overview."), "admin.index", (ADMIN_ACCESS,)),
        Card(_l("Users"), _l("Find, create and manage the people who sign in."), "user.index_view", (ADMIN_ACCESS, USER_READ)),
        Card(_l("Roles"), _l("The roles and the permissions they grant."), "role.index_view", (ADMIN_ACCESS, ROLE_READ)),
        Card(_l("Audit trail"), _l("Who did what, and when."), "audit.index_view", (ADMIN_ACCESS, AUDIT_READ)),
    ),
    audit_labels={
        "account-unlocked": _l("Account unlocked"),
        "mfa-reset": _l("Two-factor reset by an admin"),
        "user-created": _l("User created"),
        "user-updated": _l("User changed"),
        "user-deleted": _l("User deleted"),
        "user-activated": _l("User activated"),
        "user-deactivated": _l("User deactivated"),
        "user-exported": _l("Users exported"),
        "invitation-sent": _l("Invitation sent again"),
        "role-created": _l("Role created"),
        "role-updated": _l("Role changed"),
        "role-deleted": _l("Role deleted"),
        "role-exported": _l("Roles exported"),
        "audit-exported": _l("Audit trail exported"),
    },
    init_app=init_admin,
)
