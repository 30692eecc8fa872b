"""The site's address: a forged Host header gets 400 and no email; emailed links always name MFO_BASE_URL."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.helpers import PASSWORD, csrf_token, links_in, post_form, totp_code

SITE = "https://festival.example.org"
ALIAS = "www.festival.example.org"
# The site as production would set it: its address, and a second name it also answers to.
ON_THE_SITE = pytest.mark.settings(MFO_BASE_URL=SITE, MFO_HOST_ALIASES=[ALIAS])


def client_on(app: Flask, base: str) -> FlaskClient:
    """Return a client whose requests go to `base` (scheme and host) with a same-origin Referer.

    Over https Flask-WTF also checks that the Referer is this host, as a browser's would be.
    """
    client = app.test_client()
    client.environ_base["HTTP_REFERER"] = f"{base}/"
    return client


def forgot_password(client: FlaskClient, base: str, email: str):
    """Ask for a password-reset email through the forgot-password form at `base`."""
    return post_form(client, f"{base}/reset", {"email": email})


def emailed_links(outbox: list) -> list[str]:
    """Return every link in every email sent."""
    return [link for message in outbox for link in links_in(message)]


@ON_THE_SITE
def test_a_forged_host_gets_400_and_no_reset_email(app, users, outbox):
    """The attack: a reset asked for with Host: evil.example. It is refused, and nothing is emailed.

    The attacker holds a working session and CSRF token (from the real site), so only the Host
    check stands between them and a reset link to their own server.
    """
    genuine = client_on(app, SITE)
    token = csrf_token(genuine, f"{SITE}/reset")
    attacker = client_on(app, "https://evil.example")
    attacker.set_cookie("session", genuine.get_cookie("session", domain="festival.example.org").value, domain="evil.example")
    response = attacker.post("https://evil.example/reset", data={"email": users["staff"], "csrf_token": token})
    assert response.status_code == 400
    assert outbox == []
    # The same request on the real site works: the refusal was the host's alone.
    assert genuine.post(f"{SITE}/reset", data={"email": users["staff"], "csrf_token": token}).status_code == 200
    assert len(outbox) == 1


@ON_THE_SITE
@pytest.mark.parametrize("host", ["evil.example", "festival.example.org.evil.example", "evil.example:443", "127.0.0.2"])
def test_requests_for_other_hosts_get_the_400_page(app, host):
    """Any page asked for under a host that is not the site's gets the usual 400 page (JSON for JSON clients)."""
    client = app.test_client()
    page = client.get("/reset", headers={"Host": host})
    assert page.status_code == 400
    body = page.get_data(as_text=True)
    assert 'id="error-page"' in body and "evil.example" not in body
    assert "nonce-" in page.headers["Content-Security-Policy"]  # the page keeps its headers and scripts
    as_json = client.get("/reset", headers={"Host": host, "Accept": "application/json"})
    assert as_json.status_code == 400 and as_json.get_json()["error"]["code"] == 400
    assert client.post("/login", headers={"Host": host}, json={"email": "x@example.org"}).status_code == 400


@ON_THE_SITE
def test_the_site_its_alias_and_localhost_are_served(app):
    """The configured host, its alias and (in testing) localhost answer normally."""
    client = app.test_client()
    for host in ("festival.example.org", ALIAS, "localhost", "127.0.0.1:5000"):
        assert client.get("/reset", headers={"Host": host}).status_code == 200, host


@ON_THE_SITE
def test_reset_links_name_the_base_url_even_through_an_alias(app, users, outbox):
    """A reset asked for on the alias, over plain http, emails a link on https://festival.example.org."""
    alias = f"http://{ALIAS}"
    response = forgot_password(client_on(app, alias), alias, users["staff"])
    assert response.status_code == 200
    (link,) = [link for link in emailed_links(outbox) if "/reset/" in link]
    assert link.startswith(f"{SITE}/reset/")


@ON_THE_SITE
def test_confirmation_links_name_the_base_url(app, outbox):
    """Registering through the alias emails a confirmation link on the base URL; so does asking for it again."""
    alias = f"http://{ALIAS}"
    client = client_on(app, alias)
    data = {"email": "new@example.org", "password": "festival-Pass-2026", "password_confirm": "festival-Pass-2026"}
    assert post_form(client, f"{alias}/register", data).status_code in (200, 302)
    assert post_form(client, f"{alias}/confirm", {"email": "new@example.org"}).status_code in (200, 302)
    links = [link for link in emailed_links(outbox) if "/confirm/" in link]
    assert len(links) == 2
    assert all(link.startswith(f"{SITE}/confirm/") for link in links), links


@ON_THE_SITE
def test_invitation_links_name_the_base_url(app, users, outbox):
    """An organizer working on the alias invites someone: the emailed link is on the base URL."""
    alias = f"http://{ALIAS}"
    client = client_on(app, alias)
    response = post_form(client, f"{alias}/login", {"email": users["organizer"], "password": PASSWORD})
    assert response.headers["Location"].startswith("/tf-validate")
    response = post_form(client, f"{alias}/tf-validate", {"code": totp_code(users["organizer"])})
    assert response.status_code == 302 and "/login" not in response.headers["Location"]
    data = {"email": "guest@example.org", "name": "Guest", "invite": "y", "active": "y"}
    response = post_form(client, f"{alias}/admin/user/new/", data, token_from=f"{alias}/admin/user/new/")
    assert response.status_code == 302
    links = emailed_links(outbox)
    assert links and all(urlsplit(link).netloc == "festival.example.org" for link in links), links
    assert all(link.startswith(f"{SITE}/") for link in links), links


def test_without_a_base_url_tests_and_development_answer_on_localhost_only(app, users, outbox):
    """Tests and `make run` need no base URL: localhost and 127.0.0.1 are served, any other host is refused."""
    client = app.test_client()
    assert client.get("/reset", headers={"Host": "localhost"}).status_code == 200
    assert client.get("/reset", headers={"Host": "127.0.0.1:5000"}).status_code == 200
    assert client.get("/reset", headers={"Host": "evil.example"}).status_code == 400
    assert forgot_password(client, "http://127.0.0.1:5000", users["staff"]).status_code == 200
    assert len(outbox) == 1


@pytest.mark.settings(MFO_BASE_URL=SITE, MFO_HOST_ALIASES=[ALIAS], MFO_LOCKOUT_THRESHOLD=2)
def test_lockout_email_links_name_the_base_url(app, users, outbox):
    """Wrong passwords typed on the alias lock the account: the owner's email links to the base URL."""
    alias = f"http://{ALIAS}"
    client = client_on(app, alias)
    for _ in range(2):
        post_form(client, f"{alias}/login", {"email": users["staff"], "password": "not-the-password"})
    links = emailed_links(outbox)
    assert links and all(link.startswith(f"{SITE}/") for link in links), links
