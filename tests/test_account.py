"""The account area: sign-in required, profile (name, language), security settings."""

from __future__ import annotations

import re

from mfo.database import db
from mfo.database.models import user_datastore
from tests.admin_helpers import fresh_user, page
from tests.helpers import login, post_form


def profile_of(email: str):
    """Return the user's saved profile, read fresh."""
    db.session.expire_all()
    return user_datastore.find_user(email=email)


def test_account_pages_require_sign_in(anon_client):
    """Anonymous visitors are sent to sign in, and come back after."""
    for url in ("/account/", "/account/security"):
        response = anon_client.get(url)
        assert response.status_code == 302
        assert "/login?next=" in response.headers["Location"]
        assert "account" in response.headers["Location"]


def test_profile_saves_name_and_language(staff_client, users):
    """The profile form saves the name and the language, and the page then speaks that language."""
    response = post_form(staff_client, "/account/", {"name": "Clara Schumann", "locale": "fr"})
    assert response.status_code == 303
    user = profile_of(users["staff"])
    assert (user.name, user.locale) == ("Clara Schumann", "fr")
    assert 'lang="fr"' in staff_client.get("/account/").get_data(as_text=True)


def test_profile_refuses_bad_input_and_keeps_what_was_typed(staff_client, users):
    """A name that is too long or an unknown language is refused with a message; nothing is saved."""
    long_name = "N" * 121
    response = post_form(staff_client, "/account/", {"name": long_name, "locale": "xx"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Field cannot be longer than 120 characters" in page
    assert "Not a valid choice" in page
    assert long_name in page
    user = profile_of(users["staff"])
    assert user.name is None and user.locale is None


def test_profile_without_csrf_is_refused(staff_client, users):
    """A profile POST without a CSRF token is a 400 and saves nothing."""
    assert staff_client.post("/account/", data={"name": "Forged", "locale": "en"}).status_code == 400
    assert profile_of(users["staff"]).name is None


def test_profile_name_is_escaped(staff_client):
    """A name with markup is shown as text, never as HTML."""
    post_form(staff_client, "/account/", {"name": "<script>alert(1)</script>", "locale": "en"})
    page = staff_client.get("/").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_profile_shows_the_users_roles(organizer_client):
    """The profile lists the user's roles with their descriptions."""
    page = organizer_client.get("/account/").get_data(as_text=True)
    assert "organizer" in page and "Runs the festival" in page


def test_security_settings_link_to_password_and_email_change(staff_client):
    """The security tab links to change password and change email, and shows sign-in details."""
    page = staff_client.get("/account/security").get_data(as_text=True)
    assert 'href="/change"' in page
    assert 'href="/change-email"' in page
    assert "Signed in since" in page


# --- sign-in details


def test_previous_sign_in_is_the_one_before_this_one(app, users, anon_client):
    """At a first sign-in there is no previous one (not the current one again); at the next, it is the first."""
    login(anon_client, users["staff"])
    html = page(anon_client.get("/account/security"))
    assert "none: this is your first sign-in" in html
    first = fresh_user(users["staff"]).current_login_at
    post_form(anon_client, "/logout", token_from="/account/")

    login(anon_client, users["staff"])
    user = fresh_user(users["staff"])
    assert user.current_login_at >= first and user.last_login_at == first
    html = page(anon_client.get("/account/security"))
    previous = re.search(r'<dd class="col-sm-8" id="previous-sign-in">(.*?)</dd>', html, re.S).group(1)
    assert "first sign-in" not in previous and str(first.year) in previous


def test_the_owner_sees_the_lock_among_recent_sign_ins(app, users, anon_client, staff_client):
    """A lock caused by failed sign-ins shows on the owner's security page, with its end."""
    for _attempt in range(app.config["MFO_LOCKOUT_THRESHOLD"]):
        login(anon_client, users["staff"], "not-the-password")
    html = page(staff_client.get("/account/security"))
    assert "Account locked until" in html and html.count("Failed attempt") == app.config["MFO_LOCKOUT_THRESHOLD"]
