"""Models, one module per feature; importing this package registers every table."""

from mfo.database.models.users import Role, User, WebAuthn, user_datastore

__all__ = ["Role", "User", "WebAuthn", "user_datastore"]
