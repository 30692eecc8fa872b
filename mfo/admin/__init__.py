"""The admin package: a secure Flask-Admin for users, roles and permissions."""
