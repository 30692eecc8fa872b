"""Multi-factor authentication: required for admin access, set up in the account area, never bypassed."""

from __future__ import annotations

import json
import re

import pytest
from passlib.totp import TOTP
from sqlalchemy import select

from mfo.audit.models import AuditEvent
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


# --- each code is accepted once


def code_at(secret: str, step: int) -> str:
    """Return the code an authenticator shows at this 30-second step, for a secret as stored in the database."""
    from flask_security.proxies import _security

    totp = _security.totp_factory._totp.from_source(secret)
    return totp.generate(time=step * totp.period).token


def current_step(secret: str) -> int:
    """Return the authenticator's current 30-second step."""
    from flask_security.proxies import _security

    return _security.totp_factory._totp.from_source(secret).generate().counter


def refused_code_message() -> str:
    """Return the message the code form shows for a code it refuses (Flask-Security's, as configured)."""
    from flask_security.utils import get_message
    from markupsafe import escape

    return str(escape(get_message("TWO_FACTOR_INVALID_TOKEN")[0]))


def page_of(response) -> str:
    """Return the response's body as text."""
    return response.get_data(as_text=True)


def sign_in_with_code(app, email: str, code: str):
    """Sign in with the password, then enter `code` at the second step; return (client, the code step's response)."""
    client = app.test_client()
    response = login(client, email, second_factor=False)
    assert "/tf-validate" in response.headers["Location"]
    return client, post_form(client, "/tf-validate", {"code": code})


def signed_in(client, url: str = "/account/") -> bool:
    """Tell whether the client is signed in (the page answers 200 rather than sending it to sign in)."""
    return client.get(url).status_code == 200


def test_an_authenticator_code_signs_in_once(app, users):
    """The attack: a code seen over a shoulder (or phished) is replayed within its validity. Refused; the next code works."""
    secret = fresh_user(users["admin"]).tf_totp_secret
    step = current_step(secret)
    first, response = sign_in_with_code(app, users["admin"], code_at(secret, step))
    assert response.status_code == 302 and signed_in(first)

    replay, response = sign_in_with_code(app, users["admin"], code_at(secret, step))
    assert response.status_code == 200 and not signed_in(replay)
    _wrong, wrong = sign_in_with_code(app, users["admin"], "000000" if code_at(secret, step + 1) != "000000" else "111111")
    # The generic failure: the same message as a wrong code.
    assert refused_code_message() in page_of(response) and refused_code_message() in page_of(wrong)
    # Counted like any wrong code (the lockout counts both), and recorded as a refused code.
    assert fresh_user(users["admin"]).failed_logins == 2
    reasons = db.session.scalars(select(AuditEvent.details).where(AuditEvent.action == "sign-in-failed")).all()
    assert [json.loads(details)["reason"] for details in reasons] == ["wrong second factor code"] * 2
    # An older code of the validity window is refused too; the next one signs in.
    _older, older = sign_in_with_code(app, users["admin"], code_at(secret, step - 1))
    assert older.status_code == 200
    later, response = sign_in_with_code(app, users["admin"], code_at(secret, step + 1))
    assert response.status_code == 302 and signed_in(later)
    assert fresh_user(users["admin"]).failed_logins == 0


@pytest.mark.settings(MFO_LOCKOUT_THRESHOLD=2)
def test_replayed_codes_lock_the_account_like_wrong_ones(app, users):
    """Replaying a used code over and over locks the account at the threshold, as wrong codes do."""
    secret = fresh_user(users["admin"]).tf_totp_secret
    step = current_step(secret)
    sign_in_with_code(app, users["admin"], code_at(secret, step))
    for _ in range(2):
        sign_in_with_code(app, users["admin"], code_at(secret, step))
    assert fresh_user(users["admin"]).locked_until is not None


def test_the_code_that_confirmed_set_up_does_not_sign_in_again(app, staff_client, users):
    """The code typed to confirm a new authenticator is used: it cannot sign in afterwards; the next one can."""
    assert set_up_authenticator(staff_client).status_code == 302
    user = fresh_user(users["staff"])
    assert user.tf_primary_method == "authenticator" and user.tf_totp_last_step is not None
    step = user.tf_totp_last_step
    _replay, response = sign_in_with_code(app, users["staff"], code_at(user.tf_totp_secret, step))
    assert response.status_code == 200 and refused_code_message() in page_of(response)
    later, response = sign_in_with_code(app, users["staff"], code_at(user.tf_totp_secret, step + 1))
    assert response.status_code == 302 and signed_in(later)


def test_setting_up_a_new_authenticator_right_after_signing_in_works(app, admin_client, users):
    """A code used with the old key does not block the new key's code of the same 30 seconds."""
    old = fresh_user(users["admin"])
    assert old.tf_totp_last_step is not None  # the admin signed in with a code just now
    assert set_up_authenticator(admin_client).status_code == 302
    new = fresh_user(users["admin"])
    assert new.tf_totp_secret != old.tf_totp_secret


def test_an_emailed_code_signs_in_once(app, outbox):
    """A code sent by email works once; the same code in a second sign-in is refused."""
    from flask_security.proxies import _security

    create_user("mailer@example.org", ("staff",))
    user = fresh_user("mailer@example.org")
    user.tf_primary_method = "email"
    user.tf_totp_secret = _security.totp_factory.generate_totp_secret()
    db.session.commit()
    client = app.test_client()
    login(client, "mailer@example.org", second_factor=False)
    code = re.search(r"\b(\d{6})\b", outbox[-1].body).group(1)
    assert post_form(client, "/tf-validate", {"code": code}).status_code == 302 and signed_in(client)
    replay, response = sign_in_with_code(app, "mailer@example.org", code)
    assert response.status_code == 200 and not signed_in(replay)


def test_two_requests_racing_with_one_code_cannot_both_succeed(app, users):
    """Two sign-ins that both read "no code used yet" before either saved: the database lets only one through."""
    from flask_security.proxies import _security
    from sqlalchemy.orm.attributes import set_committed_value

    user = fresh_user(users["admin"])
    code = code_at(user.tf_totp_secret, current_step(user.tf_totp_secret))
    factory = _security.totp_factory
    assert factory.verify_totp(code, user.tf_totp_secret, user, window=120)
    db.session.commit()
    # The second request loaded the user before the first one committed.
    set_committed_value(user, "tf_totp_last_step", None)
    assert not factory.verify_totp(code, user.tf_totp_secret, user, window=120)


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
