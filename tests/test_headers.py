"""Security headers: every page forbids framing and sniffing, runs only scripts carrying its nonce, and asks for HTTPS only over HTTPS."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from mfo.database import db
from mfo.database.models import Role, User
from mfo.extensions import limiter
from tests.helpers import post_form

# (who asks, URL, expected status). {user} and {role} stand for a real user's and role's id.
PAGES = [
    ("anonymous", "/", 200),
    ("anonymous", "/login", 200),
    ("anonymous", "/register", 200),
    ("anonymous", "/reset", 200),
    ("anonymous", "/confirm", 200),
    ("anonymous", "/no-such-page", 404),
    ("anonymous", "/healthz", 200),
    ("staff", "/", 200),
    ("staff", "/account/", 200),
    ("staff", "/account/security", 200),
    ("staff", "/change", 200),
    ("staff", "/change-email", 200),
    ("staff", "/tf-setup", 200),
    ("staff", "/wan-register", 200),
    ("staff", "/verify", 200),
    ("staff", "/admin/", 403),
    ("admin", "/admin/", 200),
    ("admin", "/admin/user/", 200),
    ("admin", "/admin/user/new/", 200),
    ("admin", "/admin/user/details/?id={user}", 200),
    ("admin", "/admin/user/edit/?id={user}", 200),
    ("admin", "/admin/role/", 200),
    ("admin", "/admin/role/new/", 200),
    ("admin", "/admin/role/edit/?id={role}", 200),
    ("admin", "/admin/audit/", 200),
    ("admin", "/mf-recovery-codes", 200),
]

# Attributes that run JavaScript when an event fires: the CSP refuses every one of them.
INLINE_HANDLER = re.compile(r"<[^>]*?\son[a-z]+\s*=", re.IGNORECASE)


class ScriptTags(HTMLParser):
    """Collect the attributes of every <script> element of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Keep the attributes of each <script> start tag."""
        if tag == "script":
            self.scripts.append(dict(attrs))


def csp_directives(response) -> dict[str, list[str]]:
    """Return the response's Content-Security-Policy as {directive: [sources]}."""
    policy = response.headers.get("Content-Security-Policy")
    assert policy, "no Content-Security-Policy header"
    directives = {}
    for part in policy.split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


def csp_nonce(response) -> str:
    """Return the nonce the CSP allows scripts with."""
    nonces = [s[len("'nonce-") : -1] for s in csp_directives(response)["script-src"] if s.startswith("'nonce-")]
    assert len(nonces) == 1, "script-src carries no (or several) nonces"
    return nonces[0]


def assert_security_headers(response) -> None:
    """Assert the headers every answer carries: CSP without unsafe sources, no framing, no sniffing, a referrer policy."""
    directives = csp_directives(response)
    script_src = directives["script-src"]
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src, script_src
    assert "*" not in script_src and "data:" not in script_src, script_src
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]
    assert "'unsafe-inline'" not in directives.get("style-src", [])
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] in ("strict-origin-when-cross-origin", "same-origin", "no-referrer")


@pytest.fixture
def ids(app, users) -> dict[str, int]:
    """Return the ids the page table refers to: a staff user's and the staff role's."""
    return {
        "user": db.session.execute(db.select(User.id).filter_by(email=users["staff"])).scalar_one(),
        "role": db.session.execute(db.select(Role.id).filter_by(name="staff")).scalar_one(),
    }


@pytest.mark.parametrize(("who", "url", "status"), PAGES, ids=[f"{who}:{url}" for who, url, _ in PAGES])
def test_every_page_carries_the_security_headers(who, url, status, anon_client, client_for, ids):
    """Each page a user reaches sends the CSP (nonce, no unsafe sources), DENY framing, nosniff and a referrer policy."""
    client = anon_client if who == "anonymous" else client_for(who)
    response = client.get(url.format(**ids))
    assert response.status_code == status
    assert_security_headers(response)


@pytest.mark.parametrize(("who", "url", "status"), PAGES, ids=[f"{who}:{url}" for who, url, _ in PAGES])
def test_every_script_on_a_page_carries_its_nonce(who, url, status, anon_client, client_for, ids):
    """Every <script> element has this response's nonce, and no element has an inline on...= handler."""
    client = anon_client if who == "anonymous" else client_for(who)
    response = client.get(url.format(**ids))
    nonce = csp_nonce(response)
    if response.mimetype != "text/html":
        return
    page = response.get_data(as_text=True)
    parser = ScriptTags()
    parser.feed(page)
    for script in parser.scripts:
        assert script.get("nonce") == nonce, f"a <script> without this page's nonce: {script}"
    handlers = INLINE_HANDLER.findall(page)
    # A handler left by a Flask-Admin template we do not override is rebound by inline-handlers.js.
    if handlers:
        assert "/admin/assets/js/inline-handlers.js" in page, handlers


def test_every_response_gets_a_new_nonce(anon_client):
    """The nonce changes on every response, so a nonce seen once cannot be reused by injected markup."""
    nonces = {csp_nonce(anon_client.get("/login")) for _ in range(5)}
    assert len(nonces) == 5
    assert all(len(nonce) >= 16 for nonce in nonces)


def test_the_admin_list_page_loads_the_handler_rebinder(admin_client):
    """The admin pages, where Flask-Admin's templates bring click handlers, load inline-handlers.js with the nonce."""
    response = admin_client.get("/admin/user/")
    page = response.get_data(as_text=True)
    nonce = csp_nonce(response)
    assert re.search(rf'<script nonce="{nonce}" src="[^"]*/admin/assets/js/inline-handlers\.js', page)
    assert "data-onclick=" in page  # Flask-Admin's confirm on delete, moved out of reach of the CSP


def test_hsts_only_over_https(anon_client):
    """Over http there is no Strict-Transport-Security (it would be ignored); over HTTPS there is, for a year or more."""
    assert "Strict-Transport-Security" not in anon_client.get("/").headers
    response = anon_client.get("/", base_url="https://localhost")
    hsts = response.headers["Strict-Transport-Security"]
    max_age = int(re.search(r"max-age=(\d+)", hsts).group(1))
    assert max_age >= 31536000
    assert "includeSubDomains" in hsts
    assert_security_headers(response)


def test_error_pages_carry_the_headers(staff_client, anon_client):
    """Errors (404, 403, 405, 400) are pages too: they keep every security header and the script nonces."""
    for response in (
        anon_client.get("/no-such-page"),
        staff_client.get("/admin/"),
        anon_client.get("/logout"),
        staff_client.post("/account/sign-out-everywhere"),
    ):
        assert response.status_code in (400, 403, 404, 405)
        assert_security_headers(response)
        parser = ScriptTags()
        parser.feed(response.get_data(as_text=True))
        assert parser.scripts and all(s.get("nonce") == csp_nonce(response) for s in parser.scripts)


@pytest.mark.settings(RATELIMIT_ENABLED=True, MFO_RATELIMIT_SIGNIN="1 per minute", MFO_LOCKOUT_THRESHOLD=0)
def test_the_429_page_carries_the_headers(anon_client):
    """The rate-limit refusal is rendered with every security header and a nonce on its scripts."""
    limiter.reset()
    data = {"email": "nobody@example.org", "password": "not-the-password"}
    post_form(anon_client, "/login", data)
    response = post_form(anon_client, "/login", data)
    assert response.status_code == 429
    assert_security_headers(response)
    parser = ScriptTags()
    parser.feed(response.get_data(as_text=True))
    assert parser.scripts and all(s.get("nonce") == csp_nonce(response) for s in parser.scripts)


def test_json_answers_carry_the_headers(anon_client):
    """JSON answers (the health check, JSON errors) are framed-protected and nosniff too."""
    for response in (anon_client.get("/healthz"), anon_client.get("/no-such-page", headers={"Accept": "application/json"})):
        assert response.is_json
        assert_security_headers(response)


def test_sign_in_pages_are_not_cached(anon_client):
    """Pages with forms and account details tell caches not to store them."""
    cache_control = anon_client.get("/login").headers.get("Cache-Control", "")
    directives = {part.strip() for part in cache_control.split(",")}
    assert "no-store" in directives, cache_control
    assert "private" in directives, cache_control
