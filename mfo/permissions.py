"""The registry: every permission string and every built-in role, with descriptions."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class RoleSpec:
    """A built-in role: its description and the permissions it grants."""

    name: str
    description: LazyString
    permissions: frozenset[str] = field(default_factory=frozenset)


# Permissions are `resource-action` strings. A feature blueprint adds its own with declare().
PERMISSIONS: dict[str, LazyString] = {}


def declare(name: str, description: LazyString) -> str:
    """Register a permission and return its name; declaring the same name twice is an error."""
    if name in PERMISSIONS:
        raise ValueError(f"permission {name!r} is already declared")
    PERMISSIONS[name] = description
    return name


ADMIN_ACCESS = declare("admin-access", _l("Open the admin area"))
USER_READ = declare("user-read", _l("List, view and export users"))
USER_WRITE = declare("user-write", _l("Create, edit, deactivate and delete users"))
ROLE_READ = declare("role-read", _l("List, view and export roles"))
ROLE_WRITE = declare("role-write", _l("Create, edit and delete roles; assign roles to users"))
AUDIT_READ = declare("audit-read", _l("Read and export the audit trail"))


def _all() -> frozenset[str]:
    """Every declared permission, read when the admin role is synced so later declarations count."""
    return frozenset(PERMISSIONS)


ROLES: dict[str, RoleSpec] = {
    spec.name: spec
    for spec in (
        RoleSpec("admin", _l("Runs the site: every permission"), frozenset()),
        RoleSpec(
            "organizer",
            _l("Runs the festival: admin access, reads and edits users, reads roles"),
            frozenset({ADMIN_ACCESS, USER_READ, USER_WRITE, ROLE_READ}),
        ),
        RoleSpec("staff", _l("Festival staff: signs in to the account area, no admin access"), frozenset()),
        RoleSpec("end-user", _l("A registered user: signs in to the account area"), frozenset()),
    )
}


def role_permissions(name: str) -> frozenset[str]:
    """Return the permissions a built-in role grants (the admin role holds every declared one)."""
    if name == "admin":
        return _all()
    return ROLES[name].permissions


def permissions_of(user) -> frozenset[str]:
    """Return every permission the user holds through their roles (none for anonymous users)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return frozenset()
    return frozenset(p for role in user.roles for p in role.get_permissions())
