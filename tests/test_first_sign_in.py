"""The first sign-in: the one-time password is changed before anything else, the two-factor pages in the site's look."""

from __future__ import annotations

import json
import re

import pytest
from flask_security.utils import verify_password
from sqlalchemy import select

from mfo.audit.models import AuditEvent
from mfo.database import db
from mfo.security.first_sign_in import PASSWORD_CHANGE_ENDPOINTS
from mfo.security.lockout import lock_user
from tests.admin_helpers import fresh_user, page
from tests.conftest import create_user
from tests.helpers import NEW_PASSWORD, PASSWORD, login, post_form, totp_code
from tests.test_mfa import set_up_authenticator


def events(action: str) -> list[AuditEvent]:
    """Return the recorded events of one action, oldest first."""
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def change_password(client, current: str = PASSWORD, new: str = NEW_PASSWORD):
    """Submit the change-password form."""
    return post_form(client, "/change", {"password": current, "new_password": new, "new_password_confirm": new})


def bootstrap(app, *arguments: str) -> tuple[object, str]:
    """Run `flask users bootstrap-admin` with arguments; return the result and the password it printed."""
    result = app.test_cli_runner().invoke(args=["users", "bootstrap-admin", *arguments])
    match = re.search(r"password: (\S+)", result.output)
    return result, match.group(1) if match else ""


def pages_to_check(app) -> list[tuple[str, str]]:
    """Return (endpoint, URL) of every page a GET can open without arguments, but the allowed ones."""
    found = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.arguments or rule.endpoint.endswith("static"):
            continue
        if rule.endpoint in PASSWORD_CHANGE_ENDPOINTS:
            continue
        found.append((rule.endpoint, rule.rule))
    return found


# --- the forced change


def test_a_one_time_password_holds_every_page_until_it_is_changed(app, anon_client):
    """Signed in with a one-time password, every page but the allowed ones sends the user to change it first."""
    create_user("chosen-for-me@example.org", ("organizer",), must_change_password=True)
    login(anon_client, "chosen-for-me@example.org")
    checked = pages_to_check(app)
    assert {"home.index", "account.index", "admin.index", "user.index_view"} <= {endpoint for endpoint, _url in checked}
    for endpoint, url in checked:
        response = anon_client.get(url)
        assert response.status_code == 302 and response.headers["Location"].endswith("/change"), (endpoint, response.status_code)
    html = page(anon_client.get("/change"))
    assert 'id="forced-change"' in html and "one-time password" in html
    stylesheet = anon_client.get("/static/mfo.css")
    stylesheet.close()
    assert stylesheet.status_code == 200
    assert anon_client.get("/tf-setup").status_code == 200  # the two-factor set-up pages stay open


def test_changing_the_password_lifts_the_hold(app, anon_client):
    """Once the user chooses their own password the flag clears and every page opens."""
    create_user("chosen-for-me@example.org", ("staff",), must_change_password=True)
    login(anon_client, "chosen-for-me@example.org")
    response = change_password(anon_client)
    assert response.status_code == 302
    user = fresh_user("chosen-for-me@example.org")
    assert user.must_change_password is False and verify_password(NEW_PASSWORD, user.password)
    assert anon_client.get("/account/").status_code == 200
    assert anon_client.get("/").status_code == 200


def test_signing_out_stays_possible_during_the_hold(app, anon_client):
    """Sign-out is never held back: the user may leave without changing the password."""
    create_user("chosen-for-me@example.org", ("staff",), must_change_password=True)
    login(anon_client, "chosen-for-me@example.org")
    post_form(anon_client, "/logout", token_from="/change")
    assert "/login" in anon_client.get("/account/").headers["Location"]
    assert fresh_user("chosen-for-me@example.org").must_change_password is True


def test_a_reset_through_the_emailed_link_lifts_the_hold_too(app, anon_client, outbox):
    """A password chosen through "forgot password" is the user's own as well."""
    create_user("chosen-for-me@example.org", ("staff",), must_change_password=True)
    post_form(anon_client, "/reset", {"email": "chosen-for-me@example.org"})
    link = next(url for url in re.findall(r"https?://\S+", outbox[-1].body) if "/reset/" in url)
    post_form(anon_client, link, {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}, token_from="/reset")
    assert fresh_user("chosen-for-me@example.org").must_change_password is False


def test_the_password_change_is_not_a_sign_in(app, anon_client):
    """Flask-Security signs the user in again after a change: neither the trail nor the sign-in times count it."""
    create_user("chosen-for-me@example.org", ("staff",), must_change_password=True)
    login(anon_client, "chosen-for-me@example.org")
    before = fresh_user("chosen-for-me@example.org")
    signed_in_at, count = before.current_login_at, before.login_count
    change_password(anon_client)
    after = fresh_user("chosen-for-me@example.org")
    assert len(events("sign-in")) == 1 and len(events("password-changed")) == 1
    assert (after.current_login_at, after.login_count) == (signed_in_at, count)


# --- bootstrap-admin


def test_bootstrap_admin_forces_a_change_at_the_first_sign_in(app, anon_client):
    """The printed password is a one-time one: the new admin sets up a second factor, then must change it."""
    result, password = bootstrap(app, "--email", "first@example.org")
    assert result.exit_code == 0 and "one-time password" in result.output
    assert fresh_user("first@example.org").must_change_password is True
    login(anon_client, "first@example.org", password)
    set_up_authenticator(anon_client)
    assert anon_client.get("/admin/").headers["Location"].endswith("/change")
    change_password(anon_client, password, NEW_PASSWORD)
    assert anon_client.get("/admin/").status_code == 200


def test_bootstrap_admin_reset_gives_a_lost_admin_a_new_one_time_password(app, users):
    """--reset: a new one-time password, the old one and every session gone, the lock lifted, recorded."""
    admin = app.test_client()
    login(admin, users["admin"])
    user = fresh_user(users["admin"])
    lock_user(user)
    db.session.commit()

    result, password = bootstrap(app, "--reset", "--email", users["admin"].upper())
    assert result.exit_code == 0, result.output
    user = fresh_user(users["admin"])
    assert verify_password(password, user.password) and not verify_password(PASSWORD, user.password)
    assert user.must_change_password is True and user.locked_until is None
    assert admin.get("/account/").status_code == 302  # the session opened before is over
    [reset] = events("admin-password-reset")
    assert reset.actor == "cli" and users["admin"] in reset.target and "os_user" in json.loads(reset.details)

    again = app.test_client()
    login(again, users["admin"], password)
    assert again.get("/account/").headers["Location"].endswith("/change")


@pytest.mark.parametrize("who", ["staff@example.org", "nobody@example.org"])
def test_bootstrap_admin_reset_is_for_admins_only(app, users, who):
    """--reset refuses anyone who is not an admin, and changes nothing."""
    result, _password = bootstrap(app, "--reset", "--email", who)
    assert result.exit_code != 0 and "is not an admin" in result.output
    assert not events("admin-password-reset")
    if who in users.values():
        assert verify_password(PASSWORD, fresh_user(who).password)


def test_bootstrap_admin_without_reset_leaves_an_existing_admin_alone(app, users):
    """Run again without --reset, it creates nobody and points to --reset."""
    result, password = bootstrap(app)
    assert password == "" and "--reset" in result.output
    assert verify_password(PASSWORD, fresh_user(users["admin"]).password)


# --- users create --confirmed


def test_users_create_confirmed_can_sign_in_at_once(app, anon_client):
    """--confirmed marks the address confirmed, so the user signs in without the confirmation email; it is recorded."""
    result = app.test_cli_runner().invoke(
        args=["users", "create", "singer@example.org", "--password", PASSWORD, "--active", "--confirmed"]
    )
    assert result.exit_code == 0, result.output
    assert fresh_user("singer@example.org").confirmed_at is not None
    login(anon_client, "singer@example.org")
    assert anon_client.get("/account/").status_code == 200
    command = events("cli-command")[-1]
    details = json.loads(command.details)
    assert details["command"] == "users create" and details["arguments"]["confirmed"] is True
    assert details["arguments"]["password"] == "[redacted]" and "singer@example.org" in command.target


def test_users_create_without_confirmed_still_asks_for_the_confirmation(app, anon_client):
    """Without --confirmed nothing changes: the address must be confirmed before signing in."""
    result = app.test_cli_runner().invoke(args=["users", "create", "singer@example.org", "--password", PASSWORD, "--active"])
    assert result.exit_code == 0, result.output
    assert fresh_user("singer@example.org").confirmed_at is None
    login(anon_client, "singer@example.org")
    assert anon_client.get("/account/").status_code == 302


# --- the two-factor pages


def test_recovery_codes_are_offered_right_after_the_set_up(app, anon_client):
    """Setting up a second factor at sign-in leads to the recovery codes page, which offers to make them."""
    create_user("new-admin@example.org", ("admin",), mfa=False)
    login(anon_client, "new-admin@example.org")
    response = set_up_authenticator(anon_client)
    assert response.headers["Location"].endswith("/mf-recovery-codes")
    html = page(anon_client.get("/mf-recovery-codes"))
    assert "Two-factor authentication is set up" in html and 'id="no-recovery-codes"' in html
    assert 'name="generate_new_codes"' in html and 'name="show_codes"' not in html


def test_recovery_codes_are_offered_after_a_change_too_unless_there_are_some(app, staff_client, users):
    """A signed-in user turning two-factor on is sent to the codes; one who has codes is not."""
    assert set_up_authenticator(staff_client).headers["Location"].endswith("/mf-recovery-codes")
    post_form(staff_client, "/mf-recovery-codes", {}, token_from="/mf-recovery-codes")
    assert fresh_user(users["staff"]).mf_recovery_codes
    assert not set_up_authenticator(staff_client).headers["Location"].endswith("/mf-recovery-codes")


def test_the_recovery_codes_page_draws_buttons_as_buttons(app, admin_client, users):
    """No code yet: no "Show" button and nothing red; with codes: a secondary button; shown codes in a list."""
    html = page(admin_client.get("/mf-recovery-codes?show_codes=Show"))
    assert "is-invalid" not in html and "form-control" not in html and 'name="show_codes"' not in html
    shown = page(post_form(admin_client, "/mf-recovery-codes", {}, token_from="/mf-recovery-codes"))
    codes = fresh_user(users["admin"]).mf_recovery_codes
    assert all(f"<code>{code}</code>" in shown for code in codes)
    html = page(admin_client.get("/mf-recovery-codes"))
    assert re.search(r'<input class="btn btn-outline-secondary" id="show_codes" name="show_codes" type="submit"', html)


def test_the_code_page_keeps_its_help_inside_a_form_in_the_sites_look(app, anon_client, users):
    """/tf-validate and /tf-rescue: the options are radio buttons in a fieldset of the rescue form, no list, no text box."""
    login(anon_client, users["admin"], second_factor=False)
    validate = page(anon_client.get("/tf-validate"))
    rescue = page(post_form(anon_client, "/tf-rescue", {"help_setup": "email"}, token_from="/tf-validate"))
    for html in (validate, rescue):
        rescue = re.search(r'<form[^>]*name="two_factor_rescue_form".*?</form>', html, re.S).group(0)
        assert "<fieldset" in rescue and 'class="form-check-input"' in rescue
        assert "<ul" not in rescue and "form-control" not in rescue
        assert "Cannot enter a code?" in html and "generated via" not in html


def test_the_set_up_page_says_why_a_second_factor_is_required(app, anon_client, staff_client):
    """An admin is told their role requires it; someone it is optional for is told what it is for."""
    create_user("new-admin@example.org", ("admin",), mfa=False)
    login(anon_client, "new-admin@example.org")
    html = page(anon_client.get("/tf-setup"))
    assert "Your role “admin” opens the admin area, so your account needs a second factor" in html
    assert "Currently setup" not in html
    html = page(staff_client.get("/tf-setup"))
    assert 'id="mfa-required-reason"' not in html and "A second factor protects your account" in html


def test_the_top_bar_shows_a_half_done_sign_in_which_cancel_ends(app, anon_client, users):
    """Between the password and the code the bar says whose sign-in is being finished, with a Cancel button."""
    login(anon_client, users["admin"], second_factor=False)
    html = page(anon_client.get("/tf-validate"))
    assert f"Finishing sign-in for {users['admin']}" in html and 'id="cancel-sign-in-form"' in html
    assert 'href="/register"' not in html and 'href="/login"' not in html
    post_form(anon_client, "/logout", token_from="/tf-validate")
    html = page(anon_client.get("/"))
    assert "Finishing sign-in" not in html and 'href="/login"' in html
    response = post_form(anon_client, "/tf-validate", {"code": totp_code(users["admin"])}, token_from="/login")
    assert anon_client.get("/account/").status_code == 302, response.status_code  # the half-done sign-in is gone


def test_the_code_email_reads_plainly(app, anon_client, outbox):
    """The code sent by email says what it is for ("sign in"), not Flask-Security's "Two-Factor Login"."""
    from flask_security.proxies import _security

    create_user("mailer@example.org", ("staff",), tf_primary_method="email", tf_totp_secret=_security.totp_factory.generate_totp_secret())
    login(anon_client, "mailer@example.org", second_factor=False)
    [message] = outbox
    assert message.subject == "Your mfo sign-in code"
    assert re.search(r"Your code to sign in to mfo: \d{6}", message.body) and "log into" not in message.body


def test_asking_an_administrator_for_help_tells_them_what_to_do(app, anon_client, users, outbox):
    """"Ask an administrator" emails the site's address with the user and the way to reset their second factor."""
    login(anon_client, users["admin"], second_factor=False)
    post_form(anon_client, "/tf-rescue", {"help_setup": "help"}, token_from="/tf-validate")
    [message] = outbox
    assert message.to == [app.config["SECURITY_TWO_FACTOR_RESCUE_MAIL"]]
    assert message.subject == "A user cannot use their second factor"
    assert f"{users['admin']} cannot use their second factor" in message.body and "Reset two-factor" in message.body


def test_choosing_between_two_second_factors_in_the_sites_words(app, anon_client, users):
    """With a passkey and an authenticator app, sign-in asks which one, as radio buttons in a fieldset."""
    from flask_security.utils import naive_utcnow

    from mfo.database.models import WebAuthn

    user = fresh_user(users["organizer"])
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
    response = login(anon_client, users["organizer"], second_factor=False)
    assert "/tf-select" in response.headers["Location"]
    html = page(anon_client.get(response.headers["Location"]))
    assert "How do you want to confirm it is you?" in html and "<fieldset" in html
    assert "With a passkey" in html and "With a code from my authenticator app" in html
