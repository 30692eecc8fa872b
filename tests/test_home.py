"""Home: the public landing page, the dashboard and the navigation each role sees."""

from __future__ import annotations

import hashlib

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


VENDORED = {
    "vendor/bootstrap-4.6.2/bootstrap.min.css": "f886516f3d41e9e7bd994c7f7a39a89cafae9483f90396cb0ddeafe8d1ea5e72",
    "vendor/bootstrap-4.6.2/bootstrap.bundle.min.js": "19126b874a32753d42c12dfa6c17892bfd93820a5a5100ba1b34da4d07599b49",
    "vendor/jquery-3.7.1/jquery.min.js": "fc9a93dd241f6b045cbff0481cf4e1901becd0e12fb45166a8f17f95823f0b1a",
}
# Served to the pages that need them only (not on every page): the schedule board's drag and drop.
VENDORED_FOR_SOME_PAGES = {
    "vendor/sortablejs-1.15.7/Sortable.min.js": "bf4241bc73fef7f11c59a283a69fe8051cdd31c6d8ff5a2b9ba219e7831fcf76",
}


def test_the_site_serves_its_own_bootstrap_not_the_admins(anon_client, staff_client):
    """Site pages load Bootstrap and jQuery from the site's static folder (as published on npm), never the admin's."""
    for client, url in ((anon_client, "/"), (anon_client, "/login"), (staff_client, "/"), (staff_client, "/account/")):
        html = client.get(url).get_data(as_text=True)
        assert "/admin/static/" not in html, url
        for asset in VENDORED:
            assert f"/static/{asset}" in html, (url, asset)
    for asset, digest in (VENDORED | VENDORED_FOR_SOME_PAGES).items():
        response = anon_client.get(f"/static/{asset}")
        assert response.status_code == 200
        assert hashlib.sha256(response.data).hexdigest() == digest, asset
        response.close()


def test_the_site_works_without_the_admin_feature(app):
    """With the admin feature left out, the site's pages still render with their styles and scripts."""
    from mfo.features import FEATURES
    from tests.conftest import make_app

    bare = make_app(app.config["SQLALCHEMY_DATABASE_URI"], features=[f for f in FEATURES if f != "mfo.admin"])
    client = bare.test_client()
    html = client.get("/login").get_data(as_text=True)
    assert "vendor/bootstrap-4.6.2/bootstrap.min.css" in html
    assert "admin" not in {blueprint for blueprint in bare.blueprints}
