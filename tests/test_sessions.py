"""Sessions: they end when idle, at their absolute lifetime, on "sign out everywhere" and on a password change or reset."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest
from flask.testing import FlaskClient

import mfo.security.sessions as sessions
from mfo.database import db
from mfo.database.models import user_datastore
from tests.conftest import make_app
from tests.helpers import NEW_PASSWORD, PASSWORD, links_in, login, post_form

EXPIRED = "Your session has expired. Please sign in again."


def signed_in(client: FlaskClient) -> bool:
    """Tell whether the client is signed in: the account page answers instead of sending it to sign in."""
    response = client.get("/account/")
    if response.status_code == 302:
        assert "/login" in response.headers["Location"]
        return False
    assert response.status_code == 200
    return True


def copy_cookie(source: FlaskClient, target: FlaskClient, name: str) -> None:
    """Give `target` the cookie `name` that `source` holds, as someone who stole it would."""
    cookie = source.get_cookie(name)
    assert cookie is not None, f"{name} was never set"
    target.set_cookie(name, cookie.value, domain="localhost")


def remember_cookies(client: FlaskClient) -> dict[str, str]:
    """Return the client's remember-me cookie and its signed issue time, as a thief would copy them."""
    cookies = {}
    for name in ("remember_token", sessions.REMEMBER_AT_COOKIE):
        cookie = client.get_cookie(name)
        assert cookie is not None, f"{name} was never set"
        cookies[name] = cookie.value
    return cookies


def give_cookies(client: FlaskClient, cookies: dict[str, str]) -> None:
    """Set copied cookies on another client."""
    for name, value in cookies.items():
        client.set_cookie(name, value, domain="localhost")


def sign_out_everywhere(client: FlaskClient):
    """Press "sign out everywhere" on the security page."""
    return post_form(client, "/account/sign-out-everywhere", token_from="/account/security")


def uniquifier(email: str) -> str:
    """Return the user's fs_uniquifier, read fresh from the database."""
    db.session.expire_all()
    return user_datastore.find_user(email=email).fs_uniquifier


def set_cookie_headers(response, name: str) -> list[str]:
    """Return the Set-Cookie headers of the response for cookie `name`."""
    return [value for value in response.headers.getlist("Set-Cookie") if value.startswith(f"{name}=")]


@pytest.fixture
def clock(monkeypatch):
    """Return a controllable clock for the session rules: clock.move(minutes=...) jumps forward."""

    class Clock:
        """A fixed Unix time that tests move forward by hand."""

        def __init__(self) -> None:
            self.time = sessions.clock()

        def move(self, **delta) -> None:
            """Jump forward by minutes= and hours=."""
            self.time += delta.get("minutes", 0) * 60 + delta.get("hours", 0) * 3600

        def __call__(self) -> float:
            """Return the current (fixed) time."""
            return self.time

    moving = Clock()
    monkeypatch.setattr(sessions, "clock", moving)
    return moving


# --- sign out everywhere


def test_sign_out_everywhere_ends_a_copied_session_cookie(app, staff_client, users):
    """A session cookie copied to another browser works until "sign out everywhere", then never again."""
    thief = app.test_client()
    copy_cookie(staff_client, thief, "session")
    assert signed_in(thief)  # the copy was a working session
    response = sign_out_everywhere(staff_client)
    assert response.status_code == 303 and "/login" in response.headers["Location"]
    assert not signed_in(thief)
    assert not signed_in(staff_client)  # "everywhere" includes this browser


def test_sign_out_everywhere_ends_a_copied_remember_me_cookie(app, anon_client, users):
    """Remember-me cookies copied before "sign out everywhere" no longer sign anyone in."""
    login(anon_client, users["staff"], remember="y")
    stolen = remember_cookies(anon_client)
    thief = app.test_client()
    give_cookies(thief, stolen)
    assert signed_in(thief)  # the remember-me cookies alone signed the copy in
    sign_out_everywhere(anon_client)
    assert not signed_in(thief)  # the session the cookie started ends too
    later = app.test_client()
    give_cookies(later, stolen)
    assert not signed_in(later)


def test_sign_out_everywhere_changes_the_identity_key(staff_client, users):
    """The rule works by rotating fs_uniquifier, which every cookie and token carries."""
    before = uniquifier(users["staff"])
    sign_out_everywhere(staff_client)
    assert uniquifier(users["staff"]) != before


def test_sign_out_everywhere_leaves_other_users_signed_in(organizer_client, staff_client):
    """Only the user's own sessions end."""
    sign_out_everywhere(staff_client)
    assert signed_in(organizer_client)


def test_sign_out_everywhere_refuses_get_and_posts_without_csrf(staff_client, users):
    """A link or an image cannot sign a user out everywhere: GET is 405, a POST without CSRF is 400."""
    before = uniquifier(users["staff"])
    assert staff_client.get("/account/sign-out-everywhere").status_code == 405
    assert staff_client.post("/account/sign-out-everywhere").status_code == 400
    assert staff_client.post("/account/sign-out-everywhere", data={"csrf_token": "forged"}).status_code == 400
    assert uniquifier(users["staff"]) == before
    assert signed_in(staff_client)


def test_sign_out_everywhere_needs_a_signed_in_user(anon_client):
    """An anonymous POST is sent to sign in and changes nothing."""
    response = post_form(anon_client, "/account/sign-out-everywhere", token_from="/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# --- deactivation


def test_deactivating_from_the_command_line_ends_sessions_for_good(app, users):
    """The attack: a session (and remember-me) cookie kept through `users deactivate` then `users activate`.

    Deactivation suspended it only: the same cookie worked again after reactivation. Now the
    deactivation rotates the identity key, as the admin's does: the old cookies never work again.
    """
    client = app.test_client()
    login(client, users["staff"], remember="y")
    stolen = remember_cookies(client)
    kept = client.get_cookie("session").value
    assert signed_in(client)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["users", "deactivate", users["staff"]]).exit_code == 0
    assert not signed_in(client)
    assert runner.invoke(args=["users", "activate", users["staff"]]).exit_code == 0
    client.set_cookie("session", kept, domain="localhost")
    assert not signed_in(client)
    remembered = app.test_client()
    give_cookies(remembered, stolen)
    assert not signed_in(remembered)
    # The user can sign in again, with a new session.
    fresh = app.test_client()
    login(fresh, users["staff"])
    assert signed_in(fresh)


def test_deactivation_anywhere_changes_the_identity_key_once_committed(app, users):
    """Whatever code deactivates a user (here the datastore, as Flask-Security's command does) rotates the key."""
    before = uniquifier(users["staff"])
    user = user_datastore.find_user(email=users["staff"])
    user_datastore.deactivate_user(user)
    db.session.commit()
    assert uniquifier(users["staff"]) != before
    after_deactivation = uniquifier(users["staff"])
    user_datastore.activate_user(user_datastore.find_user(email=users["staff"]))
    db.session.commit()
    assert uniquifier(users["staff"]) == after_deactivation, "activation needs no new key"


# --- password change and reset


def test_password_change_ends_the_other_sessions(app, staff_client, users):
    """After a password change the other browsers are signed out; the one that changed it stays in."""
    other = app.test_client()
    login(other, users["staff"])
    assert signed_in(other)
    response = post_form(
        staff_client,
        "/change",
        {"password": PASSWORD, "new_password": NEW_PASSWORD, "new_password_confirm": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert not signed_in(other)
    assert signed_in(staff_client)


def test_password_reset_ends_every_session(app, staff_client, users, outbox):
    """Setting a new password through the emailed link signs the user out on every device."""
    thief = app.test_client()
    copy_cookie(staff_client, thief, "session")
    visitor = app.test_client()
    post_form(visitor, "/reset", {"email": users["staff"]})
    link = next(url for url in links_in(outbox[-1]) if "/reset/" in url)
    post_form(visitor, link, {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}, token_from="/reset")
    assert not signed_in(staff_client)
    assert not signed_in(thief)


# --- idle timeout


def test_idle_session_is_signed_out_with_a_message(staff_client, clock):
    """Thirty-one minutes without a request: the next request is signed out and told why."""
    assert signed_in(staff_client)
    clock.move(minutes=31)
    response = staff_client.get("/account/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert EXPIRED in staff_client.get(response.headers["Location"]).get_data(as_text=True)
    clock.move(minutes=1)
    assert not signed_in(staff_client)  # it stays signed out: nothing restores the session


def test_activity_keeps_a_session_alive(staff_client, clock):
    """The idle timeout slides: a request every 29 minutes keeps the session for hours."""
    for _ in range(6):
        clock.move(minutes=29)
        assert signed_in(staff_client)


def test_idle_timeout_counts_from_the_last_request_not_the_sign_in(staff_client, clock):
    """After a request at 29 minutes, 31 minutes more of silence end the session (and 29 do not)."""
    clock.move(minutes=29)
    assert signed_in(staff_client)
    clock.move(minutes=29)
    assert signed_in(staff_client)
    clock.move(minutes=31)
    assert not signed_in(staff_client)


def test_static_files_do_not_keep_a_session_alive(staff_client, clock):
    """A page left open that reloads a stylesheet is still idle."""
    clock.move(minutes=20)
    staff_client.get("/static/mfo.css").close()
    clock.move(minutes=11)
    assert not signed_in(staff_client)


def test_idle_timeout_ends_a_remember_me_session_too(app, anon_client, users, clock):
    """An idle session with a remember-me cookie is signed out, and the cookie is removed with it."""
    login(anon_client, users["staff"], remember="y")
    clock.move(minutes=31)
    assert not signed_in(anon_client)
    assert anon_client.get_cookie("remember_token") is None
    assert not signed_in(anon_client)


@pytest.mark.settings(MFO_IDLE_TIMEOUT_MINUTES=5)
def test_idle_timeout_comes_from_the_setting(staff_client, clock):
    """MFO_IDLE_TIMEOUT_MINUTES sets the timeout."""
    clock.move(minutes=4)
    assert signed_in(staff_client)
    clock.move(minutes=6)
    assert not signed_in(staff_client)


# --- absolute lifetime


@pytest.mark.settings(MFO_SESSION_MAX_HOURS=1)
def test_session_ends_at_its_absolute_lifetime_despite_activity(staff_client, clock):
    """However active, a session ends MFO_SESSION_MAX_HOURS after signing in."""
    for _ in range(2):
        clock.move(minutes=25)
        assert signed_in(staff_client)
    clock.move(minutes=11)  # 61 minutes after signing in, 11 after the last request
    assert not signed_in(staff_client)


def test_default_lifetime_is_twelve_hours(staff_client, clock):
    """With the defaults, a session used every 25 minutes still ends after twelve hours."""
    for _ in range(28):  # 11 h 40 min
        clock.move(minutes=25)
        assert signed_in(staff_client)
    clock.move(minutes=25)  # 12 h 05 min
    assert not signed_in(staff_client)


@pytest.mark.settings(MFO_SESSION_MAX_HOURS=1)
def test_copied_remember_me_cookie_dies_at_the_lifetime(app, anon_client, users, clock):
    """Remember-me cookies kept past the lifetime do not sign in, whatever their own expiry date says."""
    login(anon_client, users["staff"], remember="y")
    stolen = remember_cookies(anon_client)
    clock.move(minutes=50)
    early = app.test_client()
    give_cookies(early, stolen)
    assert signed_in(early)  # within the lifetime, remember-me works
    clock.move(minutes=11)
    late = app.test_client()
    give_cookies(late, stolen)
    assert not signed_in(late)


@pytest.mark.settings(MFO_SESSION_MAX_HOURS=1)
def test_stolen_remember_me_cookie_is_not_renewed_by_the_owners_later_sign_ins(app, anon_client, users, clock):
    """The lifetime counts from the stolen cookie's own sign-in, not from the owner's latest one elsewhere."""
    login(anon_client, users["staff"], remember="y")
    thief = app.test_client()
    give_cookies(thief, remember_cookies(anon_client))
    clock.move(minutes=50)
    # The owner signs in on another device at minute 50 (the time trackable records for it).
    owner_elsewhere = app.test_client()
    login(owner_elsewhere, users["staff"], remember="y")
    user = user_datastore.find_user(email=users["staff"])
    user.current_login_at = datetime.fromtimestamp(clock.time, UTC).replace(tzinfo=None)
    db.session.commit()
    clock.move(minutes=11)  # 61 minutes after the stolen cookies' sign-in
    assert not signed_in(thief)
    fresh = app.test_client()
    give_cookies(fresh, remember_cookies(owner_elsewhere))
    assert signed_in(fresh)  # the owner's new remember-me is within its own lifetime


def test_remember_me_cookie_without_its_sign_in_time_does_not_sign_in(app, anon_client, users):
    """A remember-me cookie alone, with no proof of when it was issued, is not trusted for a lifetime."""
    login(anon_client, users["staff"], remember="y")
    bare = app.test_client()
    copy_cookie(anon_client, bare, "remember_token")
    assert anon_client.get_cookie(sessions.REMEMBER_AT_COOKIE) is not None
    assert not signed_in(bare)


def test_issue_time_from_another_account_does_not_fit(app, anon_client, users):
    """A stolen remember-me cookie paired with a fresh issue-time cookie from the thief's own account is refused."""
    login(anon_client, users["staff"], remember="y")
    stolen = remember_cookies(anon_client)
    own = app.test_client()
    login(own, users["organizer"], remember="y")
    thief = app.test_client()
    give_cookies(thief, {**stolen, sessions.REMEMBER_AT_COOKIE: remember_cookies(own)[sessions.REMEMBER_AT_COOKIE]})
    assert not signed_in(thief)


# --- cookie flags


def test_session_cookie_is_http_only_and_same_site_lax(anon_client, users):
    """Scripts cannot read the session cookie and other sites' forms do not send it; over http it is not Secure."""
    response = login(anon_client, users["staff"], remember="y")
    for name in ("session", "remember_token", sessions.REMEMBER_AT_COOKIE):
        headers = set_cookie_headers(response, name)
        assert headers, f"sign-in set no {name} cookie"
        for header in headers:
            attributes = {part.strip().split("=")[0].lower(): part for part in header.split(";")}
            assert "httponly" in attributes, header
            assert attributes.get("samesite", "").strip().lower() == "samesite=lax", header
            assert "secure" not in attributes, header  # a Secure cookie over http would never come back


def cookie_attributes(response, name: str) -> list[set[str]]:
    """Return the attribute names (lower case) of each Set-Cookie header for cookie `name`."""
    headers = set_cookie_headers(response, name)
    assert headers, f"sign-in set no {name} cookie"
    return [{part.strip().split("=")[0].lower() for part in header.split(";")[1:]} for header in headers]


def sign_in_over_https(app, email: str):
    """Sign in with remember-me over HTTPS (with the Referer Flask-WTF checks there) and return the response."""
    client = app.test_client()
    client.environ_base["wsgi.url_scheme"] = "https"
    data = {"email": email, "password": PASSWORD, "remember": "y"}
    response = post_form(client, "/login", data, headers={"Referer": "https://localhost/login"})
    assert response.status_code == 302
    return response


@pytest.mark.settings(MFO_BASE_URL="https://localhost")
def test_cookies_are_secure_over_https(app, users):
    """With an https base URL the session and remember-me cookies are sent over HTTPS only."""
    response = sign_in_over_https(app, users["staff"])
    for name in ("session", "remember_token", sessions.REMEMBER_AT_COOKIE):
        for attributes in cookie_attributes(response, name):
            assert {"secure", "httponly"} <= attributes, (name, attributes)


@pytest.fixture
def production_app(app, database_url):
    """Return a factory of apps in production mode (not testing) on the test database.

    Outside testing the app gives mfo's logger a stderr handler; it is taken off again afterwards.
    """
    logger = logging.getLogger("mfo")
    handlers = list(logger.handlers)

    def make(**settings):
        return make_app(database_url, shares_context=False, **{"TESTING": False, "MFO_BASE_URL": "https://localhost", **settings})

    yield make
    logger.handlers[:] = handlers


def test_production_cookies_are_secure_without_any_setting(production_app, users):
    """In production mode the cookies are Secure by default: no setting turns it on."""
    app = production_app()
    assert not app.testing and not app.debug
    with app.app_context():
        response = sign_in_over_https(app, users["staff"])
    for name in ("session", "remember_token", sessions.REMEMBER_AT_COOKIE):
        for attributes in cookie_attributes(response, name):
            assert "secure" in attributes, (name, attributes)


def test_production_over_plain_http_is_an_explicit_choice_with_a_warning(production_app, users, caplog):
    """MFO_ALLOW_PLAIN_HTTP=true serves cookies without Secure, and says so in the log at start."""
    with caplog.at_level("WARNING", logger="mfo.config"):
        app = production_app(MFO_BASE_URL="http://localhost", MFO_ALLOW_PLAIN_HTTP=True)
    assert any("FLASK_MFO_ALLOW_PLAIN_HTTP" in r.getMessage() for r in caplog.records if r.levelname == "WARNING")
    with app.app_context():
        response = login(app.test_client(), users["staff"], remember="y")
    for name in ("session", "remember_token", sessions.REMEMBER_AT_COOKIE):
        for attributes in cookie_attributes(response, name):
            assert "secure" not in attributes, (name, attributes)
