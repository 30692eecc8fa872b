"""CLI: `roles sync` keeps the built-in roles in step with the registry; `users bootstrap-admin` makes the first admin."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from mfo.database import db
from mfo.database.models import Role, user_datastore
from mfo.features import registry
from mfo.permissions import declared_permissions
from tests.helpers import login

ROOT = Path(__file__).resolve().parent.parent


def role(name: str) -> Role:
    """Return a role read fresh from the database."""
    db.session.expire_all()
    return user_datastore.find_role(name)


def granted(name: str) -> set[str]:
    """Return what the installed features grant a role, read from their declarations."""
    return {permission for feature in registry().features for permission in feature.grants.get(name, ())}


def test_sync_creates_every_built_in_role_with_its_permissions(app):
    """After a sync every built-in role exists; admin holds every permission, the others what features grant them."""
    assert set(registry().roles) <= {r.name for r in db.session.query(Role)}
    assert set(role("admin").permissions) == set(declared_permissions())
    assert {"admin-access", "user-read", "user-write", "role-read"} <= set(role("organizer").permissions)
    for name in registry().roles:
        if name != "admin":
            assert set(role(name).permissions) == granted(name), name
    assert not role("end-user").permissions


def test_sync_is_idempotent_and_repairs_drift(app):
    """A second sync changes nothing; a tampered role is put back and the change reported."""
    runner = app.test_cli_runner()
    result = runner.invoke(args=["roles", "sync"])
    assert result.exit_code == 0 and "up to date" in result.output

    organizer = role("organizer")
    organizer.permissions = ["admin-access", "audit-read"]
    db.session.commit()
    result = runner.invoke(args=["roles", "sync"])
    assert result.exit_code == 0
    added = ", ".join(sorted(granted("organizer") - {"admin-access"}))
    assert f"updated organizer: added {added}; removed audit-read" in result.output
    assert set(role("organizer").permissions) == granted("organizer")


def test_flask_security_role_commands_are_still_there(app):
    """Adding `sync` to Flask-Security's `roles` group keeps its own commands (a group of ours would hide `roles add`)."""
    result = app.test_cli_runner().invoke(args=["roles", "--help"])
    for command in ("sync", "create", "add", "remove"):
        assert re.search(rf"^\s+{command}\s", result.output, re.MULTILINE), command


def test_bootstrap_admin_creates_one_admin_with_a_random_password(app, anon_client):
    """The first admin gets a random password that works; a second run creates nobody."""
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "bootstrap-admin", "--email", "first@example.org"])
    assert result.exit_code == 0, result.output
    password = re.search(r"password: (\S+)", result.output).group(1)
    assert len(password) >= 12
    user = user_datastore.find_user(email="first@example.org")
    assert [r.name for r in user.roles] == ["admin"] and user.confirmed_at is not None
    assert login(anon_client, "first@example.org", password).status_code == 302

    again = runner.invoke(args=["users", "bootstrap-admin", "--email", "second@example.org"])
    assert "nothing to do" in again.output
    assert user_datastore.find_user(email="second@example.org") is None


def test_bootstrap_admin_passwords_differ(app):
    """No fixed password: two first admins (in two databases' lifetimes) get different passwords."""
    runner = app.test_cli_runner()
    first = re.search(r"password: (\S+)", runner.invoke(args=["users", "bootstrap-admin"]).output).group(1)
    db.session.delete(user_datastore.find_user(email="admin@example.org"))
    db.session.commit()
    second = re.search(r"password: (\S+)", runner.invoke(args=["users", "bootstrap-admin"]).output).group(1)
    assert first != second


def test_bootstrap_admin_needs_the_roles(app):
    """Without the admin role the command says to run `roles sync` first."""
    db.session.delete(role("admin"))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["users", "bootstrap-admin"])
    assert result.exit_code != 0
    assert "roles sync" in result.output


def readme_command_line() -> list[str]:
    """Return the lines of the README's "Command line" code block."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Command line", 1)[1]
    return section.split("```sh\n", 1)[1].split("```", 1)[0].splitlines()


def run_flask(arguments: list[str], environment: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    """Run the `flask` command of this virtualenv as the README does, with only the given FLASK_ settings."""
    clean = {name: value for name, value in os.environ.items() if not name.startswith(("FLASK_", "MFO_"))}
    clean.update(environment)
    clean["FLASK_SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + str(tmp_path / "cli.sqlite")
    flask = Path(sys.executable).with_name("flask")
    return subprocess.run(
        [str(flask), *arguments], env=clean, cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.mark.skipif((ROOT / ".env").exists(), reason="a .env in the checkout sets what this test controls")
def test_the_readmes_command_line_works_in_a_development_checkout_and_refuses_without_secrets(tmp_path):
    """The README's commands start with debug mode turned on, which makes `flask routes` work; without it they refuse."""
    lines = readme_command_line()
    assert lines[0].startswith("export FLASK_DEBUG=1")
    assert any(line.startswith(".venv/bin/flask --app mfo routes") for line in lines)
    development = run_flask(["--app", "mfo", "routes"], {"FLASK_DEBUG": "1"}, tmp_path)
    assert development.returncode == 0, development.stderr
    assert "/festivals/" in development.stdout
    production = run_flask(["--app", "mfo", "routes"], {}, tmp_path)
    assert production.returncode != 0
    assert "FLASK_SECRET_KEY is not set" in production.stderr
