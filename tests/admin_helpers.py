"""Plain helpers for the admin tests: sign in as anyone, make roles, read users back, age a session.

(No tests here: the admin test modules import these.)
"""

from __future__ import annotations

import re
import time

from flask import Flask
from flask.testing import FlaskClient

from mfo.database import db
from mfo.database.models import Role, User, user_datastore
from mfo.permissions import ADMIN_ACCESS, declared_permissions
from tests.conftest import create_user
from tests.helpers import login, post_form


def sign_in(app: Flask, email: str) -> FlaskClient:
    """Return a new client signed in as the user with this email."""
    client = app.test_client()
    login(client, email)
    assert client.get("/account/").status_code == 200, f"{email} could not sign in"
    return client


def add_role(name: str, permissions: set[str] | frozenset[str], description: str = "") -> Role:
    """Create a role with the given permissions."""
    role = user_datastore.create_role(name=name, description=description, permissions=sorted(permissions))
    db.session.commit()
    return role


def user_with_permissions(email: str, role: str, permissions: set[str] | frozenset[str]) -> str:
    """Create a user holding exactly `permissions` through a new role; return the email."""
    add_role(role, permissions)
    create_user(email, (role,), mfa=ADMIN_ACCESS in permissions)
    return email


def everything_but(*missing: str) -> set[str]:
    """Return every declared permission except the given ones."""
    return set(declared_permissions()) - set(missing)


def fresh_user(email: str) -> User | None:
    """Read the user again from the database (not from the session's cache)."""
    db.session.expire_all()
    return user_datastore.find_user(email=email)


def fresh_role(name: str) -> Role | None:
    """Read the role again from the database."""
    db.session.expire_all()
    return user_datastore.find_role(name)


def user_id(email: str) -> int:
    """Return the id of the user with this email."""
    return fresh_user(email).id


def role_names_of(email: str) -> set[str]:
    """Return the names of the user's roles, read from the database."""
    return {role.name for role in fresh_user(email).roles}


def make_stale(client: FlaskClient, minutes: int = 60) -> None:
    """Pretend the client signed in `minutes` ago, past the freshness window (and its grace period)."""
    with client.session_transaction() as session:
        session["fs_paa"] = time.time() - minutes * 60
        session.pop("fs_gexp", None)


def edit_user(client: FlaskClient, who: str, /, **changes):
    """Submit the edit form of the user whose email is `who`, with `changes` applied; return the response."""
    target = fresh_user(who)
    data = {
        "email": target.email,
        "name": target.name or "",
        "role_names": sorted(role.name for role in target.roles),
        "active": "y" if target.active else None,
        "new_password": "",
    }
    data.update(changes)
    data = {key: value for key, value in data.items() if value is not None}
    url = f"/admin/user/edit/?id={target.id}"
    return post_form(client, url, data, token_from="/")


def run_action(client: FlaskClient, view: str, action: str, ids: list[int], **kwargs):
    """Run a bulk action of an admin view on the given record ids."""
    return post_form(
        client, f"/admin/{view}/action/", {"action": action, "rowid": [str(i) for i in ids]}, token_from="/", **kwargs
    )


def delete_record(client: FlaskClient, view: str, record: int, **kwargs):
    """Delete one record through the list's delete button."""
    return post_form(client, f"/admin/{view}/delete/", {"id": str(record)}, token_from="/", **kwargs)


def page(response) -> str:
    """Return the response body as text."""
    return response.get_data(as_text=True)


def flashed(response) -> str:
    """Return the text of the flash messages (alerts) on a page."""
    return " ".join(re.findall(r'<div class="alert[^"]*"[^>]*>(.*?)</div>', page(response), re.S))
