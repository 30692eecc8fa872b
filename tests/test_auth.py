"""Sign-in, registration, confirmation, password reset and change, email change: the account rules."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urljoin, urlsplit

import pytest
from flask_security.utils import verify_password

from mfo.database import db
from mfo.database.models import User, user_datastore
from tests.conftest import create_user
from tests.helpers import NEW_PASSWORD, PASSWORD, csrf_token, links_in, login, logout, post_form

GENERIC_SIGN_IN_ERROR = "The email address or password is incorrect."


def user_by_email(email: str) -> User | None:
    """Return the user with this email, read fresh from the database."""
    db.session.expire_all()
    return user_datastore.find_user(email=email)


def signed_in_as(client) -> str | None:
    """Return the email the nav shows for this client, or None when signed out."""
    page = client.get("/").get_data(as_text=True)
    match = re.search(r'id="nav-user">([^<]+)<', page)
    return match.group(1) if match else None


def visible_text(response) -> str:
    """Return a page's text without its CSRF tokens and CSP nonces (which differ on every page)."""
    return re.sub(r'(value|nonce)="[^"]*"', "", response.get_data(as_text=True))


# --- sign in and out


def test_sign_in_with_the_right_password(anon_client, users):
    """The right email and password sign the user in and go to the dashboard."""
    response = login(anon_client, users["staff"])
    assert response.status_code == 302
    assert signed_in_as(anon_client) == users["staff"]


def test_sign_in_email_is_case_insensitive(anon_client, users):
    """An email typed with capitals still signs in."""
    login(anon_client, users["staff"].upper())
    assert signed_in_as(anon_client) == users["staff"]


def test_wrong_password_and_unknown_email_get_the_same_answer(anon_client, users):
    """Sign-in never tells whether an email is registered."""
    wrong_password = login(anon_client, users["staff"], "not-the-password")
    unknown_email = login(anon_client, "nobody@example.org", "not-the-password")
    assert wrong_password.status_code == unknown_email.status_code == 200
    assert GENERIC_SIGN_IN_ERROR in wrong_password.get_data(as_text=True)
    assert visible_text(wrong_password).replace(users["staff"], "EMAIL") == visible_text(unknown_email).replace(
        "nobody@example.org", "EMAIL"
    )
    assert signed_in_as(anon_client) is None


def test_malformed_email_is_refused_with_a_message(anon_client):
    """A malformed email gets an error and signs nobody in."""
    response = login(anon_client, "not-an-email")
    assert response.status_code == 200
    assert "alert-danger" in response.get_data(as_text=True) or "invalid-feedback" in response.get_data(as_text=True)
    assert signed_in_as(anon_client) is None


def test_inactive_user_cannot_sign_in(app, anon_client):
    """A deactivated account cannot sign in, and the answer stays generic."""
    create_user("gone@example.org", ("staff",), active=False)
    response = login(anon_client, "gone@example.org")
    assert signed_in_as(anon_client) is None
    assert GENERIC_SIGN_IN_ERROR in response.get_data(as_text=True)


def test_sign_in_without_csrf_token_is_refused(anon_client, users):
    """A sign-in POST without a CSRF token is a 400 and signs nobody in."""
    response = anon_client.post("/login", data={"email": users["staff"], "password": PASSWORD})
    assert response.status_code == 400
    assert signed_in_as(anon_client) is None


def test_sign_in_with_a_forged_csrf_token_is_refused(anon_client, users):
    """A CSRF token from another session does not work."""
    other = anon_client.application.test_client()
    token = csrf_token(other, "/login")
    response = anon_client.post("/login", data={"email": users["staff"], "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 400


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/", "///evil.example", "\\\\evil.example", "https:evil.example", "javascript:alert(1)"],
)
def test_next_pointing_off_site_stays_on_site(anon_client, users, target):
    """`?next=` to another site never leads there: the sign-in is refused with a message, or lands on site."""
    response = post_form(anon_client, "/login?next=" + target, {"email": users["staff"], "password": PASSWORD})
    if response.status_code == 200:
        assert "Redirections outside the domain are forbidden" in response.get_data(as_text=True)
    else:
        # Resolve the Location as a browser would: it must stay on this host, over http(s).
        landing = urlsplit(urljoin("http://localhost/login", response.headers["Location"]))
        assert response.status_code == 302 and landing.scheme == "http" and landing.netloc == "localhost"


def test_next_on_site_is_followed(anon_client, users):
    """`?next=/account/` brings the user back to the account page after signing in."""
    response = post_form(anon_client, "/login?next=/account/", {"email": users["staff"], "password": PASSWORD})
    assert response.headers["Location"].endswith("/account/")


def test_remember_me_sets_a_lasting_cookie(anon_client, users):
    """Ticking "remember me" sets the remember cookie; not ticking it does not."""
    login(anon_client, users["staff"], remember="y")
    assert anon_client.get_cookie("remember_token") is not None
    other = anon_client.application.test_client()
    login(other, users["organizer"])
    assert other.get_cookie("remember_token") is None


def test_sign_out_is_a_post_with_csrf(staff_client, users):
    """Sign-out works through the nav's form; a GET is 405 and a POST without CSRF is 400."""
    assert staff_client.get("/logout").status_code == 405
    assert staff_client.post("/logout").status_code == 400
    assert signed_in_as(staff_client) == users["staff"]
    assert logout(staff_client).status_code == 302
    assert signed_in_as(staff_client) is None
    assert staff_client.get("/account/").status_code == 302


# --- registration and confirmation


def register(client, email: str, password: str = PASSWORD, confirm: str | None = None):
    """Fill in the registration form."""
    return post_form(
        client, "/register", {"email": email, "password": password, "password_confirm": confirm or password}
    )


def test_register_confirm_and_sign_in(anon_client, outbox):
    """A new user registers, gets the end-user role, confirms through the email and signs in."""
    response = register(anon_client, "new@example.org")
    assert response.status_code == 302
    user = user_by_email("new@example.org")
    assert user is not None and [r.name for r in user.roles] == ["end-user"]
    assert user.confirmed_at is None
    assert signed_in_as(anon_client) is None  # not before confirming
    login(anon_client, "new@example.org")
    assert signed_in_as(anon_client) is None

    assert len(outbox) == 1 and outbox[0].to == ["new@example.org"]
    link = next(url for url in links_in(outbox[0]) if "/confirm/" in url)
    anon_client.get(link)
    assert user_by_email("new@example.org").confirmed_at is not None
    anon_client.post("/logout", data={"csrf_token": csrf_token(anon_client)})
    login(anon_client, "new@example.org")
    assert signed_in_as(anon_client) == "new@example.org"


@pytest.mark.settings(SECURITY_CONFIRMABLE=False)
def test_register_without_confirmation_signs_in_at_once(anon_client, outbox):
    """With confirmation switched off, registering signs the new user in."""
    register(anon_client, "quick@example.org")
    assert signed_in_as(anon_client) == "quick@example.org"


@pytest.mark.settings(SECURITY_REGISTERABLE=False)
def test_registration_can_be_switched_off(anon_client):
    """With registration off there is no register page and no link to it."""
    assert anon_client.get("/register").status_code == 404
    assert "/register" not in anon_client.get("/").get_data(as_text=True)


def test_forged_confirmation_token_confirms_nothing(anon_client, outbox):
    """A made-up confirmation link does not confirm the account."""
    register(anon_client, "new@example.org")
    anon_client.get("/confirm/forged-token")
    assert user_by_email("new@example.org").confirmed_at is None


@pytest.mark.parametrize(
    ("password", "confirm", "message"),
    [
        ("short", "short", "Password must be at least 8 characters"),
        (PASSWORD, "something-else-1", "Passwords do not match"),
    ],
)
def test_register_with_a_bad_password_explains_and_keeps_the_email(anon_client, password, confirm, message):
    """A short or mismatched password is refused with a message; the email typed is kept."""
    response = register(anon_client, "new@example.org", password, confirm)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in page
    assert 'value="new@example.org"' in page
    assert user_by_email("new@example.org") is None


def test_register_with_a_malformed_email_is_refused(anon_client):
    """A malformed email is refused with a message and creates nobody."""
    response = register(anon_client, "not an email")
    assert response.status_code == 200
    assert "This email address is not valid." in response.get_data(as_text=True)
    assert db.session.query(User).filter(User.email == "not an email").count() == 0


def test_duplicate_registration_creates_nobody_and_reveals_nothing(anon_client, users, outbox):
    """Registering a taken email answers like a new registration, changes nothing, and tells the owner."""
    before = user_by_email(users["staff"]).password
    fresh = register(anon_client, "fresh@example.org")
    duplicate = register(anon_client, users["staff"], NEW_PASSWORD)
    assert duplicate.status_code == fresh.status_code == 302
    assert duplicate.headers["Location"] == fresh.headers["Location"]
    assert db.session.query(User).filter(User.email == users["staff"]).count() == 1
    assert user_by_email(users["staff"]).password == before
    assert [m.to for m in outbox] == [["fresh@example.org"], [users["staff"]]]


# --- forgotten password


def ask_reset(client, email: str):
    """Fill in the forgot-password form."""
    return post_form(client, "/reset", {"email": email})


def test_reset_password_through_the_emailed_link(anon_client, users, outbox):
    """The emailed link sets a new password; the old one stops working."""
    ask_reset(anon_client, users["staff"])
    assert len(outbox) == 1
    link = next(url for url in links_in(outbox[0]) if "/reset/" in url)
    response = post_form(anon_client, link, {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
    assert response.status_code == 302
    user = user_by_email(users["staff"])
    assert verify_password(NEW_PASSWORD, user.password)
    assert not verify_password(PASSWORD, user.password)


def test_forgot_password_never_reveals_whether_an_email_is_registered(anon_client, users, outbox):
    """Known and unknown emails get the same answer; only the known one gets an email."""
    known = ask_reset(anon_client, users["staff"])
    unknown = ask_reset(anon_client, "nobody@example.org")
    assert known.status_code == unknown.status_code == 200
    assert f"Instructions to reset your password have been sent to {users['staff']}" in known.get_data(as_text=True)
    assert visible_text(known).replace(users["staff"], "EMAIL") == visible_text(unknown).replace(
        "nobody@example.org", "EMAIL"
    )
    assert [m.to for m in outbox] == [[users["staff"]]]


def test_forged_reset_token_changes_nothing(anon_client, users):
    """A made-up reset link is refused and the password stays."""
    response = anon_client.get("/reset/forged-token", follow_redirects=True)
    assert "This link to choose a new password is not valid." in response.get_data(as_text=True)
    post_form(anon_client, "/reset/forged-token", {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}, token_from="/reset")
    assert verify_password(PASSWORD, user_by_email(users["staff"]).password)


@pytest.mark.settings(SECURITY_RESET_PASSWORD_WITHIN=timedelta(seconds=-1))
def test_expired_reset_token_changes_nothing(anon_client, users, outbox):
    """A reset link used after it expires is refused with a message; the password stays."""
    ask_reset(anon_client, users["staff"])
    link = next(url for url in links_in(outbox[0]) if "/reset/" in url)
    response = post_form(
        anon_client, link, {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}, token_from="/reset"
    )
    assert response.status_code == 302
    assert "This link has expired" in anon_client.get(response.headers["Location"]).get_data(as_text=True)
    assert verify_password(PASSWORD, user_by_email(users["staff"]).password)


def test_reset_link_works_only_once(anon_client, users, outbox):
    """Once used, a reset link cannot set the password again."""
    ask_reset(anon_client, users["staff"])
    link = next(url for url in links_in(outbox[0]) if "/reset/" in url)
    post_form(anon_client, link, {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
    logout(anon_client)
    post_form(anon_client, link, {"password": "third-Pass-word-9", "password_confirm": "third-Pass-word-9"}, token_from="/reset")
    assert verify_password(NEW_PASSWORD, user_by_email(users["staff"]).password)


# --- change password and email


def test_change_password_needs_the_current_one(staff_client, users):
    """Changing the password requires the current password; the new one then works."""
    wrong = post_form(
        staff_client,
        "/change",
        {"password": "wrong-current-1", "new_password": NEW_PASSWORD, "new_password_confirm": NEW_PASSWORD},
    )
    assert wrong.status_code == 200
    assert "Invalid password" in wrong.get_data(as_text=True)
    assert verify_password(PASSWORD, user_by_email(users["staff"]).password)
    post_form(
        staff_client,
        "/change",
        {"password": PASSWORD, "new_password": NEW_PASSWORD, "new_password_confirm": NEW_PASSWORD},
    )
    assert verify_password(NEW_PASSWORD, user_by_email(users["staff"]).password)


def test_change_password_requires_sign_in(anon_client):
    """The change-password page sends anonymous visitors to sign in."""
    response = anon_client.get("/change")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_change_email_through_the_link_sent_to_the_new_address(staff_client, users, outbox):
    """A new email takes effect only after the link sent to it is followed."""
    post_form(staff_client, "/change-email", {"email": "moved@example.org"})
    assert user_by_email(users["staff"]) is not None
    assert outbox[-1].to == ["moved@example.org"]
    link = next(url for url in links_in(outbox[-1]) if "/change-email/" in url)
    staff_client.get(link)
    assert user_by_email("moved@example.org") is not None
    assert user_by_email(users["staff"]) is None


def test_change_email_to_a_taken_address_is_refused(staff_client, users, outbox):
    """Another user's email cannot be taken over."""
    post_form(staff_client, "/change-email", {"email": users["admin"]})
    assert not any(m.to == [users["admin"]] and "/change-email/" in m.body for m in outbox)
    assert user_by_email(users["staff"]) is not None
