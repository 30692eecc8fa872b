"""Plain helpers for tests: sign in, sign out, read CSRF tokens and emailed links."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

PASSWORD = "festival-Pass-2026"
NEW_PASSWORD = "another-Strong-pass-77"

_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')
_LINK = re.compile(r"https?://[^\s\"'<>]+")


def csrf_token(client: FlaskClient, url: str = "/") -> str:
    """Return a CSRF token from the first form on the page at `url`."""
    page = client.get(url).get_data(as_text=True)
    match = _CSRF.search(page)
    assert match, f"no CSRF token on {url}"
    return match.group(1) or match.group(2)


def post_form(client: FlaskClient, url: str, data: dict | None = None, token_from: str | None = None, **kwargs):
    """POST a form with a valid CSRF token (read from `token_from`, by default the same URL)."""
    data = dict(data or {})
    data.setdefault("csrf_token", csrf_token(client, token_from or url))
    return client.post(url, data=data, **kwargs)


def login(client: FlaskClient, email: str, password: str = PASSWORD, second_factor: bool = True, **extra):
    """Sign in through the sign-in form and return the last response (not followed).

    When the user has an authenticator app set up, the code it would show is entered too
    (unless second_factor is False, to test the step itself).
    """
    response = post_form(client, "/login", {"email": email, "password": password, **extra})
    if second_factor and response.status_code == 302 and "/tf-validate" in response.headers["Location"]:
        response = post_form(client, response.headers["Location"], {"code": totp_code(email)}, token_from="/tf-validate")
    return response


def totp_code(email: str) -> str:
    """Return a code the user's authenticator app shows now, or soon (needs an app context).

    Each code is accepted once: when this user's code for the current 30 seconds was used
    already (a test signing in twice), return the next step's, which the validity window accepts.
    """
    from flask_security.proxies import _security

    from mfo.database import db
    from mfo.database.models import user_datastore

    db.session.expire_all()
    user = user_datastore.find_user(email=email)
    totp = _security.totp_factory._totp.from_source(user.tf_totp_secret)
    step = max(totp.generate().counter, (user.tf_totp_last_step or -1) + 1)
    return totp.generate(time=step * totp.period).token


def logout(client: FlaskClient):
    """Sign out with the nav's POST form."""
    return post_form(client, "/logout", token_from="/")


def links_in(message) -> list[str]:
    """Return every URL in an email's text body."""
    return _LINK.findall(message.body)


def submit_from_basket(client: FlaskClient, basket: str, kinds: tuple[str, ...] = ("processing",)):
    """Submit the basket from its page as an entrant does: the consent boxes of these kinds ticked for every performer."""
    html = client.get(basket).get_data(as_text=True)
    return post_form(client, basket + "/submit", consents_in(html, kinds), token_from=basket)


def consents_in(html: str, kinds: tuple[str, ...] = ("processing",)) -> dict[str, str]:
    """Return the basket form's consent boxes of these kinds ticked, for every performer the page asks about."""
    return {name: "yes" for name in re.findall(r'name="(consent-\d+-[a-z-]+)"', html) if name.split("-", 2)[2] in kinds}
