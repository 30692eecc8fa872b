"""The permissions the admin feature owns (admin-access itself is named in mfo.permissions)."""

from __future__ import annotations

from mfo.permissions import ADMIN_ACCESS

USER_READ = "user-read"
USER_WRITE = "user-write"
ROLE_READ = "role-read"
ROLE_WRITE = "role-write"
AUDIT_READ = "audit-read"

__all__ = ["ADMIN_ACCESS", "AUDIT_READ", "ROLE_READ", "ROLE_WRITE", "USER_READ", "USER_WRITE"]
