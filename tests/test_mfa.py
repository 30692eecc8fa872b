"""Multi-factor authentication: required for admin access, set up in the account area, never bypassed."""

from __future__ import annotations

import re

import pytest
from passlib.totp import TOTP

from mfo.database import db
from mfo.database.models import user_datastore
from mfo.security.mfa import reset_mfa
from tests.conftest import create_user
from tests.helpers import login, post_form, totp_code


def fresh_user(email: str):
    """Return the user read fresh from the database."""
    db.session.expire_all()
    return user_datastore.find_user(email=email)


def key_shown_on(page: str) -> str:
    """Return the authenticator key the set-up page shows as text (for typing it in by hand)."""
    match = re.search(r'id="qrcode" class="tf-qrcode" src="data:image[^"]+">\s*<p[^>]*><code id="authr-key"[^>]*>([A-Z2-7-]+)</code>', page)
    assert match, "the set-up page shows no QR code and key"
    return match.group(1).replace("-", "")


def code_for_key(key: str) -> str:
    """Return the code an authenticator app shows now for this key."""
    return TOTP(key=key, format="base32").generate().token


def set_up_authenticator(client) -> str:
    """Choose the authenticator app on the set-up page and confirm it with a computed code."""
    page = post_form(client, "/tf-setup", {"setup": "authenticator"}, token_from="/tf-setup").get_data(as_text=True)
    key = key_shown_on(page)
    action = re.search(r'<form action="([^"]+)" method="post" name="two_factor_verify_code_form"', page).group(1)
    return post_form(client, action.replace("&amp;", "&"), {"code": code_for_key(key)}, token_from="/tf-setup")


def test_admin_without_mfa_is_taken_to_set_up_at_sign_in(app, anon_client):
    """An admin with no second factor is sent to set-up and is not signed in until it is done."""
    create_user("new-admin@example.org", ("admin",), mfa=False)
    response = login(anon_client, "new-admin@example.org")
    assert response.headers["Location"].endswith("/tf-setup")
    assert anon_client.get("/admin/").status_code == 302  # still anonymous: sent to sign in
    assert "/login" in anon_client.get("/admin/").headers["Location"]

    response = set_up_authenticator(anon_client)
    assert response.status_code == 302
    assert fresh_user("new-admin@example.org").tf_primary_method == "authenticator"
    assert anon_client.get("/admin/").status_code == 200


def test_admin_with_mfa_must_enter_the_code(app, anon_client, users):
    """The password alone does not sign an admin in; a wrong code is refused; the right one works."""
    response = login(anon_client, users["admin"], second_factor=False)
    assert "/tf-validate" in response.headers["Location"]
    assert anon_client.get("/admin/").status_code == 302
    wrong = post_form(anon_client, "/tf-validate", {"code": "000000"})
    assert "This code is not right, or has expired." in wrong.get_data(as_text=True)
    assert anon_client.get("/admin/").status_code == 302
    post_form(anon_client, "/tf-validate", {"code": totp_code(users["admin"])})
    assert anon_client.get("/admin/").status_code == 200


def test_signed_in_user_given_admin_access_must_set_up_mfa_first(app, staff_client, users):
    """A user who gains admin access while signed in is held on the set-up page before any other page."""
    user = fresh_user(users["staff"])
    user_datastore.add_role_to_user(user, "organizer")
    db.session.commit()
    for url in ("/admin/", "/", "/account/"):
        response = staff_client.get(url)
        assert response.status_code == 302 and response.headers["Location"].endswith("/tf-setup"), url
    assert staff_client.get("/tf-setup").status_code == 200


def test_admin_cannot_switch_mfa_off(admin_client, users):
    """The set-up page offers no "disable" to an admin, and a forged disable POST is refused."""
    page = admin_client.get("/tf-setup").get_data(as_text=True)
    assert 'value="disable"' not in page
    response = post_form(admin_client, "/tf-setup", {"setup": "disable"})
    assert "Marked method is not valid" in response.get_data(as_text=True)
    assert fresh_user(users["admin"]).tf_primary_method == "authenticator"


def test_staff_may_turn_mfa_on_and_off(staff_client, users):
    """MFA is optional for staff: they can set it up and switch it off again."""
    set_up_authenticator(staff_client)
    assert fresh_user(users["staff"]).tf_primary_method == "authenticator"
    assert 'value="disable"' in staff_client.get("/tf-setup").get_data(as_text=True)
    post_form(staff_client, "/tf-setup", {"setup": "disable"})
    assert fresh_user(users["staff"]).tf_primary_method is None


def test_codes_by_email(app, anon_client, outbox):
    """A user with email codes gets a code by email at sign-in, and only that code signs in."""
    create_user("mailer@example.org", ("staff",))
    user = fresh_user("mailer@example.org")
    from flask_security.proxies import _security

    user.tf_primary_method = "email"
    user.tf_totp_secret = _security.totp_factory.generate_totp_secret()
    db.session.commit()
    response = login(anon_client, "mailer@example.org", second_factor=False)
    assert "/tf-validate" in response.headers["Location"]
    code = re.search(r"\b(\d{6})\b", outbox[-1].body).group(1)
    assert post_form(anon_client, "/tf-validate", {"code": "999999" if code != "999999" else "111111"}).status_code == 200
    assert anon_client.get("/account/").status_code == 302
    post_form(anon_client, "/tf-validate", {"code": code})
    assert anon_client.get("/account/").status_code == 200


def test_recovery_code_signs_in_once(app, admin_client, users):
    """Recovery codes replace the authenticator once each."""
    page = post_form(admin_client, "/mf-recovery-codes", {}, token_from="/mf-recovery-codes").get_data(as_text=True)
    codes = fresh_user(users["admin"]).mf_recovery_codes
    assert codes and codes[0] in page

    other = app.test_client()
    login(other, users["admin"], second_factor=False)
    response = post_form(other, "/mf-recovery", {"code": codes[0]}, token_from="/mf-recovery")
    assert response.status_code == 302
    assert other.get("/admin/").status_code == 200

    third = app.test_client()
    login(third, users["admin"], second_factor=False)
    post_form(third, "/mf-recovery", {"code": codes[0]}, token_from="/mf-recovery")
    assert third.get("/admin/").status_code == 302


def test_mfa_reset_removes_every_second_factor(app, users):
    """Resetting MFA clears the authenticator and the recovery codes."""
    user = fresh_user(users["admin"])
    user.mf_recovery_codes = ["aaaa-bbbb"]
    db.session.commit()
    before = fresh_user(users["admin"]).fs_uniquifier
    with app.test_request_context():
        reset_mfa(fresh_user(users["admin"]))
        db.session.commit()
    user = fresh_user(users["admin"])
    assert user.tf_primary_method is None and user.tf_totp_secret is None and not user.mf_recovery_codes
    assert user.fs_uniquifier != before, "a reset must end the user's sessions"


@pytest.mark.settings(MFO_REQUIRE_MFA_FOR_ADMIN=False)
def test_requirement_can_be_switched_off(app, anon_client):
    """With the switch off, an admin without MFA signs in with the password alone."""
    create_user("plain-admin@example.org", ("admin",), mfa=False)
    login(anon_client, "plain-admin@example.org")
    assert anon_client.get("/admin/").status_code == 200


def test_account_page_shows_mfa_state(admin_client, staff_client):
    """The security tab says whether MFA is on and links to set-up and recovery codes."""
    admin_page = admin_client.get("/account/security").get_data(as_text=True)
    assert "Two-factor authentication is on: authenticator app." in admin_page
    assert 'href="/mf-recovery-codes"' in admin_page
    staff_page = staff_client.get("/account/security").get_data(as_text=True)
    assert "Two-factor authentication is off." in staff_page and 'href="/tf-setup"' in staff_page



def test_passkeys_are_a_second_factor_only(anon_client):
    """The sign-in page offers no passkey-only sign-in, and passkey sign-in without a password is not there."""
    assert "wan_signin" not in anon_client.get("/login").get_data(as_text=True)
    response = post_form(anon_client, "/wan-signin", {"identity": "admin@example.org"}, token_from="/login")
    assert response.status_code == 404
    assert anon_client.get("/account/").status_code == 302


def test_a_passkey_counts_as_the_required_second_factor(app, users):
    """An admin whose only second factor is a passkey is not sent back to set-up."""
    from flask_security.utils import naive_utcnow

    from mfo.database.models import WebAuthn
    from mfo.security.mfa import has_mfa

    user = fresh_user(users["organizer"])
    user.tf_primary_method = None
    user.tf_totp_secret = None
    db.session.add(
        WebAuthn(
            user_id=user.id,
            credential_id=b"credential-1",
            public_key=b"key",
            sign_count=0,
            backup_state=False,
            device_type="single_device",
            lastuse_datetime=naive_utcnow(),
            name="laptop",
            usage="secondary",
        )
    )
    db.session.commit()
    assert has_mfa(fresh_user(users["organizer"]))
    user = fresh_user(users["organizer"])
    for credential in user.webauthn:
        credential.usage = "first"
    db.session.commit()
    assert not has_mfa(fresh_user(users["organizer"]))
