"""CLI commands added to Flask-Security's groups: `roles sync` and `users bootstrap-admin`."""

from __future__ import annotations

import secrets

import click
from flask import Flask
from flask.cli import with_appcontext
from flask_babel import force_locale
from flask_security.cli import roles as roles_group
from flask_security.cli import users as users_group
from flask_security.utils import hash_password, naive_utcnow
from sqlalchemy import select

from mfo.audit.trail import record, user_target
from mfo.database import db
from mfo.database.models import Role, User, user_datastore
from mfo.features import registry
from mfo.permissions import role_permissions
from mfo.security.cli_events import AUDITED, audit_cli_commands


def sync_roles() -> list[str]:
    """Create or update the built-in roles to match the registry; return one line per change."""
    changes = []
    with force_locale("en"):
        for spec in registry().roles.values():
            wanted_description = str(spec.description)
            wanted_permissions = sorted(role_permissions(spec.name))
            role = user_datastore.find_role(spec.name)
            if role is None:
                user_datastore.create_role(
                    name=spec.name, description=wanted_description, permissions=wanted_permissions
                )
                changes.append(f"created {spec.name}: {', '.join(wanted_permissions) or '(no permissions)'}")
                continue
            if role.description != wanted_description:
                role.description = wanted_description
                changes.append(f"updated {spec.name}: description")
            have = sorted(role.permissions or [])
            if have != wanted_permissions:
                added = sorted(set(wanted_permissions) - set(have))
                removed = sorted(set(have) - set(wanted_permissions))
                role.permissions = wanted_permissions
                detail = "; ".join(
                    part for part in (added and "added " + ", ".join(added), removed and "removed " + ", ".join(removed)) if part
                )
                changes.append(f"updated {spec.name}: {detail}")
    if changes:
        record("roles-synced", details={"changes": changes})
    db.session.commit()
    return changes


@click.command("sync")
@with_appcontext
def roles_sync() -> None:
    """Create or update the built-in roles and their permissions (safe to run again)."""
    changes = sync_roles()
    for line in changes:
        click.echo(line)
    if not changes:
        click.echo("Built-in roles are up to date.")


def bootstrap_admin(email: str) -> tuple[User, str] | None:
    """Create a confirmed admin with a random password when no active admin exists; return it and the password."""
    admin_role = db.session.scalar(select(Role).where(Role.name == "admin"))
    if admin_role is None:
        raise click.ClickException("The admin role does not exist yet: run `flask --app mfo roles sync` first.")
    if admin_role.users.filter(User.active.is_(True)).first() is not None:
        return None
    if user_datastore.find_user(email=email) is not None:
        raise click.ClickException(f"{email} already exists but is not an active admin; choose another --email.")
    password = secrets.token_urlsafe(12)
    user = user_datastore.create_user(
        email=email,
        password=hash_password(password),
        roles=[admin_role],
        confirmed_at=naive_utcnow(),
    )
    db.session.flush()
    record("admin-bootstrapped", target=user_target(user))
    db.session.commit()
    return user, password


@click.command("bootstrap-admin")
@click.option("--email", default="admin@example.org", show_default=True, help="Email of the admin to create.")
@with_appcontext
def users_bootstrap_admin(email: str) -> None:
    """Create the first admin, with a random one-time password, when there is no active admin."""
    created = bootstrap_admin(email)
    if created is None:
        click.echo("An active admin exists already; nothing to do.")
        return
    user, password = created
    click.echo("Created the first admin. Sign in at /login and change the password at once:")
    click.echo(f"  email:    {user.email}")
    click.echo(f"  password: {password}")


def init_commands(app: Flask) -> None:
    """Add our commands to Flask-Security's `roles` and `users` groups, and record theirs in the audit trail.

    Added to its groups rather than as groups of our own: a `roles` group of ours would hide
    Flask-Security's (and with it `roles add`). The groups are module-level click objects shared
    by every app: our commands record their own events; Flask-Security's are wrapped to record
    theirs (once, however many apps are built).
    """
    del app
    for command in (roles_sync, users_bootstrap_admin):
        setattr(command, AUDITED, True)
    roles_group.add_command(roles_sync)
    users_group.add_command(users_bootstrap_admin)
    audit_cli_commands(roles_group)
    audit_cli_commands(users_group)
