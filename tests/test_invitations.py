"""Invitations: their own email, a "Set your password" page, a clear answer for old links, "invited" in the Users list."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask_security.utils import verify_password
from sqlalchemy import select

import mfo.security.invitations as invitations
from mfo.audit.models import AuditEvent
from mfo.database import db
from tests.admin_helpers import flashed, fresh_user, page, run_action, user_id
from tests.helpers import NEW_PASSWORD, links_in, login, post_form

GUEST = "guest@example.org"


def invite(client, email: str = GUEST, **fields):
    """Create a user through the admin with an emailed invitation; return the response."""
    data = {"email": email, "name": "Guest Singer", "invite": "y", "active": "y", **fields}
    response = post_form(client, "/admin/user/new/", data, token_from="/")
    assert response.status_code == 302, flashed(response)
    return response


def invitation_path(message) -> str:
    """Return the path of the "Set your password" link in an invitation email."""
    [link] = [link for link in links_in(message) if "/account/invitation/" in link]
    return link.replace("http://localhost", "")


def french(client):
    """Ask for pages in French, as a French browser does."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "fr-FR,fr;q=0.9"
    return client


def actions(name: str) -> list[AuditEvent]:
    """Return the recorded events of one action, oldest first."""
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == name).order_by(AuditEvent.id)))


@pytest.fixture
def clock(monkeypatch):
    """Return a controllable clock for invitation links: clock.move(days=...) jumps forward."""

    class Clock:
        """Unix time that tests move by hand."""

        def __init__(self) -> None:
            self.time = invitations.clock()

        def move(self, **delta) -> None:
            """Jump forward by a timedelta's arguments."""
            self.time += timedelta(**delta).total_seconds()

        def __call__(self) -> float:
            """Return the current (fixed) time."""
            return self.time

    moving = Clock()
    monkeypatch.setattr(invitations, "clock", moving)
    return moving


# --- the email and the page


def test_the_invitation_email_says_you_are_invited_and_links_the_set_password_page(app, users, admin_client, outbox):
    """The email is an invitation, with who invited and a link to the invitation page (not the reset-password page)."""
    invite(admin_client)
    [message] = outbox
    assert message.to == [GUEST]
    assert message.subject == "You are invited to mfo, the Music Festival Organizer"
    assert "You are invited to mfo" in message.body and users["admin"] in message.body
    assert "works once, for 1 week" in message.body
    assert "/reset/" not in message.body
    assert invitation_path(message).startswith("/account/invitation/")


def test_invitee_sets_a_password_on_the_invitation_page_then_signs_in(app, users, admin_client, anon_client, outbox):
    """The page says "Set your password"; the password is set once, the address confirmed, the event recorded."""
    invite(admin_client)
    path = invitation_path(outbox[-1])
    html = page(anon_client.get(path))
    assert "Set your password" in html and GUEST in html
    assert "Choose a new password" not in html and "Reset" not in html  # not the reset-password page's words
    response = post_form(anon_client, path, {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
    assert response.status_code == 303 and response.headers["Location"].endswith("/login")
    guest = fresh_user(GUEST)
    assert verify_password(NEW_PASSWORD, guest.password)
    assert guest.invited_at is None and guest.confirmed_at is not None
    [accepted] = actions("invitation-accepted")
    assert accepted.actor == GUEST and GUEST in accepted.target
    login(anon_client, GUEST, NEW_PASSWORD)
    assert anon_client.get("/account/").status_code == 200


def test_the_set_password_page_in_french(app, users, admin_client, anon_client, outbox):
    """The invitation page and its answers come in French for a French browser."""
    invite(admin_client)
    path = invitation_path(outbox[-1])
    html = page(french(anon_client).get(path))
    assert "Choisissez votre mot de passe" in html and "Enregistrer mon mot de passe" in html
    mismatch = post_form(anon_client, path, {"password": NEW_PASSWORD, "password_confirm": "something-else-77"})
    assert "Les deux mots de passe diffèrent." in page(mismatch)


def test_a_weak_password_is_refused_and_the_user_stays_invited(app, users, admin_client, anon_client, outbox):
    """The site's password policy applies; a refused password sets nothing and the link keeps working."""
    invite(admin_client)
    path = invitation_path(outbox[-1])
    response = post_form(anon_client, path, {"password": "short", "password_confirm": "short"})
    assert response.status_code == 200 and "at least 8 characters" in page(response)
    guest = fresh_user(GUEST)
    assert guest.password is None and guest.invited_at is not None
    assert anon_client.get(path).status_code == 200


def test_the_link_works_once(app, users, admin_client, anon_client, outbox):
    """Once the password is set, the link says so and sets nothing."""
    invite(admin_client)
    path = invitation_path(outbox[-1])
    post_form(anon_client, path, {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
    again = anon_client.get(path)
    assert again.status_code == 410 and "This invitation was accepted already" in page(again)
    post_form(anon_client, path, {"password": "another-Pass-word-9", "password_confirm": "another-Pass-word-9"}, token_from="/login")
    assert verify_password(NEW_PASSWORD, fresh_user(GUEST).password)


def test_an_expired_link_says_so_in_both_languages_and_sets_nothing(app, users, admin_client, anon_client, outbox, clock):
    """After MFO_INVITATION_DAYS the link answers 410 with a clear message, and a POST changes nothing."""
    invite(admin_client)
    path = invitation_path(outbox[-1])
    clock.move(days=7, seconds=1)
    response = anon_client.get(path)
    assert response.status_code == 410
    assert "This invitation has expired" in page(response) and "Ask the person who invited you" in page(response)
    refused = post_form(anon_client, path, {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}, token_from="/login")
    assert refused.status_code == 410 and fresh_user(GUEST).password is None
    assert "Cette invitation a expiré" in page(french(anon_client).get(path))


def test_a_link_just_before_expiry_still_works(app, users, admin_client, anon_client, outbox, clock):
    """The link works for the whole of its lifetime."""
    invite(admin_client)
    path = invitation_path(outbox[-1])
    clock.move(days=6, hours=23)
    assert anon_client.get(path).status_code == 200


@pytest.mark.parametrize("tampered", ["not-a-token", "eyJhbGciOiJIUzI1NiJ9.e30.forged"])
def test_a_forged_link_is_refused(app, users, anon_client, tampered):
    """A made-up or altered token is not an invitation."""
    response = anon_client.get(f"/account/invitation/{tampered}")
    assert response.status_code == 404 and "This invitation link is not valid" in page(response)


def test_a_link_for_another_kind_of_token_is_refused(app, users, anon_client):
    """A token signed for something else (here a reset-password token's shape) is not an invitation."""
    from itsdangerous import URLSafeTimedSerializer

    forged = URLSafeTimedSerializer(app.secret_key, salt="reset").dumps([user_id(users["staff"]), ""])
    assert anon_client.get(f"/account/invitation/{forged}").status_code == 404


def test_the_form_needs_its_csrf_token(app, users, admin_client, anon_client, outbox):
    """Setting the password is a form like the others: without the CSRF token it is refused."""
    invite(admin_client)
    path = invitation_path(outbox[-1])
    response = anon_client.post(path, data={"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
    assert response.status_code == 400
    assert fresh_user(GUEST).password is None


def test_a_signed_in_user_is_asked_to_sign_out_first(app, users, admin_client, staff_client, outbox):
    """Someone signed in as another user cannot set the invited account's password from their session."""
    invite(admin_client)
    path = invitation_path(outbox[-1])
    html = page(staff_client.get(path))
    assert "Sign out first" in html and 'name="password"' not in html
    post_form(staff_client, path, {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}, token_from="/account/")
    assert fresh_user(GUEST).password is None


# --- the Users list, and sending it again


def user_row(html: str, email: str) -> str:
    """Return the Users list's table row of one user."""
    match = re.search(rf"<tr>(?:(?!</tr>).)*{re.escape(email)}(?:(?!</tr>).)*</tr>", html, re.S)
    assert match, f"{email} is not listed"
    return match.group(0)


# Filter arguments are flt<position>_<filter index>: role 0, active 1, confirmed 2, locked 3, invited 4.
INVITED = "flt0_4"


def test_the_users_list_shows_invited_until_the_invitation_is_accepted(app, users, admin_client, anon_client, outbox):
    """An "invited" badge and the Invited filter mark the user until they set their password."""
    invite(admin_client)
    assert ">invited</span>" in user_row(page(admin_client.get("/admin/user/")), GUEST)
    assert ">invited</span>" not in user_row(page(admin_client.get("/admin/user/")), users["staff"])
    invited_only = page(admin_client.get(f"/admin/user/?{INVITED}=1"))
    assert GUEST in invited_only and users["staff"] not in invited_only

    post_form(anon_client, invitation_path(outbox[-1]), {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
    assert ">invited</span>" not in user_row(page(admin_client.get("/admin/user/")), GUEST)
    assert GUEST not in page(admin_client.get(f"/admin/user/?{INVITED}=1"))
    assert GUEST in page(admin_client.get(f"/admin/user/?{INVITED}=0"))


def test_the_invited_badge_is_french_for_a_french_admin(app, users, admin_client):
    """The badge follows the reader's language."""
    invite(admin_client)
    assert ">invité</span>" in user_row(page(french(admin_client).get("/admin/user/")), GUEST)


def test_sending_the_invitation_again_replaces_the_old_link(app, users, admin_client, anon_client, outbox):
    """The admin's "Send the invitation again" emails a new link; the old one says it was replaced."""
    invite(admin_client)
    old = invitation_path(outbox[-1])
    response = run_action(admin_client, "user", "resend_invitation", [user_id(GUEST)])
    assert response.status_code == 302
    assert len(outbox) == 2 and outbox[-1].to == [GUEST]
    new = invitation_path(outbox[-1])
    assert new != old
    replaced = anon_client.get(old)
    assert replaced.status_code == 410 and "A newer invitation was sent" in page(replaced)
    assert anon_client.get(new).status_code == 200
    [sent] = actions("invitation-sent")
    assert sent.actor == users["admin"] and GUEST in sent.target


def test_sending_again_is_refused_for_users_who_accepted(app, users, admin_client, outbox):
    """Users with a password are not waiting for an invitation: nothing is sent."""
    response = run_action(admin_client, "user", "resend_invitation", [user_id(users["staff"])])
    assert response.status_code == 302
    assert outbox == [] and not actions("invitation-sent")


def test_an_admin_set_password_ends_the_invitation(app, users, admin_client, anon_client, outbox):
    """An admin who gives the invitee a password ends the invitation: its link no longer works."""
    from tests.admin_helpers import edit_user

    invite(admin_client)
    path = invitation_path(outbox[-1])
    edit_user(admin_client, GUEST, new_password=NEW_PASSWORD)
    assert fresh_user(GUEST).invited_at is None
    assert anon_client.get(path).status_code == 410


def test_an_invitee_who_uses_forgot_password_is_no_longer_invited(app, users, admin_client, anon_client, outbox):
    """Choosing the password through "forgot password" accepts the invitation too: the badge goes, the link stops."""
    invite(admin_client)
    path = invitation_path(outbox[-1])
    post_form(anon_client, "/reset", {"email": GUEST})
    link = next(url for url in links_in(outbox[-1]) if "/reset/" in url)
    post_form(anon_client, link, {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}, token_from="/reset")
    assert fresh_user(GUEST).invited_at is None
    assert anon_client.get(path).status_code == 410
