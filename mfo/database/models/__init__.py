"""Models, one module per feature; importing this package registers every table."""

from mfo.database.models.audit import AuditChain, AuditEvent
from mfo.database.models.users import Role, User, WebAuthn, user_datastore

__all__ = ["AuditChain", "AuditEvent", "Role", "User", "WebAuthn", "user_datastore"]
