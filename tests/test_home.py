"""Home: the public landing page, the dashboard and the navigation each role sees."""

from __future__ import annotations

import pytest


def test_landing_page_for_visitors(anon_client):
    """Visitors see what mfo is, with sign-in and register links."""
    page = anon_client.get("/").get_data(as_text=True)
    assert "Music Festival Organizer" in page
    assert 'href="/login"' in page and 'href="/register"' in page
    assert 'href="/admin/"' not in page and 'href="/account/"' not in page


@pytest.mark.parametrize(
    ("role", "sees_admin"),
    [("admin", True), ("organizer", True), ("staff", False), ("end-user", False)],
)
def test_dashboard_and_nav_show_what_the_role_may_use(client_for, users, role, sees_admin):
    """The dashboard and the nav offer the admin only to roles with admin access."""
    page = client_for(role).get("/").get_data(as_text=True)
    assert users[role] in page
    assert 'href="/account/"' in page
    assert ('href="/admin/"' in page) is sees_admin
    assert 'id="sign-out-form"' in page and 'name="csrf_token"' in page


def test_admin_dashboard_cards_follow_permissions(admin_client, organizer_client, staff_client):
    """Admin and organizer (who may read users and roles) see those cards; staff do not."""
    for client in (admin_client, organizer_client):
        page = client.get("/").get_data(as_text=True)
        assert 'href="/admin/user/"' in page and 'href="/admin/role/"' in page
    page = staff_client.get("/").get_data(as_text=True)
    assert "/admin/user/" not in page and "/admin/role/" not in page


def test_every_page_uses_the_shared_layout(anon_client):
    """Flask-Security's pages render inside the site's nav and footer, never as bare library pages."""
    for url in ("/login", "/register", "/reset", "/confirm"):
        page = anon_client.get(url).get_data(as_text=True)
        assert 'id="language-form"' in page, url
        assert "navbar-brand" in page, url
        assert "bootstrap.min.css" in page, url
