"""Permissions: who holds what, read from the roles in the database and the features' declarations.

Permission strings are `resource-action` and each is declared by the feature that owns it (see
mfo.feature.Feature.permissions); the installed features' declarations are merged per app by
mfo.features.Registry.
"""

from __future__ import annotations

from mfo.features import ADMIN_ROLE, registry

# Declared by the admin feature; named here because the security core asks a second factor of
# everyone who holds it, whatever features are installed.
ADMIN_ACCESS = "admin-access"

__all__ = ["ADMIN_ACCESS", "ADMIN_ROLE", "declared_permissions", "permissions_of", "role_permissions"]


def declared_permissions() -> dict[str, object]:
    """Return every permission the current app's features declare, with its description."""
    return registry().permissions


def role_permissions(name: str) -> frozenset[str]:
    """Return the permissions a built-in role grants in the current app (the admin role holds every one)."""
    return registry().role_permissions(name)


def permissions_of(user) -> frozenset[str]:
    """Return every permission the user holds through their roles (none for anonymous users)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return frozenset()
    return frozenset(p for role in user.roles for p in role.get_permissions())
