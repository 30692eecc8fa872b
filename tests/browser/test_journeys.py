"""What a person does in a browser: register, confirm, sign in, account, language, MFA, admin, sign out."""

from __future__ import annotations

import re

from passlib.totp import TOTP

from tests.browser.conftest import screenshot
from tests.conftest import create_user
from tests.helpers import PASSWORD


def sign_in(page, email: str, password: str = PASSWORD) -> None:
    """Fill in the sign-in form."""
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("#submit")


def sign_in_with_code(page, email: str) -> None:
    """Sign in with the password, then the authenticator code (users with admin access have one)."""
    from tests.helpers import totp_code

    sign_in(page, email)
    page.wait_for_url("**/tf-validate**")
    page.fill("#code", totp_code(email))
    page.click("form[name=two_factor_verify_code_form] [type=submit]")
    page.wait_for_selector("#nav-user")


def test_register_confirm_sign_in_account_language_sign_out(page, live_server):
    """A visitor registers, confirms through the emailed link, signs in, edits the profile in French, signs out."""
    page.goto("/")
    screenshot(page, "home")
    page.click("text=Register")
    page.fill("#email", "violinist@example.org")
    page.fill("#password", PASSWORD)
    page.fill("#password_confirm", PASSWORD)
    screenshot(page, "register")
    page.click("#submit")
    page.wait_for_load_state()
    assert live_server.outbox, "no confirmation email was sent"
    link = re.search(r"http://\S+/confirm/\S+", live_server.outbox[-1].body).group(0)

    page.goto(link)
    if "Sign out" not in page.content():
        sign_in(page, "violinist@example.org")
    assert page.locator("#nav-user").inner_text() == "violinist@example.org"
    screenshot(page, "dashboard")

    page.click("#site-nav >> text=Account")
    page.fill("#name", "Clara Violinist")
    page.select_option("#locale", "fr")
    page.click("#submit")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.locator("#name").input_value() == "Clara Violinist"
    screenshot(page, "account")

    page.click("#sign-out-form button")
    page.wait_for_load_state()
    assert page.locator("#nav-user").count() == 0
    page.goto("/account/")
    assert "/login" in page.url


def test_language_switcher_in_the_footer(page, live_server):
    """The footer's language buttons switch the whole page, the sign-in page included."""
    page.goto("/login")
    page.click("#language-form button[value=fr]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "fr"
    assert "/login" in page.url


def test_admin_sets_up_mfa_with_an_authenticator_app(page, live_server, app):
    """An admin without MFA is taken to set-up at sign-in; the key shown on the page gives working codes."""
    create_user("first-admin@example.org", ("admin",), mfa=False)
    sign_in(page, "first-admin@example.org")
    assert page.url.endswith("/tf-setup")
    page.check("input[value=authenticator]")
    page.click("#submit")
    page.wait_for_load_state()
    screenshot(page, "mfa-setup")
    key = page.locator("#authr-key").inner_text().replace("-", "")
    page.fill("#code", TOTP(key=key, format="base32").generate().token)
    page.click("form[name=two_factor_verify_code_form] [type=submit]")
    page.wait_for_load_state()
    assert page.url.endswith("/mf-recovery-codes")  # recovery codes are offered at once
    page.goto("/admin/")
    assert page.url.endswith("/admin/")
    screenshot(page, "admin-dashboard")


def test_passkey_as_second_factor(page, live_server, app):
    """A user registers a passkey (Chromium's virtual authenticator), then signs in with password + passkey."""
    cdp = page.context.new_cdp_session(page.main_frame)  # the page itself is wrapped by the accessibility checks
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    create_user("keyholder@example.org", ("staff",))
    sign_in(page, "keyholder@example.org")
    page.goto("/wan-register")
    page.fill("#name", "laptop")
    page.click("#wan_register")
    # The page asks the authenticator, then posts its answer by itself and lists the new passkey.
    page.wait_for_selector('text=Nickname: "laptop"', timeout=15000)
    screenshot(page, "passkey")

    page.click("#sign-out-form button")
    page.wait_for_load_state()
    sign_in(page, "keyholder@example.org")
    page.wait_for_url("**/wan-signin**")
    assert page.locator("#nav-user").count() == 0  # the password alone did not sign in
    page.click("#wan_signin")  # the virtual authenticator answers the browser's prompt by itself
    page.wait_for_selector("#nav-user", timeout=15000)
    assert page.locator("#nav-user").inner_text() == "keyholder@example.org"


def test_an_invitation_is_accepted_end_to_end(page, live_server, app):
    """An admin invites a staff user, who shows as invited; the emailed link opens "Set your password", the new
    password signs in, the invited mark goes, and the admin area stays closed to staff."""
    create_user("chair@example.org", ("admin",))
    sign_in_with_code(page, "chair@example.org")

    page.goto("/admin/user/new/")
    page.fill("#email", "cellist@example.org")
    page.fill("#name", "Pablo Cellist")
    page.click("#s2id_role_names input")  # the roles multi-select (select2): type, then pick the match
    page.keyboard.type("staff")
    page.keyboard.press("Enter")
    assert page.is_checked("#invite")  # inviting is the default: the new user chooses their password
    screenshot(page, "admin-new-user")
    page.click("input[type=submit][value=Save]")
    page.wait_for_url("**/admin/user/")
    row = page.locator("tr", has_text="cellist@example.org")
    assert row.locator(".badge", has_text="invited").count() == 1
    screenshot(page, "admin-users")
    page.click("#sign-out-form button")
    page.wait_for_load_state()

    invitation = next(m for m in reversed(live_server.outbox) if m.to == ["cellist@example.org"])
    assert invitation.subject == "You are invited to mfo, the Music Festival Organizer"
    page.goto(re.search(r"http://\S+/account/invitation/\S+", invitation.body).group(0))
    assert page.locator("h1").inner_text() == "Set your password"
    screenshot(page, "invitation")
    page.fill("#password", PASSWORD)
    page.fill("#password_confirm", PASSWORD)
    page.click("#submit")
    page.wait_for_url("**/login")
    assert "Your password is set" in page.content()
    sign_in(page, "cellist@example.org")
    page.wait_for_selector("#nav-user")
    assert page.locator("#nav-user").inner_text() == "cellist@example.org"
    assert page.locator("#site-nav >> text=Admin").count() == 0
    response = page.goto("/admin/")
    assert response.status == 403
    assert "You do not have permission to open this page." in page.content()
    page.console_errors[:] = [e for e in page.console_errors if "403" not in e]  # the refusal itself
    page.click("#sign-out-form button")
    page.wait_for_load_state()
    assert page.locator("#nav-user").count() == 0

    sign_in_with_code(page, "chair@example.org")
    page.goto("/admin/user/")
    assert page.locator("tr", has_text="cellist@example.org").locator(".badge").count() == 0


def test_the_first_admin_changes_the_one_time_password_at_the_first_sign_in(page, live_server):
    """`users bootstrap-admin` prints a one-time password: the first sign-in sets up a second factor (the top bar
    shows the half-done sign-in), offers recovery codes, then holds every page until the password is changed."""
    result = live_server.app.test_cli_runner().invoke(args=["users", "bootstrap-admin", "--email", "founder@example.org"])
    assert result.exit_code == 0, result.output
    one_time = re.search(r"password: (\S+)", result.output).group(1)

    sign_in(page, "founder@example.org", one_time)
    page.wait_for_url("**/tf-setup")
    assert page.locator("#nav-pending-sign-in").inner_text() == "Finishing sign-in for founder@example.org"
    assert page.locator("#site-nav >> text=Register").count() == 0
    assert "opens the admin area" in page.locator("#mfa-required-reason").inner_text()
    page.check("input[value=authenticator]")
    page.click("#submit")
    page.wait_for_load_state()
    key = page.locator("#authr-key").inner_text().replace("-", "")
    page.fill("#code", TOTP(key=key, format="base32").generate().token)
    page.click("form[name=two_factor_verify_code_form] [type=submit]")
    page.wait_for_url("**/mf-recovery-codes")
    screenshot(page, "recovery-codes-offered")
    page.click("#generate_new_codes")
    page.wait_for_load_state()
    assert page.locator("#recovery-codes li").count() > 0
    screenshot(page, "recovery-codes")
    page.click("#recovery-codes-done")
    page.wait_for_url("**/change")
    assert page.locator("#forced-change").count() == 1
    page.goto("/admin/")
    assert page.url.endswith("/change")  # held until the password is changed
    screenshot(page, "forced-password-change")
    page.fill("#password", one_time)
    page.fill("#new_password", PASSWORD)
    page.fill("#new_password_confirm", PASSWORD)
    page.click("#submit")
    page.wait_for_load_state()
    page.goto("/admin/")
    assert page.url.endswith("/admin/")


def test_the_two_factor_pages_at_sign_in(page, live_server, app):
    """The code page and its "cannot enter a code?" options, in the site's look; a code by email signs in."""
    create_user("bassoon@example.org", ("admin",))
    sign_in(page, "bassoon@example.org")
    page.wait_for_url("**/tf-validate**")
    assert page.locator("#nav-pending-sign-in").count() == 1
    rescue = page.locator("form[name=two_factor_rescue_form]")
    assert rescue.locator("fieldset input[type=radio]").count() >= 2
    screenshot(page, "tf-validate")
    page.check("input[name=help_setup][value=email]")
    page.click("form[name=two_factor_rescue_form] [type=submit]")
    page.wait_for_url("**/tf-rescue**")
    assert page.locator("#rescue-done").count() == 1
    screenshot(page, "tf-rescue")
    message = next(m for m in reversed(live_server.outbox) if m.to == ["bassoon@example.org"])
    page.fill("#code", re.search(r"\b(\d{6})\b", message.body).group(1))
    page.click("form[name=two_factor_verify_code_form] [type=submit]")
    page.wait_for_selector("#nav-user")
    assert page.locator("#nav-user").inner_text() == "bassoon@example.org"


def test_admin_pages_run_under_the_csp_and_confirmations_still_work(page, live_server, app):
    """The admin's list, details, create and role forms show no CSP error; delete and bulk actions still ask first."""
    create_user("warden@example.org", ("admin",))
    create_user("leaving@example.org", ("staff",))
    create_user("resting@example.org", ("staff",))
    sign_in_with_code(page, "warden@example.org")

    # Every admin page type, in a real browser: a blocked script or handler shows as a console error.
    page.goto("/admin/user/")
    row = page.locator("tr", has_text="leaving@example.org")
    page.goto(row.locator("a[href*='/details/']").get_attribute("href"))
    assert "leaving@example.org" in page.content()
    page.goto("/admin/user/new/")
    assert page.locator("#email").count() == 1
    page.goto("/admin/role/")
    page.locator("tr", has_text="staff").locator("a[href*='/edit/']").first.click()
    page.wait_for_load_state()
    assert "/admin/role/edit/" in page.url

    # Delete asks first (inline-handlers.js rebinds Flask-Admin's onclick): dismissing keeps the user.
    page.goto("/admin/user/")
    delete = page.locator("tr", has_text="leaving@example.org").locator("form[action*='/delete/'] button")
    page.once("dialog", lambda dialog: dialog.dismiss())
    delete.click()
    page.wait_for_timeout(300)
    assert page.url.endswith("/admin/user/")
    assert page.locator("tr", has_text="leaving@example.org").count() == 1
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        delete.click()
    assert page.locator("tr", has_text="leaving@example.org").count() == 0

    # A bulk action from the "With selected" menu asks for confirmation, then runs.
    messages = []
    page.once("dialog", lambda dialog: (messages.append(dialog.message), dialog.accept()))
    page.locator("tr", has_text="resting@example.org").locator("input.action-checkbox").check()
    page.click("text=With selected")
    with page.expect_navigation():
        page.click(".dropdown-menu >> text=Deactivate")
    assert messages and "Deactivate the selected users?" in messages[0]
    from mfo.database import db
    from mfo.database.models import user_datastore

    db.session.expire_all()
    assert user_datastore.find_user(email="resting@example.org").active is False
    screenshot(page, "admin-bulk-action")

    # The audit trail recorded the delete and the bulk action, and shows them in words, in the same look.
    page.goto("/admin/audit/")
    assert page.locator("td", has_text="User deleted").count() == 1
    assert page.locator("td", has_text="User deactivated").count() == 1
    screenshot(page, "audit-trail")
    page.goto("/account/security")
    assert page.locator("#recent-sign-ins td", has_text="Signed in").count() >= 1
    screenshot(page, "account-security")
