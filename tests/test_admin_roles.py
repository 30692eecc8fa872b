"""The Roles admin: permissions from the registry only, built-in roles kept, no one grants what they lack."""

from __future__ import annotations

import re

import pytest
from markupsafe import escape

from mfo.admin.permissions import ADMIN_ACCESS, AUDIT_READ, USER_READ, USER_WRITE
from mfo.permissions import declared_permissions, role_permissions
from tests.admin_helpers import (
    add_role,
    delete_record,
    everything_but,
    flashed,
    fresh_role,
    make_stale,
    page,
    sign_in,
    user_with_permissions,
)
from tests.conftest import create_user
from tests.helpers import PASSWORD, post_form


def save_role(client, data: dict, role: str | None = None):
    """Submit the create form, or the edit form of the named role; return the response (not followed)."""
    url = f"/admin/role/edit/?id={fresh_role(role).id}" if role else "/admin/role/new/"
    return post_form(client, url, data, token_from="/")


def test_list_shows_name_description_permissions_and_users(admin_client, users):
    """Each role shows its name, description, permissions and how many users hold it."""
    create_user("second-staff@example.org", ("staff",))
    html = page(admin_client.get("/admin/role/"))
    for label in ("Name", "Description", "Permissions", "Users"):
        assert label in html
    assert ", ".join(sorted(role_permissions("organizer"))) in html  # organizer's permissions
    staff_row = re.search(rf'value="{fresh_role("staff").id}".*?</tr>', html, re.S).group(0)
    assert re.search(r'col-user_count">\s*2\s*<', staff_row)


def test_permissions_are_chosen_from_the_registry_with_descriptions(admin_client, users):
    """The permissions field lists every registered permission with its description."""
    html = page(admin_client.get("/admin/role/new/"))
    assert 'name="permissions"' in html and "multiple" in html
    for name, description in declared_permissions().items():
        assert f'value="{name}"' in html and str(escape(str(description))) in html


def test_create_a_role(app, admin_client, users):
    """An admin creates a role with permissions from the registry."""
    response = save_role(admin_client, {"name": "judge", "description": "Marks entries", "permissions": [USER_READ, ADMIN_ACCESS]})
    assert response.status_code == 302, flashed(response)
    role = fresh_role("judge")
    assert role.description == "Marks entries" and role.get_permissions() == {USER_READ, ADMIN_ACCESS}


def test_unknown_permissions_are_rejected(app, admin_client, users):
    """A permission string not in the registry is refused."""
    response = save_role(admin_client, {"name": "rogue", "permissions": ["root-everything"]})
    assert response.status_code == 200 and "not a valid choice" in page(response)
    assert fresh_role("rogue") is None
    response = save_role(admin_client, {"name": "organizer", "permissions": [USER_READ, "root-everything"]}, role="organizer")
    assert "not a valid choice" in page(response)
    assert "root-everything" not in fresh_role("organizer").get_permissions()


def test_role_names_are_lowercase_and_unique(app, admin_client, users):
    """Names are lowercase words with hyphens, and no two roles share one."""
    assert save_role(admin_client, {"name": "Bad Name"}).status_code == 200
    assert save_role(admin_client, {"name": "staff"}).status_code == 200
    assert fresh_role("Bad Name") is None


def test_edit_a_custom_role(app, admin_client, users):
    """A custom role can be renamed and its permissions changed."""
    add_role("judge", {ADMIN_ACCESS})
    response = save_role(admin_client, {"name": "adjudicator", "permissions": [ADMIN_ACCESS, USER_READ]}, role="judge")
    assert response.status_code == 302, flashed(response)
    assert fresh_role("judge") is None and fresh_role("adjudicator").get_permissions() == {ADMIN_ACCESS, USER_READ}


@pytest.mark.parametrize("name", ["admin", "organizer", "staff", "end-user"])
def test_built_in_roles_cannot_be_deleted(app, admin_client, users, name):
    """Deleting a built-in role is refused."""
    response = delete_record(admin_client, "role", fresh_role(name).id, follow_redirects=True)
    assert "Built-in roles cannot be deleted" in flashed(response)
    assert fresh_role(name) is not None


def test_built_in_roles_cannot_be_renamed(app, admin_client, users):
    """Renaming a built-in role is refused; its name field is read-only."""
    role = fresh_role("organizer")
    assert "readonly" in page(admin_client.get(f"/admin/role/edit/?id={role.id}"))
    response = save_role(admin_client, {"name": "boss", "permissions": sorted(role.get_permissions())}, role="organizer")
    assert "Built-in roles cannot be renamed" in page(response)
    assert fresh_role("organizer") is not None and fresh_role("boss") is None


def test_built_in_role_permissions_can_change(app, admin_client, users):
    """An admin may give a built-in role (not admin) more or fewer permissions."""
    response = save_role(admin_client, {"name": "staff", "permissions": [ADMIN_ACCESS]}, role="staff")
    assert response.status_code == 302, flashed(response)
    assert fresh_role("staff").get_permissions() == {ADMIN_ACCESS}


def test_admin_role_keeps_every_permission(app, admin_client, users):
    """Taking a permission from the admin role is refused."""
    response = save_role(admin_client, {"name": "admin", "permissions": [ADMIN_ACCESS]}, role="admin")
    assert "always holds every permission" in page(response)
    assert fresh_role("admin").get_permissions() == set(declared_permissions())


def test_delete_a_custom_role(app, admin_client, users):
    """A custom role can be deleted; its users lose it."""
    add_role("judge", {ADMIN_ACCESS})
    response = delete_record(admin_client, "role", fresh_role("judge").id, follow_redirects=True)
    assert "successfully deleted" in flashed(response)
    assert fresh_role("judge") is None


def test_organizer_cannot_change_roles(app, organizer_client, users):
    """role-read alone: creating, editing or deleting a role is refused with 403."""
    add_role("judge", {ADMIN_ACCESS})
    assert save_role(organizer_client, {"name": "mine", "permissions": [ADMIN_ACCESS]}).status_code == 403
    assert save_role(organizer_client, {"name": "judge", "permissions": [USER_WRITE]}, role="judge").status_code == 403
    assert delete_record(organizer_client, "role", fresh_role("judge").id).status_code == 403
    assert fresh_role("mine") is None and fresh_role("judge").get_permissions() == {ADMIN_ACCESS}


@pytest.fixture
def role_manager(app, users) -> str:
    """A user who may write roles and holds every other permission, but not audit-read."""
    return user_with_permissions("manager@example.org", "role-manager", everything_but(AUDIT_READ))


def test_nobody_creates_a_role_with_a_permission_they_lack(app, role_manager):
    """A role manager without audit-read cannot create a role granting it."""
    response = save_role(sign_in(app, role_manager), {"name": "auditors", "permissions": [AUDIT_READ]})
    assert "cannot grant permissions you do not hold: audit-read" in page(response)
    assert fresh_role("auditors") is None


def test_nobody_adds_a_permission_they_lack_to_a_role(app, role_manager):
    """...nor add audit-read to an existing role (even their own)."""
    client = sign_in(app, role_manager)
    response = save_role(client, {"name": "organizer", "permissions": [ADMIN_ACCESS, AUDIT_READ]}, role="organizer")
    assert "cannot grant permissions you do not hold" in page(response)
    assert AUDIT_READ not in fresh_role("organizer").get_permissions()
    own = sorted(everything_but())
    save_role(client, {"name": "role-manager", "permissions": own}, role="role-manager")
    assert AUDIT_READ not in fresh_role("role-manager").get_permissions()


def test_nobody_changes_or_deletes_a_role_granting_more_than_they_hold(app, role_manager):
    """A role granting audit-read cannot be edited or deleted by someone without it."""
    add_role("auditors", {AUDIT_READ})
    client = sign_in(app, role_manager)
    role = fresh_role("auditors")
    assert client.get(f"/admin/role/edit/?id={role.id}").status_code == 403
    assert save_role(client, {"name": "auditors", "permissions": []}, role="auditors").status_code == 403
    response = delete_record(client, "role", role.id, follow_redirects=True)
    assert "grants permissions you do not hold" in flashed(response)
    assert fresh_role("auditors").get_permissions() == {AUDIT_READ}


def test_role_manager_works_within_their_permissions(app, role_manager):
    """Within their own permissions a role manager creates and edits roles."""
    client = sign_in(app, role_manager)
    assert save_role(client, {"name": "helpers", "permissions": [ADMIN_ACCESS, USER_READ]}).status_code == 302
    assert fresh_role("helpers").get_permissions() == {ADMIN_ACCESS, USER_READ}


def test_role_changes_need_a_recent_sign_in(app, admin_client, users):
    """With a stale sign-in, creating, editing or deleting a role asks for the password first."""
    add_role("judge", {ADMIN_ACCESS})
    make_stale(admin_client)
    created = save_role(admin_client, {"name": "late", "permissions": [ADMIN_ACCESS]})
    edited = save_role(admin_client, {"name": "judge", "permissions": [ADMIN_ACCESS, USER_READ]}, role="judge")
    deleted = delete_record(admin_client, "role", fresh_role("judge").id)
    for response in (created, edited, deleted):
        assert response.status_code == 302 and "/verify?next=" in response.headers["Location"]
    assert fresh_role("late") is None and fresh_role("judge").get_permissions() == {ADMIN_ACCESS}

    verified = post_form(admin_client, "/verify", {"password": PASSWORD}, follow_redirects=False)
    assert verified.status_code == 302
    assert save_role(admin_client, {"name": "late", "permissions": [ADMIN_ACCESS]}).status_code == 302
    assert fresh_role("late") is not None


def test_xss_in_a_role_description_is_escaped(app, admin_client, users):
    """A script in a role's description is shown as text."""
    add_role("xss", set(), description='<script>alert("role")</script>')
    for url in ("/admin/role/", f"/admin/role/details/?id={fresh_role('xss').id}"):
        body = page(admin_client.get(url))
        assert "<script>alert" not in body and "&lt;script&gt;" in body
