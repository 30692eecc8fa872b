"""CLI commands added to Flask-Security's groups: `roles sync` and `users bootstrap-admin`."""

from __future__ import annotations

import functools
import secrets

import click
from flask import Flask
from flask.cli import with_appcontext
from flask_babel import force_locale
from flask_security.cli import roles as roles_group
from flask_security.cli import users as users_group
from flask_security.utils import hash_password, naive_utcnow
from sqlalchemy import event, select

from mfo.audit.trail import record, user_target
from mfo.database import db
from mfo.database.models import Role, User, user_datastore
from mfo.features import registry
from mfo.permissions import role_permissions
from mfo.security.cli_events import AUDITED, _os_user, audit_cli_commands
from mfo.security.lockout import unlock_user
from mfo.security.sessions import end_all_sessions


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
    """Create a confirmed admin with a random one-time password when no active admin exists; return it and the password.

    The password is printed on a terminal, so it must be replaced: the admin is made to change it
    at their first sign-in (mfo.security.first_sign_in).
    """
    admin_role = _admin_role()
    if admin_role.users.filter(User.active.is_(True)).first() is not None:
        return None
    if user_datastore.find_user(email=email) is not None:
        raise click.ClickException(f"{email} already exists but is not an active admin; choose another --email.")
    password = one_time_password()
    user = user_datastore.create_user(
        email=email,
        password=hash_password(password),
        roles=[admin_role],
        confirmed_at=naive_utcnow(),
        must_change_password=True,
    )
    db.session.flush()
    record("admin-bootstrapped", target=user_target(user), from_cli=True)
    db.session.commit()
    return user, password


def reset_admin_password(email: str) -> tuple[User, str]:
    """Give an existing admin a new one-time password (a lost password): forced change, sessions
    ended, lock lifted, recorded; return the admin and the password."""
    admin_role = _admin_role()
    user = user_datastore.find_user(case_insensitive=True, email=email)
    if user is None or admin_role not in user.roles:
        raise click.ClickException(f"{email} is not an admin; --reset gives a new password to an existing admin only.")
    if not user.active:
        raise click.ClickException(f"{email} is deactivated; activate it first: flask --app mfo users activate {email}")
    password = one_time_password()
    user.password = hash_password(password)
    user.must_change_password = True
    # Whoever may hold the lost password, or a session opened with it, is out.
    end_all_sessions(user)
    unlock_user(user)
    record("admin-password-reset", target=user_target(user), details={"os_user": _os_user()}, from_cli=True)
    db.session.commit()
    return user, password


def one_time_password() -> str:
    """Return a random password to print once (the user must change it at the first sign-in)."""
    return secrets.token_urlsafe(12)


def _admin_role() -> Role:
    """Return the admin role, or stop with a hint when the roles were never synced."""
    admin_role = db.session.scalar(select(Role).where(Role.name == "admin"))
    if admin_role is None:
        raise click.ClickException("The admin role does not exist yet: run `flask --app mfo roles sync` first.")
    return admin_role


@click.command("bootstrap-admin")
@click.option("--email", default="admin@example.org", show_default=True, help="Email of the admin to create (or to reset).")
@click.option(
    "--reset",
    is_flag=True,
    help="Give the existing admin EMAIL a new one-time password (a lost password); their sessions end.",
)
@with_appcontext
def users_bootstrap_admin(email: str, reset: bool) -> None:
    """Create the first admin, with a random one-time password, when there is no active admin; or,
    with --reset, give an existing admin a new one-time password."""
    if reset:
        user, password = reset_admin_password(email)
        click.echo("New one-time password set; every session of this admin has ended. Sign in at /login:")
    else:
        created = bootstrap_admin(email)
        if created is None:
            click.echo("An active admin exists already; nothing to do. A lost admin password? Run again with --reset --email EMAIL.")
            return
        user, password = created
        click.echo("Created the first admin. Sign in at /login:")
    click.echo(f"  email:    {user.email}")
    click.echo(f"  password: {password}")
    click.echo("It is a one-time password: the first sign-in asks you to choose your own.")


def _created_email(attributes) -> str | None:
    """Return the email of `users create EMAIL [attr:value ...]`: the first argument without a colon, or email:..."""
    for attribute in attributes:
        name, _colon, value = attribute.rpartition(":")
        if name in ("", "email"):
            return value
    return None


def _confirm_created_user(command: click.Command) -> None:
    """Give Flask-Security's `users create` a --confirmed option: the address counts as confirmed.

    The command is a module-level click object shared by every app, so the option is added once.
    It is added before the command is wrapped for the audit trail, so the event lists it among
    the arguments; the confirmation time is set in the command's own transaction.
    """
    if any(param.name == "confirmed" for param in command.params):
        return
    command.params.append(
        click.Option(
            ["--confirmed"],
            is_flag=True,
            default=False,
            help="Mark the email address as confirmed (no confirmation email is needed before signing in).",
        )
    )
    create = command.callback

    @functools.wraps(create)
    def run(confirmed: bool = False, **values):
        session = db.session()

        def confirm(_session) -> None:
            email = _created_email(values.get("attributes") or ())
            user = user_datastore.find_user(case_insensitive=True, email=email) if email else None
            if user is not None and user.confirmed_at is None:
                user.confirmed_at = naive_utcnow()

        if confirmed:
            event.listen(session, "before_commit", confirm)
        try:
            return create(**values)
        finally:
            if confirmed:
                event.remove(session, "before_commit", confirm)

    command.callback = run


def init_commands(app: Flask) -> None:
    """Add our commands to Flask-Security's `roles` and `users` groups, and record theirs in the audit trail.

    Added to its groups rather than as groups of our own: a `roles` group of ours would hide
    Flask-Security's (and with it `roles add`). The groups are module-level click objects shared
    by every app: our commands record their own events; Flask-Security's are wrapped to record
    theirs (once, however many apps are built).
    """
    del app
    _confirm_created_user(users_group.commands["create"])
    for command in (roles_sync, users_bootstrap_admin):
        setattr(command, AUDITED, True)
    roles_group.add_command(roles_sync)
    users_group.add_command(users_bootstrap_admin)
    audit_cli_commands(roles_group)
    audit_cli_commands(users_group)
