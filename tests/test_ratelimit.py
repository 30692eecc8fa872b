"""Rate limits: each account form counts POSTs per client address, answers 429 past its limit, and shares counts through Redis."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from mfo.extensions import limiter
from tests import services
from tests.conftest import make_app
from tests.helpers import csrf_token, login, post_form, totp_code

ROOT = Path(__file__).resolve().parents[1]
LAYOUT_MARKER = 'id="site-nav"'  # the shared layout's navigation bar
TOO_MANY = "Please wait a little before trying again."

# Small limits so that tests reach them quickly; lockout off so that wrong passwords and codes only
# meet the rate limit (tests/test_lockout.py covers the lockout).
SMALL_LIMITS = {
    "RATELIMIT_ENABLED": True,
    "MFO_RATELIMIT_SIGNIN": "3 per minute",
    "MFO_RATELIMIT_FORGOT_PASSWORD": "2 per minute",
    "MFO_RATELIMIT_REGISTER": "2 per minute",
    "MFO_RATELIMIT_TWO_FACTOR": "3 per minute",
    "MFO_RATELIMIT_VERIFY": "2 per minute",
    "MFO_LOCKOUT_THRESHOLD": 0,
}
limited = pytest.mark.settings(**SMALL_LIMITS)


@pytest.fixture(autouse=True)
def _fresh_counters(app) -> Iterator[None]:
    """Start every test with no counts: the limiter object is shared by every app in the process."""
    if limiter.enabled and limiter.initialized:
        limiter.reset()
    yield


def wrong_sign_in(client: FlaskClient, **kwargs):
    """POST the sign-in form with a wrong password (a valid CSRF token, so only the limit can refuse it)."""
    return post_form(client, "/login", {"email": "nobody@example.org", "password": "not-the-password"}, **kwargs)


def assert_too_many(response) -> None:
    """Assert the answer is the 429 page, in the site layout, telling the client when to come back."""
    page = response.get_data(as_text=True)
    assert response.status_code == 429
    assert LAYOUT_MARKER in page and TOO_MANY in page
    assert int(response.headers["Retry-After"]) > 0


# --- sign-in


@limited
def test_fourth_sign_in_post_in_a_minute_is_refused(anon_client):
    """Three sign-in attempts a minute are answered; the fourth gets the 429 page with Retry-After."""
    for _ in range(3):
        assert wrong_sign_in(anon_client).status_code == 200
    assert_too_many(wrong_sign_in(anon_client))


@limited
def test_the_right_password_is_refused_too_once_limited(anon_client, users):
    """Past the limit even the right password is not checked: guessing cannot continue by luck."""
    for _ in range(3):
        wrong_sign_in(anon_client)
    assert_too_many(login(anon_client, users["staff"]))
    assert anon_client.get("/account/").status_code == 302


@limited
def test_json_client_gets_a_json_429(anon_client):
    """A JSON sign-in past the limit gets a JSON error, not an HTML page."""
    token = csrf_token(anon_client, "/login")
    body = {"email": "nobody@example.org", "password": "not-the-password"}
    for _ in range(3):
        assert anon_client.post("/login", json=body, headers={"X-CSRFToken": token}).status_code == 400
    response = anon_client.post("/login", json=body, headers={"X-CSRFToken": token})
    assert response.status_code == 429
    assert response.is_json
    assert response.get_json()["error"]["code"] == 429
    assert int(response.headers["Retry-After"]) > 0


@limited
def test_showing_the_sign_in_form_is_never_limited(anon_client):
    """GET /login neither counts towards the limit nor is refused once the limit is reached."""
    for _ in range(10):
        assert anon_client.get("/login").status_code == 200
    for _ in range(3):
        assert wrong_sign_in(anon_client).status_code == 200  # the GETs used none of the three
    assert wrong_sign_in(anon_client).status_code == 429
    assert anon_client.get("/login").status_code == 200


@limited
def test_limits_count_per_client_address(app, anon_client):
    """One address reaching its limit does not lock out a visitor from another address."""
    for _ in range(3):
        wrong_sign_in(anon_client)
    assert wrong_sign_in(anon_client).status_code == 429
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "203.0.113.7"
    for _ in range(3):
        assert wrong_sign_in(other).status_code == 200
    assert wrong_sign_in(other).status_code == 429


@limited
def test_forged_forwarded_for_does_not_escape_the_limit(anon_client):
    """With no trusted proxy, an X-Forwarded-For header the client made up does not give it a new count."""
    for _ in range(3):
        wrong_sign_in(anon_client)
    response = wrong_sign_in(anon_client, headers={"X-Forwarded-For": "198.51.100.23"})
    assert response.status_code == 429


@pytest.mark.settings(**SMALL_LIMITS, MFO_TRUSTED_PROXIES=1)
def test_behind_a_trusted_proxy_the_forwarded_address_counts(app):
    """Behind the load balancer every request comes from its address: the client's own address counts."""
    first = app.test_client()
    second = app.test_client()
    for _ in range(3):
        wrong_sign_in(first, headers={"X-Forwarded-For": "198.51.100.1"})
    assert wrong_sign_in(first, headers={"X-Forwarded-For": "198.51.100.1"}).status_code == 429
    assert wrong_sign_in(second, headers={"X-Forwarded-For": "198.51.100.2"}).status_code == 200


def test_limits_are_off_when_switched_off(anon_client):
    """With RATELIMIT_ENABLED false (the test default) sign-in is never refused for speed."""
    for _ in range(12):
        assert wrong_sign_in(anon_client).status_code == 200


# --- the other account forms


@limited
def test_forgot_password_has_its_own_limit(anon_client):
    """The reset-request form counts separately from sign-in, with its own setting."""
    for _ in range(3):
        wrong_sign_in(anon_client)
    assert wrong_sign_in(anon_client).status_code == 429
    for _ in range(2):
        assert post_form(anon_client, "/reset", {"email": "nobody@example.org"}).status_code in (200, 302)
    assert_too_many(post_form(anon_client, "/reset", {"email": "nobody@example.org"}))


@limited
def test_register_has_its_own_limit(anon_client):
    """Registration counts separately, with MFO_RATELIMIT_REGISTER."""
    for number in range(2):
        data = {"email": f"new{number}@example.org", "password": "festival-Pass-2026", "password_confirm": "festival-Pass-2026"}
        assert post_form(anon_client, "/register", data).status_code in (200, 302)
    data = {"email": "new9@example.org", "password": "festival-Pass-2026", "password_confirm": "festival-Pass-2026"}
    assert_too_many(post_form(anon_client, "/register", data))
    assert wrong_sign_in(anon_client).status_code == 200  # sign-in's own count is untouched


@limited
def test_two_factor_code_has_its_own_limit(anon_client, users):
    """Guessing second-factor codes is limited by MFO_RATELIMIT_TWO_FACTOR, even with the password known."""
    response = login(anon_client, users["admin"], second_factor=False)
    assert "/tf-validate" in response.headers["Location"]
    for _ in range(3):
        assert post_form(anon_client, "/tf-validate", {"code": "000000"}).status_code == 200
    assert_too_many(post_form(anon_client, "/tf-validate", {"code": "000000"}))
    # The right code is not even looked at while the limit holds.
    assert post_form(anon_client, "/tf-validate", {"code": totp_code(users["admin"])}).status_code == 429
    assert anon_client.get("/account/").status_code == 302


@limited
def test_verify_has_its_own_limit(staff_client):
    """Re-authentication before sensitive changes is limited by MFO_RATELIMIT_VERIFY."""
    for _ in range(2):
        assert post_form(staff_client, "/verify", {"password": "not-the-password"}).status_code == 200
    assert_too_many(post_form(staff_client, "/verify", {"password": "not-the-password"}))


@pytest.mark.settings(**{**SMALL_LIMITS, "MFO_RATELIMIT_SIGNIN": "5 per minute"})
def test_the_limit_comes_from_the_setting(anon_client):
    """The number in MFO_RATELIMIT_SIGNIN is the number of attempts allowed (not a constant in code)."""
    for _ in range(5):
        assert wrong_sign_in(anon_client).status_code == 200
    assert wrong_sign_in(anon_client).status_code == 429


@limited
def test_counts_do_not_leak_into_the_next_app(app, database_url):
    """An app built after another starts from zero with memory:// storage: counts live in one process only."""
    for _ in range(3):
        wrong_sign_in(app.test_client())
    assert wrong_sign_in(app.test_client()).status_code == 429
    second = make_app(database_url, **SMALL_LIMITS)
    assert wrong_sign_in(second.test_client()).status_code == 200


# --- Redis: the counters several app servers share


@pytest.fixture
def redis_url() -> str:
    """Return the Redis test database (db 15), emptied; skip, or fail when services are required, if Redis is absent."""
    if not services.redis_answers():
        if services.required():
            pytest.fail(f"Redis does not answer at {services.REDIS_URL}")
        pytest.skip(f"Redis does not answer at {services.REDIS_URL}")
    import redis

    client = redis.Redis.from_url(services.REDIS_URL)
    client.flushdb()
    client.close()
    return services.REDIS_URL


def redis_keys(url: str) -> list[str]:
    """Return every key in the Redis test database."""
    import redis

    client = redis.Redis.from_url(url)
    try:
        return [key.decode() for key in client.keys("*")]
    finally:
        client.close()


# A second app server: another process, with its own limiter, on the same database and Redis.
OTHER_SERVER = """
import json, sys
from tests.conftest import TEST_CONFIG
from mfo import create_app
from tests.helpers import post_form
config = json.loads(sys.argv[1])
app = create_app({**TEST_CONFIG, **config})
client = app.test_client()
data = {"email": "nobody@example.org", "password": "not-the-password"}
print(json.dumps([post_form(client, "/login", data).status_code for _ in range(int(sys.argv[2]))]))
"""


def other_server_signs_in(config: dict, attempts: int) -> list[int]:
    """Run `attempts` wrong sign-ins on a separate app server process and return its status codes."""
    result = subprocess.run(
        [sys.executable, "-W", "error", "-c", OTHER_SERVER, json.dumps(config), str(attempts)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_redis_counts_are_shared_by_every_app_server(redis_url, app, database_url):
    """With Redis storage the counters live in Redis, and a second app server sees the first one's count."""
    config = {**SMALL_LIMITS, "SQLALCHEMY_DATABASE_URI": database_url, "RATELIMIT_STORAGE_URI": redis_url}
    first = make_app(database_url, **{k: v for k, v in config.items() if k != "SQLALCHEMY_DATABASE_URI"})
    client = first.test_client()
    assert [wrong_sign_in(client).status_code for _ in range(2)] == [200, 200]
    keys = redis_keys(redis_url)
    assert keys, "the counter is not in Redis"
    # One counter per prefix, client address and form: ours, for this address, for sign-in.
    assert keys == [f"LIMITS:LIMITER/{first.config['RATELIMIT_KEY_PREFIX']}/127.0.0.1/security.login/3/1/minute"]

    # The other server allows one more attempt (the third), then refuses: it counts with the first.
    assert other_server_signs_in(config, 2) == [200, 429]
    # And the first server sees the attempt made on the other one.
    assert wrong_sign_in(client).status_code == 429


def test_a_second_app_in_one_process_keeps_using_redis(redis_url, app, database_url):
    """Rebuilding the app (the limiter is re-initialised) keeps the Redis count: re-initialisation loses nothing."""
    config = {**SMALL_LIMITS, "RATELIMIT_STORAGE_URI": redis_url}
    first = make_app(database_url, **config)
    for _ in range(3):
        wrong_sign_in(first.test_client())
    second = make_app(database_url, **config)
    assert_too_many(wrong_sign_in(second.test_client()))
