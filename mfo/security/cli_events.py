"""Flask-Security's CLI commands (`users create`, `roles add`, ...) recorded in the audit trail."""

from __future__ import annotations

import functools
import getpass
from collections.abc import Callable

import click
from flask.cli import with_appcontext
from flask_security.utils import lookup_identity
from sqlalchemy import event

from mfo.audit.trail import REDACTED, record, user_target
from mfo.database import db
from mfo.database.models import user_datastore

# Set on a command whose changes are recorded: by this wrapper, or by the command itself (ours).
AUDITED = "_mfo_audited"


def _os_user() -> str:
    """Return the operating-system account running the command (who, on the server, made the change)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry, e.g. in some containers
        return "unknown"


def _arguments(command: click.Command, values: dict) -> dict:
    """Return the command's arguments as given, with passwords and other hidden input redacted."""
    secret = {p.name for p in command.params if "password" in (p.name or "") or getattr(p, "hide_input", False)}
    return {name: (REDACTED if name in secret and value else value) for name, value in values.items()}


def _target(values: dict) -> str | None:
    """Name the user or role the command changes, as the admin's events name them."""
    identity = values.get("user")
    if identity is None:
        # `users create EMAIL [attr:value ...]`: the first argument without a colon is the email.
        emails = [a for a in values.get("attributes") or () if ":" not in a]
        email = emails[0] if emails else None
        user = user_datastore.find_user(case_insensitive=True, email=email) if email else None
        if user is not None:
            db.session.flush()  # give a user created by this command its id
            return user_target(user)
    else:
        user = lookup_identity(identity)
        if user is not None:
            return user_target(user)
        return f"user {identity}"
    role = values.get("role") or values.get("name")
    return f"role {role}" if role else None


def _audited(name: str, command: click.Command, callback: Callable) -> Callable:
    """Wrap a command's callback so the event is written in the same transaction as its change.

    Flask-Security's commands commit once, at the end, and not at all when they fail. The event is
    added just before that commit (when the change is made and a new user has an id), so a failed
    command records nothing and a recorded command is one that took effect.
    """

    @functools.wraps(callback)
    def run(**values):
        session = db.session()
        recorded = []

        def before_commit(_session) -> None:
            if recorded:
                return
            recorded.append(True)
            details = {"command": name, "arguments": _arguments(command, values), "os_user": _os_user()}
            record("cli-command", target=_target(values), details=details, from_cli=True)

        event.listen(session, "before_commit", before_commit)
        try:
            return callback(**values)
        finally:
            event.remove(session, "before_commit", before_commit)

    return with_appcontext(run)


def audit_cli_commands(group: click.Group) -> None:
    """Record every command of a Flask-Security CLI group that is not recorded yet (idempotent)."""
    for name, command in group.commands.items():
        if getattr(command, AUDITED, False) or command.callback is None:
            continue
        command.callback = _audited(f"{group.name} {name}", command, command.callback)
        setattr(command, AUDITED, True)
