"""The Users admin: list, search, create or invite, edit, deactivate; every guard rail tried and held."""

from __future__ import annotations

import re

import pytest
import sqlalchemy
from flask_security.utils import verify_password

from mfo.admin.permissions import ADMIN_ACCESS, AUDIT_READ, USER_READ, USER_WRITE
from mfo.database import db
from tests.admin_helpers import (
    delete_record,
    edit_user,
    everything_but,
    flashed,
    fresh_user,
    make_stale,
    page,
    role_names_of,
    run_action,
    sign_in,
    user_id,
    user_with_permissions,
)
from tests.conftest import create_user
from tests.helpers import NEW_PASSWORD, PASSWORD, csrf_token, links_in, login, post_form


def rows(html: str) -> list[str]:
    """Return the emails in the list's email column, in order."""
    return [email.strip() for email in re.findall(r'<td class="col-email">\s*(.*?)\s*</td>', html, re.S)]


# --- the list


def test_list_shows_the_columns(admin_client, users):
    """The list shows email, name, roles, active, confirmed and last sign-in."""
    html = page(admin_client.get("/admin/user/"))
    for label in ("Email", "Name", "Roles", "Active", "Confirmed", "Last sign-in"):
        assert label in html
    assert set(rows(html)) == set(users.values())


def test_search_by_email_and_name(app, admin_client, users):
    """Search finds users by email or name, and its placeholder names just those (users have no username)."""
    create_user("singer@example.org", ("end-user",), name="Maria Callas")
    assert rows(page(admin_client.get("/admin/user/?search=callas"))) == ["singer@example.org"]
    assert rows(page(admin_client.get("/admin/user/?search=staff@"))) == [users["staff"]]
    html = page(admin_client.get("/admin/user/"))
    placeholder = re.search(r'name="search"[^>]*placeholder="([^"]*)"', html).group(1)
    assert "Email" in placeholder and "Name" in placeholder and "Username" not in placeholder


def test_search_can_use_the_trigram_indexes_on_postgresql(app, admin_client, users):
    """On PostgreSQL the statements of a search can be answered from pg_trgm indexes, not only by a table scan."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("trigram indexes exist on PostgreSQL only (SQLite scans)")
    statements: list[tuple[str, object]] = []

    def capture(_connection, _cursor, statement, parameters, _context, _many) -> None:
        statements.append((statement, parameters))

    sqlalchemy.event.listen(db.engine, "before_cursor_execute", capture)
    try:
        assert rows(page(admin_client.get("/admin/user/?search=staff@"))) == [users["staff"]]
    finally:
        sqlalchemy.event.remove(db.engine, "before_cursor_execute", capture)
    count = next((s, p) for s, p in statements if "count(" in s.lower() and "ILIKE" in s)
    with db.engine.connect() as connection:
        # The test table is tiny, so the planner would scan it anyway; forbid that to see whether
        # an index can serve the '%term%' patterns at all (a B-tree cannot).
        connection.exec_driver_sql("SET enable_seqscan = off")
        plan = "\n".join(row[0] for row in connection.exec_driver_sql("EXPLAIN " + count[0], count[1]))
    for column in ("email", "name"):
        assert f"ix_user_{column}_trgm" in plan, plan


def test_filters_by_role_active_and_confirmed(app, admin_client, users):
    """Filters keep users of a role, active or not, confirmed or not."""
    create_user("pending@example.org", ("staff",), confirmed_at=None)
    create_user("gone@example.org", ("end-user",), active=False)
    # Filter arguments are flt<position>_<filter index>: role 0, active 1, confirmed 2.
    by_role = rows(page(admin_client.get("/admin/user/?flt0_0=staff")))
    assert sorted(by_role) == ["pending@example.org", users["staff"]]
    inactive = rows(page(admin_client.get("/admin/user/?flt0_1=0")))
    assert inactive == ["gone@example.org"]
    unconfirmed = rows(page(admin_client.get("/admin/user/?flt0_2=0")))
    assert unconfirmed == ["pending@example.org"]


def test_sort_and_page_size(app, admin_client, users):
    """Sorting by email works both ways; the page size can be chosen."""
    ascending = rows(page(admin_client.get("/admin/user/?sort=0")))
    assert ascending == sorted(users.values())
    assert rows(page(admin_client.get("/admin/user/?sort=0&desc=1"))) == sorted(users.values(), reverse=True)
    assert len(rows(page(admin_client.get("/admin/user/?sort=0&page_size=10")))) == 4
    for n in range(12):
        create_user(f"extra{n:02}@example.org", ("end-user",))
    assert len(rows(page(admin_client.get("/admin/user/?page_size=10")))) == 10


def test_details_show_the_user(admin_client, users):
    """The details page shows the user's email, roles and sign-in record."""
    html = page(admin_client.get(f"/admin/user/details/?id={user_id(users['organizer'])}"))
    assert users["organizer"] in html and "organizer" in html and "Last sign-in" in html


# --- create: with an initial password, or as an invitation


def test_create_with_an_initial_password(app, admin_client, users, outbox):
    """A user created with a password gets it hashed, and is asked to confirm their email."""
    response = post_form(
        admin_client,
        "/admin/user/new/",
        {"email": "new@example.org", "name": "New Person", "role_names": ["staff"], "active": "y", "new_password": NEW_PASSWORD},
        token_from="/",
    )
    assert response.status_code == 302, flashed(response)
    user = fresh_user("new@example.org")
    assert user.name == "New Person" and role_names_of("new@example.org") == {"staff"}
    assert user.password != NEW_PASSWORD and verify_password(NEW_PASSWORD, user.password)
    assert user.confirmed_at is None
    assert [m.to for m in outbox] == [["new@example.org"]] and "/confirm/" in outbox[0].body


def test_created_password_must_meet_the_policy(app, admin_client, users):
    """A too-short initial password is refused and nobody is created."""
    response = post_form(
        admin_client, "/admin/user/new/", {"email": "weak@example.org", "new_password": "short"}, token_from="/"
    )
    assert response.status_code == 200 and "at least 8 characters" in page(response)
    assert fresh_user("weak@example.org") is None


def test_create_asks_for_a_password_or_an_invitation(app, admin_client, users):
    """Neither a password nor an invitation is refused; both at once is refused too."""
    neither = post_form(admin_client, "/admin/user/new/", {"email": "a@example.org"}, token_from="/")
    both = post_form(
        admin_client, "/admin/user/new/", {"email": "b@example.org", "invite": "y", "new_password": NEW_PASSWORD}, token_from="/"
    )
    assert neither.status_code == both.status_code == 200
    assert fresh_user("a@example.org") is None and fresh_user("b@example.org") is None


def test_create_refuses_an_invalid_or_taken_email(app, admin_client, users):
    """An email that is not an address, or that another user has, is refused."""
    invalid = post_form(admin_client, "/admin/user/new/", {"email": "not-an-email", "invite": "y"}, token_from="/")
    taken = post_form(admin_client, "/admin/user/new/", {"email": "STAFF@example.org", "invite": "y"}, token_from="/")
    assert invalid.status_code == taken.status_code == 200
    assert "already has this email" in page(taken)


def test_invitation_emails_a_link_that_sets_the_password(app, organizer_client, users, outbox, anon_client):
    """An invited user has no password until they follow the emailed link; then they can sign in
    (the invitation's own flow is tested in tests/test_invitations.py)."""
    response = post_form(
        organizer_client, "/admin/user/new/", {"email": "guest@example.org", "name": "Guest", "invite": "y", "active": "y"}, token_from="/"
    )
    assert response.status_code == 302, flashed(response)
    invited = fresh_user("guest@example.org")
    assert invited.password is None and invited.invited_at is not None
    assert role_names_of("guest@example.org") == {"end-user"}  # the default role: organizers do not assign roles
    [message] = outbox
    assert message.to == ["guest@example.org"]
    [link] = [link for link in links_in(message) if "/account/invitation/" in link]

    path = link.replace("http://localhost", "")
    assert anon_client.get(path).status_code == 200
    post_form(anon_client, path, {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
    assert verify_password(NEW_PASSWORD, fresh_user("guest@example.org").password)
    login(anon_client, "guest@example.org", NEW_PASSWORD)
    assert anon_client.get("/account/").status_code == 200
    assert anon_client.get(path).status_code == 410  # the link works once


# --- edit


def test_edit_name_roles_and_active(app, admin_client, users):
    """The admin changes a user's name, roles (by name) and active flag."""
    response = edit_user(admin_client, users["staff"], name="Sam Staff", role_names=["staff", "organizer"])
    assert response.status_code == 302, flashed(response)
    assert fresh_user(users["staff"]).name == "Sam Staff"
    assert role_names_of(users["staff"]) == {"staff", "organizer"}


def test_blank_password_keeps_the_old_one(app, admin_client, users):
    """Saving the form with an empty password field keeps the password."""
    before = fresh_user(users["staff"]).password
    edit_user(admin_client, users["staff"], name="Kept")
    assert fresh_user(users["staff"]).password == before


def test_new_password_is_checked_hashed_and_ends_sessions(app, admin_client, users, staff_client):
    """A new password must meet the policy; it is stored hashed and the user's sessions end."""
    weak = edit_user(admin_client, users["staff"], new_password="short")
    assert weak.status_code == 200 and "at least 8 characters" in page(weak)
    assert verify_password(PASSWORD, fresh_user(users["staff"]).password)

    assert edit_user(admin_client, users["staff"], new_password=NEW_PASSWORD).status_code == 302
    stored = fresh_user(users["staff"]).password
    assert stored != NEW_PASSWORD and verify_password(NEW_PASSWORD, stored)
    assert staff_client.get("/account/").status_code == 302


def test_edit_form_has_no_secret_fields(admin_client, users):
    """The edit form offers no hash, identity key, TOTP secret, recovery code or WebAuthn handle."""
    html = page(admin_client.get(f"/admin/user/edit/?id={user_id(users['staff'])}"))
    for field in ("password", "fs_uniquifier", "tf_totp_secret", "us_totp_secrets", "mf_recovery_codes", "fs_webauthn_user_handle"):
        assert f'name="{field}"' not in html


# --- bulk actions


def test_deactivate_ends_every_session_and_activate_restores_sign_in(app, admin_client, users, client_for):
    """Deactivated users are signed out at once (on every device); activating lets them sign in again."""
    phone, laptop = client_for("staff"), client_for("staff")
    staff = user_id(users["staff"])
    response = run_action(admin_client, "user", "deactivate", [staff], follow_redirects=True)
    assert "1 user was deactivated" in flashed(response)
    assert not fresh_user(users["staff"]).active
    assert phone.get("/account/").status_code == 302 and laptop.get("/account/").status_code == 302

    run_action(admin_client, "user", "activate", [staff])
    assert fresh_user(users["staff"]).active
    assert phone.get("/account/").status_code == 302  # old sessions stay ended
    assert sign_in(app, users["staff"]).get("/account/").status_code == 200


def test_deactivating_in_the_form_ends_sessions_too(app, admin_client, users, client_for):
    """Unticking Active in the edit form signs the user out as well."""
    staff_client = client_for("staff")
    edit_user(admin_client, users["staff"], active=None)
    assert not fresh_user(users["staff"]).active
    assert staff_client.get("/account/").status_code == 302


def test_reset_two_factor(app, admin_client, users):
    """Reset two-factor removes a user's second factor and recovery codes."""
    target = fresh_user(users["organizer"])
    target.mf_recovery_codes = ["code-one", "code-two"]
    db.session.commit()
    run_action(admin_client, "user", "reset_mfa", [target.id])
    target = fresh_user(users["organizer"])
    assert target.tf_totp_secret is None and target.tf_primary_method is None and not target.mf_recovery_codes


def test_reset_two_factor_needs_a_recent_sign_in_and_ends_sessions(app, admin_client, client_for, users):
    """A stale admin session is sent to re-enter the password first; the reset signs the user out."""
    target = fresh_user(users["staff"])
    target.tf_primary_method, target.tf_totp_secret = "authenticator", fresh_user(users["admin"]).tf_totp_secret
    db.session.commit()
    target_id = target.id
    staff_client = client_for("staff")
    make_stale(admin_client)
    response = run_action(admin_client, "user", "reset_mfa", [target_id])
    assert response.status_code == 302 and "/verify" in response.headers["Location"]
    assert fresh_user(users["staff"]).tf_primary_method == "authenticator"
    assert staff_client.get("/account/").status_code == 200

    post_form(admin_client, "/verify", {"password": PASSWORD})
    run_action(admin_client, "user", "reset_mfa", [target_id])
    assert fresh_user(users["staff"]).tf_primary_method is None
    assert staff_client.get("/account/").status_code == 302, "the reset must end the user's sessions"


def test_delete_a_user(app, admin_client, users):
    """An admin deletes a user with the list's delete button (a POST)."""
    response = delete_record(admin_client, "user", user_id(users["end-user"]), follow_redirects=True)
    assert "successfully deleted" in flashed(response)
    assert fresh_user(users["end-user"]) is None


# --- guard rails, each one attacked


def test_organizer_cannot_take_over_an_admin(app, organizer_client, users):
    """An organizer may not open, edit, re-password, deactivate, delete or reset the MFA of an admin."""
    admin = fresh_user(users["admin"])
    hash_before = admin.password
    assert organizer_client.get(f"/admin/user/edit/?id={admin.id}").status_code == 403
    takeover = edit_user(organizer_client, users["admin"], email="mine@example.org", new_password=NEW_PASSWORD, role_names=None)
    assert takeover.status_code == 403

    denied = run_action(organizer_client, "user", "deactivate", [admin.id], follow_redirects=True)
    assert "they hold permissions you do not hold" in flashed(denied)
    run_action(organizer_client, "user", "reset_mfa", [admin.id])
    denied = delete_record(organizer_client, "user", admin.id, follow_redirects=True)
    assert "they hold permissions you do not hold" in flashed(denied)

    admin = fresh_user(users["admin"])
    assert admin.email == users["admin"] and admin.password == hash_before
    assert admin.active and admin.tf_totp_secret is not None


def test_list_offers_edit_and_delete_only_where_allowed(organizer_client, users):
    """An organizer's list has edit and delete buttons for staff but not for the admin."""
    html = page(organizer_client.get("/admin/user/"))
    assert f"/admin/user/edit/?id={user_id(users['staff'])}&" in html
    assert f"/admin/user/edit/?id={user_id(users['admin'])}&" not in html
    assert f'name="id" type="hidden" value="{user_id(users["admin"])}"' not in html


def test_a_refused_bulk_action_changes_nobody(app, organizer_client, users):
    """If any selected user is protected, the whole action is refused."""
    ids = [user_id(users["staff"]), user_id(users["admin"])]
    run_action(organizer_client, "user", "deactivate", ids)
    assert fresh_user(users["staff"]).active and fresh_user(users["admin"]).active


def test_organizer_manages_users_below_them(app, organizer_client, users):
    """An organizer edits a staff member's name and email (user-write) without touching roles."""
    response = edit_user(organizer_client, users["staff"], name="Renamed", email="staff2@example.org", role_names=None)
    assert response.status_code == 302, flashed(response)
    assert fresh_user("staff2@example.org").name == "Renamed"


def test_role_assignment_needs_role_write(app, organizer_client, users):
    """Without role-write there is no roles field, and a crafted one is refused."""
    staff = user_id(users["staff"])
    assert 'name="role_names"' not in page(organizer_client.get(f"/admin/user/edit/?id={staff}"))
    assert edit_user(organizer_client, users["staff"], role_names=["admin"]).status_code == 403
    crafted = post_form(
        organizer_client, "/admin/user/new/", {"email": "x@example.org", "invite": "y", "role_names": ["admin"]}, token_from="/"
    )
    assert crafted.status_code == 403 and fresh_user("x@example.org") is None
    assert role_names_of(users["staff"]) == {"staff"}


def test_nobody_grants_a_permission_they_do_not_hold(app, users):
    """A role manager without audit-read cannot give anyone the admin role (which holds it)."""
    manager = user_with_permissions("manager@example.org", "role-manager", everything_but(AUDIT_READ))
    client = sign_in(app, manager)
    response = edit_user(client, users["staff"], role_names=["staff", "admin"])
    assert "cannot grant permissions you do not hold: audit-read" in page(response)
    assert role_names_of(users["staff"]) == {"staff"}
    created = post_form(
        client, "/admin/user/new/", {"email": "boss@example.org", "invite": "y", "role_names": ["admin"]}, token_from="/"
    )
    assert created.status_code == 200 and fresh_user("boss@example.org") is None
    # ...while roles within their own permissions can be given
    assert edit_user(client, users["staff"], role_names=["staff", "organizer"]).status_code == 302
    assert role_names_of(users["staff"]) == {"staff", "organizer"}


def test_nobody_edits_a_user_holding_more_than_them(app, users):
    """A user-manager without audit-read cannot edit an organizer who was given audit-read."""
    user_with_permissions("auditor@example.org", "auditor", {ADMIN_ACCESS, AUDIT_READ})
    manager = user_with_permissions("usermgr@example.org", "user-manager", {ADMIN_ACCESS, USER_READ, USER_WRITE})
    client = sign_in(app, manager)
    assert client.get(f"/admin/user/edit/?id={user_id('auditor@example.org')}").status_code == 403
    assert edit_user(client, "auditor@example.org", role_names=None, name="Hijacked").status_code == 403
    assert fresh_user("auditor@example.org").name is None


@pytest.fixture
def superuser(app, users) -> str:
    """Someone holding every permission through a role that is not `admin` (so the admin may be the last one)."""
    return user_with_permissions("super@example.org", "superuser", everything_but())


def test_last_active_admin_cannot_be_deactivated(app, users, superuser):
    """The only active admin cannot be deactivated, by action or by form."""
    client = sign_in(app, superuser)
    admin = user_id(users["admin"])
    response = run_action(client, "user", "deactivate", [admin], follow_redirects=True)
    assert "last active admin" in flashed(response)
    response = edit_user(client, users["admin"], active=None)
    assert "last active admin" in page(response)
    assert fresh_user(users["admin"]).active


def test_last_active_admin_cannot_be_deleted(app, users, superuser):
    """The only active admin cannot be deleted."""
    response = delete_record(sign_in(app, superuser), "user", user_id(users["admin"]), follow_redirects=True)
    assert "last active admin" in flashed(response)
    assert fresh_user(users["admin"]) is not None


def test_last_active_admin_keeps_the_admin_role(app, admin_client, users, superuser):
    """Neither someone else nor the admin themself can take the admin role from the last active admin."""
    response = edit_user(sign_in(app, superuser), users["admin"], role_names=["staff"])
    assert "last active admin" in page(response)
    response = edit_user(admin_client, users["admin"], role_names=["organizer"])
    assert "last active admin" in page(response)
    assert role_names_of(users["admin"]) == {"admin"}


def test_an_admin_may_go_when_another_remains(app, users):
    """With a second active admin, the first one can be deactivated by the second."""
    create_user("admin2@example.org", ("admin",))
    client = sign_in(app, "admin2@example.org")
    run_action(client, "user", "deactivate", [user_id(users["admin"])])
    assert not fresh_user(users["admin"]).active


def test_users_cannot_deactivate_or_delete_themselves(app, admin_client, users):
    """Even with another admin around, nobody deactivates or deletes their own account."""
    create_user("admin2@example.org", ("admin",))
    me = user_id(users["admin"])
    assert "cannot deactivate yourself" in flashed(run_action(admin_client, "user", "deactivate", [me], follow_redirects=True))
    assert "cannot deactivate yourself" in page(edit_user(admin_client, users["admin"], active=None))
    assert "cannot delete yourself" in flashed(delete_record(admin_client, "user", me, follow_redirects=True))
    assert fresh_user(users["admin"]).active


def test_own_password_and_email_change_in_the_account_area(app, admin_client, users):
    """The admin cannot change their own password or email here (the account area asks for the old password)."""
    before = fresh_user(users["admin"]).password
    response = edit_user(admin_client, users["admin"], new_password=NEW_PASSWORD, email="me@example.org")
    assert response.status_code == 200
    assert fresh_user(users["admin"]).password == before and fresh_user("me@example.org") is None


def test_role_changes_need_a_recent_sign_in(app, admin_client, users):
    """With a stale sign-in a role change sends you to re-enter your password, and nothing changes until then."""
    make_stale(admin_client)
    staff = user_id(users["staff"])
    response = edit_user(admin_client, users["staff"], role_names=["staff", "organizer"])
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/verify?next=") or "/verify?next=" in location
    assert role_names_of(users["staff"]) == {"staff"}

    # a change that touches no role goes through
    assert edit_user(admin_client, users["staff"], name="Still fine").status_code == 302

    post_form(admin_client, "/verify", {"password": PASSWORD})
    assert edit_user(admin_client, users["staff"], role_names=["staff", "organizer"]).status_code == 302
    assert role_names_of(users["staff"]) == {"staff", "organizer"}
    assert f"id%3D{staff}" in location or f"id={staff}" in location


def test_creating_a_user_with_roles_needs_a_recent_sign_in(app, admin_client, users):
    """Creating a user with more than the default role also needs a fresh sign-in."""
    make_stale(admin_client)
    response = post_form(
        admin_client, "/admin/user/new/", {"email": "fresh@example.org", "invite": "y", "role_names": ["organizer"]}, token_from="/"
    )
    assert response.status_code == 302 and "/verify" in response.headers["Location"]
    assert fresh_user("fresh@example.org") is None


# --- CSRF, and no GET changes anything


def test_admin_forms_refuse_a_missing_or_wrong_csrf_token(app, admin_client, users):
    """Edit, delete and actions without a valid CSRF token are refused (400) and change nothing."""
    staff = user_id(users["staff"])
    edit = admin_client.post(f"/admin/user/edit/?id={staff}", data={"email": users["staff"], "name": "CSRF"})
    delete = admin_client.post("/admin/user/delete/", data={"id": str(staff), "csrf_token": "forged"})
    action = admin_client.post("/admin/user/action/", data={"action": "deactivate", "rowid": str(staff)})
    assert edit.status_code == delete.status_code == action.status_code == 400
    user = fresh_user(users["staff"])
    assert user is not None and user.active and user.name is None


def test_admin_forms_carry_the_csrf_token(admin_client, users):
    """Create, edit, delete buttons and the actions form all carry a CSRF token."""
    assert csrf_token(admin_client, "/admin/user/new/")
    assert csrf_token(admin_client, f"/admin/user/edit/?id={user_id(users['staff'])}")
    listing = page(admin_client.get("/admin/user/"))
    assert listing.count('name="csrf_token"') >= 2  # delete buttons and the bulk-action form


def test_no_get_request_changes_state(app, admin_client, users):
    """Delete and actions refuse GET; GET on edit only shows the form."""
    staff = user_id(users["staff"])
    assert admin_client.get(f"/admin/user/delete/?id={staff}").status_code == 405
    assert admin_client.get(f"/admin/user/action/?action=deactivate&rowid={staff}").status_code == 405
    admin_client.get(f"/admin/user/edit/?id={staff}&name=changed&active=")
    user = fresh_user(users["staff"])
    assert user is not None and user.active and user.name is None


# --- nothing secret, nothing unescaped


def test_no_secret_in_any_admin_response(app, admin_client, users):
    """The hash, identity key, TOTP secrets, recovery codes and WebAuthn handle appear on no admin page or export."""
    target = fresh_user(users["organizer"])
    target.mf_recovery_codes = ["recovery-code-one-1234", "recovery-code-two-5678"]
    target.us_totp_secrets = '{"email": "unified-signin-secret-xyz"}'
    db.session.commit()
    target = fresh_user(users["organizer"])
    secrets = [
        target.password,
        target.password.split("$")[-1],
        target.fs_uniquifier,
        target.tf_totp_secret,
        target.fs_webauthn_user_handle,
        "recovery-code-one-1234",
        "unified-signin-secret-xyz",
    ]
    urls = [
        "/admin/",
        "/admin/user/",
        f"/admin/user/?search={target.email}",
        f"/admin/user/details/?id={target.id}",
        f"/admin/user/edit/?id={target.id}",
        "/admin/user/new/",
        "/admin/user/export/csv/",
        "/admin/role/",
        "/admin/role/export/csv/",
    ]
    for url in urls:
        body = page(admin_client.get(url))
        for secret in secrets:
            assert secret and secret not in body, (url, secret)


XSS_NAME = '<script>alert("name")</script>'
XSS_EMAIL = '"><img src=x onerror=alert(1)>@example.org'


def test_xss_in_email_and_name_is_escaped(app, admin_client, users):
    """A script in a user's name or email is shown as text in the list, details and edit form."""
    create_user(XSS_EMAIL, ("end-user",), name=XSS_NAME)
    target = fresh_user(XSS_EMAIL)
    for url in ("/admin/user/", f"/admin/user/details/?id={target.id}", f"/admin/user/edit/?id={target.id}"):
        body = page(admin_client.get(url))
        assert "<script>alert" not in body and "<img src=x" not in body, url
        assert "&lt;script&gt;" in body, url
