"""Account lockout: five failed sign-ins in a row lock the account for a while, without telling anyone it is locked."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from flask_security.utils import naive_utcnow

import mfo.security.lockout as lockout
from mfo.database import db
from mfo.database.models import User, user_datastore
from tests.helpers import NEW_PASSWORD, PASSWORD, csrf_token, links_in, login, post_form, totp_code

WRONG = "not-the-password"
GENERIC_SIGN_IN_ERROR = "The email address or password is incorrect."


def fresh_user(email: str) -> User:
    """Return the user read fresh from the database."""
    db.session.expire_all()
    return user_datastore.find_user(email=email)


def signed_in(client) -> bool:
    """Tell whether the client is signed in (the account page answers instead of sending it to sign in)."""
    return client.get("/account/").status_code == 200


def fail(client, email: str, times: int) -> None:
    """Try to sign in `times` times with a wrong password."""
    for _ in range(times):
        assert login(client, email, WRONG).status_code == 200


def page_text(response, email: str) -> str:
    """Return the page without what differs on every page (CSRF tokens, CSP nonces) or per address."""
    return re.sub(r'(value|nonce)="[^"]*"', "", response.get_data(as_text=True)).replace(email, "EMAIL")


def header_names(response) -> set[str]:
    """Return the names of the response's headers, except the session cookie's."""
    return {name for name, _value in response.headers if name != "Set-Cookie"}


@pytest.fixture
def clock(monkeypatch):
    """Return a controllable clock for the lockout: clock.move(minutes=...) jumps forward."""

    class Clock:
        """A fixed time that tests move forward by hand."""

        def __init__(self) -> None:
            self.time = naive_utcnow()

        def move(self, **delta) -> None:
            """Jump forward by a timedelta's arguments."""
            self.time += timedelta(**delta)

        def __call__(self) -> datetime:
            """Return the current (fixed) time."""
            return self.time

    moving = Clock()
    monkeypatch.setattr(lockout, "now", moving)
    return moving


# --- locking


def test_sixth_attempt_with_the_right_password_is_refused(anon_client, users, clock):
    """After five wrong passwords the right one does not sign in: the account is locked."""
    fail(anon_client, users["staff"], 5)
    assert fresh_user(users["staff"]).locked_until == clock.time + timedelta(minutes=15)
    fail(anon_client, users["staff"], 1)
    login(anon_client, users["staff"])
    assert not signed_in(anon_client)


def test_four_wrong_passwords_do_not_lock(anon_client, users, clock):
    """The lock starts at the threshold, not before it."""
    fail(anon_client, users["staff"], 4)
    assert fresh_user(users["staff"]).locked_until is None
    login(anon_client, users["staff"])
    assert signed_in(anon_client)


def test_locked_answer_looks_like_a_wrong_password_and_an_unknown_email(app, anon_client, users, clock):
    """A locked account's refusal is the same page, word for word, as a wrong password or an unknown email."""
    wrong = login(app.test_client(), users["organizer"], WRONG)
    unknown = login(app.test_client(), "nobody@example.org", WRONG)
    fail(anon_client, users["staff"], 5)
    locked = login(anon_client, users["staff"])
    assert locked.status_code == wrong.status_code == unknown.status_code == 200
    assert GENERIC_SIGN_IN_ERROR in locked.get_data(as_text=True)
    assert page_text(locked, users["staff"]) == page_text(wrong, users["organizer"])
    assert page_text(locked, users["staff"]) == page_text(unknown, "nobody@example.org")
    # Same headers too (the session cookie aside: a new client gets one on its first request).
    assert header_names(locked) == header_names(wrong) == header_names(unknown)


def test_locked_json_answer_looks_like_a_wrong_password(app, anon_client, users, clock):
    """Through the JSON API too, a locked account answers exactly like a wrong password."""
    def json_sign_in(client, email, password):
        """Sign in through the JSON API."""
        token = csrf_token(client, "/login")
        return client.post("/login", json={"email": email, "password": password}, headers={"X-CSRFToken": token})

    wrong = json_sign_in(app.test_client(), users["organizer"], WRONG)
    fail(anon_client, users["staff"], 5)
    locked = json_sign_in(anon_client, users["staff"], PASSWORD)
    assert locked.status_code == wrong.status_code == 400
    assert locked.get_json() == wrong.get_json()


def test_the_lock_ends_after_the_cool_off(anon_client, users, clock):
    """Fifteen minutes after the lock the right password works again; a minute before, it does not."""
    fail(anon_client, users["staff"], 5)
    clock.move(minutes=14)
    login(anon_client, users["staff"])
    assert not signed_in(anon_client)
    clock.move(minutes=1, seconds=1)
    login(anon_client, users["staff"])
    assert signed_in(anon_client)
    user = fresh_user(users["staff"])
    assert user.failed_logins == 0 and user.locked_until is None


@pytest.mark.settings(MFO_LOCKOUT_THRESHOLD=3, MFO_LOCKOUT_MINUTES=60)
def test_threshold_and_cool_off_come_from_the_settings(anon_client, users, clock):
    """MFO_LOCKOUT_THRESHOLD and MFO_LOCKOUT_MINUTES decide when and for how long."""
    fail(anon_client, users["staff"], 3)
    clock.move(minutes=59)
    login(anon_client, users["staff"])
    assert not signed_in(anon_client)
    clock.move(minutes=2)
    login(anon_client, users["staff"])
    assert signed_in(anon_client)


def test_a_sign_in_resets_the_count(anon_client, users, clock):
    """Failures must be consecutive: four, a success, four more do not lock."""
    fail(anon_client, users["staff"], 4)
    login(anon_client, users["staff"])
    assert signed_in(anon_client)
    assert fresh_user(users["staff"]).failed_logins == 0
    post_form(anon_client, "/logout", token_from="/")
    fail(anon_client, users["staff"], 4)
    login(anon_client, users["staff"])
    assert signed_in(anon_client)


def test_failures_while_locked_do_not_extend_the_lock(anon_client, users, clock):
    """Hammering a locked account neither moves its end nor piles up failures for afterwards."""
    fail(anon_client, users["staff"], 5)
    until = fresh_user(users["staff"]).locked_until
    clock.move(minutes=10)
    fail(anon_client, users["staff"], 10)
    user = fresh_user(users["staff"])
    assert user.locked_until == until and user.failed_logins == 0
    clock.move(minutes=5, seconds=1)
    login(anon_client, users["staff"])
    assert signed_in(anon_client)


def test_one_wrong_password_after_the_lock_ends_does_not_lock_again(anon_client, users, clock):
    """After a lock the count starts from zero: a single typo does not lock the account again."""
    fail(anon_client, users["staff"], 5)
    clock.move(minutes=16)
    fail(anon_client, users["staff"], 1)
    login(anon_client, users["staff"])
    assert signed_in(anon_client)


def test_lock_belongs_to_the_account_not_the_visitor(app, anon_client, users, clock):
    """A lock holds from every browser, and other accounts are not touched by it."""
    fail(anon_client, users["staff"], 5)
    elsewhere = app.test_client()
    login(elsewhere, users["staff"])
    assert not signed_in(elsewhere)
    login(elsewhere, users["organizer"])
    assert signed_in(elsewhere)


def test_signed_in_sessions_are_not_ended_by_a_lock(app, staff_client, users, clock):
    """Someone guessing the password elsewhere does not throw the real user out of an open session."""
    fail(app.test_client(), users["staff"], 5)
    assert signed_in(staff_client)


# --- second factor


def test_wrong_second_factor_codes_count(anon_client, users, clock):
    """Wrong authenticator codes after the right password count as failures and lock the account."""
    response = login(anon_client, users["admin"], second_factor=False)
    assert "/tf-validate" in response.headers["Location"]
    for _ in range(5):
        post_form(anon_client, "/tf-validate", {"code": "000000"})
    assert lockout.is_locked(fresh_user(users["admin"]))
    # The half-done sign-in is dropped: the right code no longer signs in.
    post_form(anon_client, "/tf-validate", {"code": totp_code(users["admin"])}, token_from="/")
    assert not signed_in(anon_client)
    # Starting again at the password is refused while the lock lasts.
    login(anon_client, users["admin"])
    assert not signed_in(anon_client)


def test_half_done_two_factor_sign_in_is_dropped_when_the_account_locks(app, anon_client, users, clock):
    """A visitor waiting at the code step cannot finish once the account is locked from elsewhere."""
    response = login(anon_client, users["admin"], second_factor=False)
    assert "/tf-validate" in response.headers["Location"]
    fail(app.test_client(), users["admin"], 5)
    post_form(anon_client, "/tf-validate", {"code": totp_code(users["admin"])}, token_from="/")
    assert not signed_in(anon_client)


def test_a_completed_two_factor_sign_in_resets_the_count(anon_client, users, clock):
    """Password plus the right code is a success: earlier wrong codes are forgotten."""
    login(anon_client, users["admin"], second_factor=False)
    for _ in range(4):
        post_form(anon_client, "/tf-validate", {"code": "000000"})
    post_form(anon_client, "/tf-validate", {"code": totp_code(users["admin"])})
    assert signed_in(anon_client)
    assert fresh_user(users["admin"]).failed_logins == 0


# --- getting back in


def test_reset_password_link_unlocks_the_account(anon_client, users, outbox, clock):
    """Forgot-password works while locked (the email proves ownership); setting a new password ends the lock."""
    fail(anon_client, users["staff"], 5)
    response = post_form(anon_client, "/reset", {"email": users["staff"]})
    assert response.status_code in (200, 302)
    mails = [m for m in outbox if m.to == [users["staff"]]]
    assert mails, "no reset email was sent to the locked account"
    link = next(url for url in links_in(mails[-1]) if "/reset/" in url)
    post_form(anon_client, link, {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}, token_from="/reset")
    user = fresh_user(users["staff"])
    assert user.locked_until is None and user.failed_logins == 0
    login(anon_client, users["staff"], NEW_PASSWORD)
    assert signed_in(anon_client)


def test_asking_for_a_reset_does_not_unlock(anon_client, users, outbox, clock):
    """Only using the emailed link ends a lock: asking for it is something anyone can do."""
    fail(anon_client, users["staff"], 5)
    post_form(anon_client, "/reset", {"email": users["staff"]})
    assert lockout.is_locked(fresh_user(users["staff"]))
    login(anon_client, users["staff"])
    assert not signed_in(anon_client)


def test_admin_unlock_lifts_the_lock(app, anon_client, users, clock):
    """unlock_user (behind the admin's "unlock" action) lets the user straight back in."""
    fail(anon_client, users["staff"], 5)
    lockout.unlock_user(fresh_user(users["staff"]))
    db.session.commit()
    login(anon_client, users["staff"])
    assert signed_in(anon_client)


@pytest.mark.settings(MFO_LOCKOUT_THRESHOLD=0)
def test_threshold_zero_switches_lockout_off(anon_client, users, clock):
    """With the threshold at 0 no number of failures locks, and none are counted."""
    fail(anon_client, users["staff"], 12)
    user = fresh_user(users["staff"])
    assert user.locked_until is None and user.failed_logins == 0
    login(anon_client, users["staff"])
    assert signed_in(anon_client)


# --- telling the owner


def lock_emails(outbox, email: str) -> list:
    """Return the lock notices sent to an address."""
    return [message for message in outbox if message.to == [email] and "locked" in message.subject]


def test_the_owner_is_told_once_per_lock_until_when_with_a_reset_link(anon_client, users, outbox, clock):
    """The failure that locks emails the owner (the page still answers as for a wrong password); the
    failures during the lock send nothing more; the link in the email chooses a new password and unlocks."""
    fail(anon_client, users["staff"], 4)
    assert lock_emails(outbox, users["staff"]) == []
    fail(anon_client, users["staff"], 1)
    fail(anon_client, users["staff"], 6)  # hammering the locked account
    [notice] = lock_emails(outbox, users["staff"])
    until = clock.time + timedelta(minutes=15)
    assert notice.subject == "Your mfo account is locked for a while"
    assert "After 5 failed sign-in attempts in a row" in notice.body and users["staff"] in notice.body
    assert until.strftime("%b %-d, %Y, %-I:%M:%S") in notice.body and "(UTC)" in notice.body
    link = next(url for url in links_in(notice) if "/reset/" in url)
    post_form(anon_client, link, {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}, token_from="/reset")
    assert not lockout.is_locked(fresh_user(users["staff"]))


def test_a_new_lock_after_the_first_ends_is_told_again(anon_client, users, outbox, clock):
    """One email per lock: a second lock, after the first one ended, sends a second email."""
    fail(anon_client, users["staff"], 5)
    clock.move(minutes=16)
    fail(anon_client, users["staff"], 5)
    assert len(lock_emails(outbox, users["staff"])) == 2


def test_the_lock_notice_comes_in_the_owners_language(anon_client, users, outbox, clock):
    """An owner whose profile says French gets the notice in French, whatever the attacker's browser says."""
    user = fresh_user(users["staff"])
    user.locale = "fr"
    db.session.commit()
    anon_client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    fail(anon_client, users["staff"], 5)
    [notice] = [m for m in outbox if m.to == [users["staff"]]]
    assert notice.subject == "Votre compte mfo est verrouillé pour un moment"
    assert "Après 5 tentatives de connexion échouées de suite" in notice.body


def test_a_failure_that_reaches_the_threshold_after_another_does_not_lock_again(anon_client, users, outbox, clock):
    """Two requests may both count the failure that reaches the threshold: the lock is set in one conditional
    UPDATE, so the second finds it in place and neither records nor emails a second time."""
    fail(anon_client, users["staff"], 5)
    until = fresh_user(users["staff"]).locked_until
    clock.move(minutes=1)
    assert lockout._lock_once(fresh_user(users["staff"])) is False  # the request that came second
    assert fresh_user(users["staff"]).locked_until == until
    from sqlalchemy import func, select

    from mfo.audit.models import AuditEvent

    locks = db.session.scalar(select(func.count()).where(AuditEvent.action == "account-locked"))
    assert locks == 1 and len(lock_emails(outbox, users["staff"])) == 1


def test_unknown_addresses_get_no_email(anon_client, users, outbox, clock):
    """Nothing is sent for failures on an address that has no account (nobody to tell)."""
    fail(anon_client, "nobody@example.org", 6)
    assert outbox == []
