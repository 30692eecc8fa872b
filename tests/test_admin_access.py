"""Admin access: every /admin URL for every role, per-action permissions, the menu, the look and the dashboard."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask_security.utils import naive_utcnow

from mfo.admin.permissions import ADMIN_ACCESS, AUDIT_READ, ROLE_READ, ROLE_WRITE, USER_READ, USER_WRITE
from mfo.feature import Count
from mfo.features import registry
from mfo.permissions import role_permissions
from tests.admin_helpers import fresh_role, fresh_user, page, sign_in, user_with_permissions
from tests.conftest import create_user
from tests.helpers import post_form

ROLES_UNDER_TEST = ("anonymous", "end-user", "staff", "organizer", "admin")


def admin_rules(app: Flask) -> list:
    """Return every URL rule under /admin except the static files (public CSS and JavaScript)."""
    return [
        rule
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/admin") and not rule.endpoint.endswith("static")
    ]


# What each admin endpoint needs: every view the installed features declare says which permission
# reads and which writes; the walk below checks that each URL really admits exactly those roles.
READ = {"index_view", "details_view", "export", "ajax_lookup"}
WRITE = {"create_view", "edit_view", "delete_view", "action_view", "ajax_update"}
# The accounts' views, written out here rather than read from the views under test: the audit
# trail is read-only for everyone (its write endpoints need a permission nobody holds).
CORE_VIEWS = {"user": (USER_READ, USER_WRITE), "role": (ROLE_READ, ROLE_WRITE), "audit": (AUDIT_READ, None)}


def view_permissions(app: Flask) -> dict[str, tuple[str, str]]:
    """Return endpoint -> (read, write) permissions of every admin model view the installed features declare."""
    admin = app.extensions["admin"][0]
    return {
        view.endpoint: (view.read_permission, view.write_permission)
        for view in admin._views
        if hasattr(view, "read_permission")
    }


def test_the_accounts_views_need_the_permissions_written_here(app):
    """The generated table agrees with the hand-written one for the accounts' own views."""
    declared = view_permissions(app)
    for endpoint, (read, write) in CORE_VIEWS.items():
        assert declared[endpoint][0] == read
        if write is None:
            assert declared[endpoint][1] not in registry().permissions  # nobody can ever hold it
        else:
            assert declared[endpoint][1] == write


def needed_permissions(endpoint: str, permissions: dict[str, tuple[str, str]]) -> set[str]:
    """Return the permissions an admin endpoint needs."""
    view, _, method = endpoint.partition(".")
    if endpoint == "admin.index":
        return {ADMIN_ACCESS}
    assert view in permissions, f"admin endpoint {endpoint} belongs to no model view of an installed feature"
    read, write = permissions[view]
    if method in READ:
        return {ADMIN_ACCESS, read}
    assert method in WRITE, f"unknown admin endpoint {endpoint}: classify it in READ or WRITE"
    return {ADMIN_ACCESS, read, write}


def url_for_rule(rule, record_ids: dict[str, int]) -> str:
    """Build a URL for the rule: path arguments filled in, an existing record's id for edit and details."""
    url = rule.rule.replace("<export_type>", "csv")
    assert "<" not in url, f"no test value for the arguments of {rule.rule}"
    view, _, method = rule.endpoint.partition(".")
    if method in ("edit_view", "details_view") and view in record_ids:
        url += f"?id={record_ids[view]}"
    return url


def admin_leaks(app: Flask, client, role: str, record_ids: dict[str, int]) -> list[tuple]:
    """Walk every /admin URL rule as `role`; return each answer that differs from what the permissions allow.

    Anonymous visitors must be sent to sign in (and back); signed-in users without a needed
    permission must get 403; those holding them must not be refused.
    """
    held = set() if role == "anonymous" else set(role_permissions(role))
    permissions = view_permissions(app)
    leaks = []
    for rule in admin_rules(app):
        needed = needed_permissions(rule.endpoint, permissions)
        url = url_for_rule(rule, record_ids)
        for method in sorted(rule.methods & {"GET", "POST"}):
            if method == "GET":
                response = client.get(url)
            else:
                response = post_form(client, url, {}, token_from="/")
            location = response.headers.get("Location", "")
            if role == "anonymous":
                sent_to_sign_in = response.status_code == 302 and urlsplit(location).path == "/login"
                if not sent_to_sign_in or parse_qs(urlsplit(location).query).get("next") != [url]:
                    leaks.append((method, url, response.status_code, location))
            elif not needed <= held:
                if response.status_code != 403:
                    leaks.append((method, url, response.status_code, location))
            elif response.status_code == 403 or urlsplit(location).path == "/login":
                leaks.append((method, url, "refused", response.status_code))
    return leaks


@pytest.mark.parametrize("role", ROLES_UNDER_TEST)
def test_every_admin_url_admits_exactly_the_roles_allowed(app, users, anon_client, client_for, role):
    """Walk app.url_map: anonymous users are sent to sign in, others get 403 unless their role allows it."""
    client = anon_client if role == "anonymous" else client_for(role)
    record_ids = {"user": fresh_user(users["staff"]).id, "role": fresh_role("staff").id, "audit": 1}
    endpoints = {r.endpoint for r in admin_rules(app)}
    assert endpoints >= {"admin.index", "user.index_view", "user.export", "role.action_view", "audit.edit_view"}
    assert admin_leaks(app, client, role, record_ids) == []


def test_refusal_is_the_site_403_page(staff_client):
    """A signed-in user without admin access gets the 403 page inside the site's layout."""
    response = staff_client.get("/admin/user/")
    assert response.status_code == 403
    assert 'id="language-form"' in page(response) and 'id="sign-out-form"' in page(response)


def test_anonymous_user_comes_back_after_signing_in(app, users, anon_client):
    """The sign-in redirect keeps the admin page (with its query) as `next`."""
    response = anon_client.get("/admin/user/?search=staff")
    assert response.status_code == 302
    assert parse_qs(urlsplit(response.headers["Location"]).query)["next"] == ["/admin/user/?search=staff"]


# --- per-action permissions: read lists, views and exports; write changes


@pytest.fixture
def reader(app, users) -> str:
    """A user who may open the admin and read users, and nothing else."""
    return user_with_permissions("reader@example.org", "user-reader", {ADMIN_ACCESS, USER_READ})


def test_read_permission_allows_list_details_and_export(app, users, reader):
    """user-read alone opens the list, the details and the CSV export."""
    client = sign_in(app, reader)
    staff = fresh_user(users["staff"])
    assert client.get("/admin/user/").status_code == 200
    assert client.get(f"/admin/user/details/?id={staff.id}").status_code == 200
    assert client.get("/admin/user/export/csv/").status_code == 200


def test_read_permission_hides_and_refuses_every_change(app, users, reader):
    """Without user-write no create, edit, delete or action is offered, and a crafted request is refused."""
    client = sign_in(app, reader)
    staff = fresh_user(users["staff"])
    listing = page(client.get("/admin/user/"))
    assert "/admin/user/new/" not in listing
    assert "/admin/user/edit/" not in listing
    assert "/admin/user/delete/" not in listing
    assert "modelActions.execute" not in listing
    assert "/admin/user/edit/" not in page(client.get(f"/admin/user/details/?id={staff.id}"))

    assert client.get("/admin/user/new/").status_code == 403
    created = post_form(client, "/admin/user/new/", {"email": "sneaky@example.org", "invite": "y"}, token_from="/")
    assert created.status_code == 403 and fresh_user("sneaky@example.org") is None
    edited = post_form(client, f"/admin/user/edit/?id={staff.id}", {"email": staff.email, "name": "Changed"}, token_from="/")
    assert edited.status_code == 403 and fresh_user(users["staff"]).name is None
    deleted = post_form(client, "/admin/user/delete/", {"id": str(staff.id)}, token_from="/")
    assert deleted.status_code == 403 and fresh_user(users["staff"]) is not None
    action = post_form(client, "/admin/user/action/", {"action": "deactivate", "rowid": str(staff.id)}, token_from="/")
    assert action.status_code == 403 and fresh_user(users["staff"]).active


def test_can_flags_follow_the_user_of_each_request(app, users, reader, admin_client):
    """The same view offers Create to the admin and not to the reader, request after request."""
    client = sign_in(app, reader)
    for _ in range(2):
        assert "/admin/user/new/" in page(admin_client.get("/admin/user/"))
        assert "/admin/user/new/" not in page(client.get("/admin/user/"))


def test_organizer_reads_roles_but_cannot_change_them(organizer_client):
    """organizer holds role-read, not role-write: the roles list shows no create, edit or delete."""
    listing = page(organizer_client.get("/admin/role/"))
    assert "organizer" in listing
    assert "/admin/role/new/" not in listing and "/admin/role/edit/" not in listing
    assert organizer_client.get("/admin/role/new/").status_code == 403


# --- the menu shows only what the user may use


def test_menu_shows_only_the_views_the_user_may_open(app, users, reader, admin_client):
    """The admin sees Users and Roles; a user-reader sees Users only."""
    menu = page(admin_client.get("/admin/"))
    assert 'href="/admin/user/"' in menu and 'href="/admin/role/"' in menu
    menu = page(sign_in(app, reader).get("/admin/"))
    assert 'href="/admin/user/"' in menu and 'href="/admin/role/"' not in menu
    assert sign_in(app, reader).get("/admin/role/").status_code == 403


# --- one look, and the dashboard


@pytest.mark.parametrize("url", ["/admin/", "/admin/user/", "/admin/user/new/", "/admin/role/"])
def test_admin_pages_share_the_site_layout(admin_client, url):
    """Admin pages carry the site's nav, language switcher and sign-out button, on Bootstrap 4."""
    html = page(admin_client.get(url))
    assert 'aria-label="Main navigation"' in html
    assert 'id="language-form"' in html
    assert 'id="sign-out-form"' in html
    assert "bootstrap4/css/bootstrap.min.css" in html
    assert "admin@example.org" in html


def test_dashboard_counts(app, users, admin_client):
    """The dashboard counts users (active, unconfirmed, locked now), roles and recent sign-ups."""
    create_user("pending@example.org", ("end-user",), confirmed_at=None)
    create_user("gone@example.org", ("end-user",), active=False)
    create_user("locked@example.org", ("end-user",), locked_until=naive_utcnow() + timedelta(minutes=5))
    create_user("was-locked@example.org", ("end-user",), locked_until=naive_utcnow() - timedelta(minutes=5))
    html = page(admin_client.get("/admin/"))
    counts = {key: int(value) for key, value in re.findall(r'data-count="(\w+)">(\d+)<', html)}
    accounts = {key: counts[key] for key in ("users", "active", "unconfirmed", "locked", "roles", "recent")}
    assert accounts == {"users": 8, "active": 7, "unconfirmed": 1, "locked": 1, "roles": 4, "recent": 8}
    assert 'href="/admin/user/?flt0_3=1"' in html


def test_dashboard_counts_use_the_locales_grouping(app, users, admin_client, monkeypatch):
    """A count of thousands is written with the reader's grouping: 1,197 in English, 1\u202f197 in French."""
    registry_type = type(registry())
    monkeypatch.setattr(registry_type, "admin_counts", lambda self: [Count("entries", "Entries", 1197)])
    assert 'data-count="entries">1,197<' in page(admin_client.get("/admin/"))
    post_form(admin_client, "/language", {"locale": "fr", "next": "/admin/"}, token_from="/")
    html = page(admin_client.get("/admin/"))
    assert re.search(r'data-count="entries">1[\u202f\u00a0 ]197<', html), re.findall(r'data-count="entries">[^<]*<', html)


def test_dashboard_renders_from_the_admin_package(app):
    """The dashboard's template is the admin blueprint's own."""
    with app.test_request_context():
        template = app.jinja_env.get_or_select_template("admin/dashboard.html")
    assert "mfo/admin/templates" in template.filename


def test_dashboard_links_only_to_lists_the_user_may_read(app, users, reader, admin_client):
    """The admin's counts link to the users and roles lists; a user-reader's only to users."""
    html = page(admin_client.get("/admin/"))
    assert 'href="/admin/user/?flt0_2=0"' in html and 'href="/admin/role/"' in html
    html = page(sign_in(app, reader).get("/admin/"))
    assert 'href="/admin/user/?flt0_2=0"' in html and "stretched-link\" href=\"/admin/role/" not in html
