"""Crafted input is a 400 with the usual error page (JSON for JSON clients), never a 500: JSON bodies, NUL characters, admin parameters."""

from __future__ import annotations

import itertools
import json

import pytest
from flask.testing import FlaskClient

from mfo.database import db
from mfo.database.models import Role
from tests.admin_helpers import fresh_role, fresh_user
from tests.helpers import csrf_token, login, post_form

# Unexpected exceptions become a 500 answer here rather than an error in the test, so a table
# lists every case that fails, not just the first one.
pytestmark = pytest.mark.settings(PROPAGATE_EXCEPTIONS=False)

SIGN_IN = {"email": "staff@example.org", "password": "not-the-password"}
# JSON bodies no form could send: not an object, objects and numbers where text is expected.
CRAFTED_BODIES = [
    '"x"',
    "[1, 2]",
    "1",
    "true",
    "null",
    "",
    "{not json",
    json.dumps({**SIGN_IN, "next": {"a": 1}}),
    json.dumps({**SIGN_IN, "next": 5}),
    json.dumps({**SIGN_IN, "next": [{"a": 1}]}),
    json.dumps({"email": {"$ne": None}, "password": "x"}),
    json.dumps({"email": ["staff@example.org", {"x": 1}], "password": "x"}),
    json.dumps({"code": {"a": 1}}),
    json.dumps({"code": 123456}),
    json.dumps({**SIGN_IN, "remember": {"x": 1}}),
    json.dumps({"email": "staff@example.org\u0000", "password": "x"}),
]
# Sign-in, register, forgot-password, confirmation and the two-factor steps.
ACCOUNT_ENDPOINTS = [
    "/login",
    "/register",
    "/reset",
    "/reset/not-a-token",
    "/confirm",
    "/tf-validate",
    "/tf-rescue",
    "/mf-recovery",
    "/tf-select",
]
SIGNED_IN_ENDPOINTS = ["/tf-setup", "/verify", "/change", "/change-email", "/mf-recovery-codes", "/wan-register", "/wan-delete"]


def post_json(client: FlaskClient, url: str, body: str, token: str):
    """POST a raw JSON body with a valid CSRF token in its header, as a script on the page would."""
    return client.post(url, data=body, content_type="application/json", headers={"X-CSRFToken": token})


def answers(client: FlaskClient, urls: list[str], token: str) -> list[tuple[str, str, int]]:
    """Post every crafted body to every URL; return (url, body, status) of each answer that is not a 4xx JSON error."""
    wrong = []
    for url, body in itertools.product(urls, CRAFTED_BODIES):
        response = post_json(client, url, body, token)
        if not 400 <= response.status_code < 500 or not response.is_json:
            wrong.append((url, body, response.status_code))
    return wrong


def test_sign_in_with_a_json_string_is_a_400(anon_client):
    """The finding: POST /login with the JSON body "x" was a 500. It is a 400, as JSON."""
    token = csrf_token(anon_client, "/login")
    response = post_json(anon_client, "/login", '"x"', token)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == 400


def test_next_as_an_object_is_a_400_even_with_the_right_password(app, anon_client, users):
    """`next` as an object with the right password was a 500 at the redirect; it is a 400 and signs no one in."""
    token = csrf_token(anon_client, "/login")
    body = json.dumps({"email": users["staff"], "password": "festival-Pass-2026", "next": {"a": 1}})
    response = post_json(anon_client, "/login", body, token)
    assert response.status_code == 400
    assert anon_client.get("/account/").status_code == 302


def test_crafted_bodies_on_the_account_endpoints_get_4xx(app, anon_client, users):
    """Every crafted body on sign-in, register, forgot-password and the two-factor steps: a 4xx JSON answer."""
    token = csrf_token(anon_client, "/login")
    assert answers(anon_client, ACCOUNT_ENDPOINTS, token) == []


def test_crafted_bodies_in_the_middle_of_a_two_factor_sign_in_get_4xx(app, anon_client, users):
    """Past the password, on the code step: the crafted bodies still get 4xx (and the code step stays usable)."""
    response = login(anon_client, users["admin"], second_factor=False)
    assert "/tf-validate" in response.headers["Location"]
    token = csrf_token(anon_client, "/tf-validate")
    assert answers(anon_client, ["/tf-validate", "/tf-rescue", "/mf-recovery"], token) == []


def test_crafted_bodies_from_a_signed_in_user_get_4xx(app, staff_client):
    """Signed in: set-up, re-authentication, password and email changes, passkeys: 4xx for every crafted body."""
    token = csrf_token(staff_client, "/account/")
    assert answers(staff_client, SIGNED_IN_ENDPOINTS + ["/login", "/reset"], token) == []


def test_well_formed_json_still_works(app, anon_client, users):
    """A JSON client with a proper body signs in (Flask-Security's JSON API is unchanged)."""
    token = csrf_token(anon_client, "/login")
    body = json.dumps({"email": users["staff"], "password": "festival-Pass-2026", "remember": True})
    response = post_json(anon_client, "/login", body, token)
    assert response.status_code == 200 and response.get_json()["meta"]["code"] == 200
    assert anon_client.get("/account/").status_code == 200


@pytest.mark.parametrize("url", ["/reset/%00", "/login?next=%00", "/?x=%00", "/admin/user/?search=%00", "/admin/user/?flt0_0=%00"])
def test_nul_characters_anywhere_get_400(admin_client, url):
    """A NUL character in the path or the query string is a 400 page (PostgreSQL cannot even compare it)."""
    response = admin_client.get(url)
    assert response.status_code == 400
    assert 'id="error-page"' in response.get_data(as_text=True)


def test_nul_characters_in_a_form_get_400(anon_client):
    """A NUL character in a posted form field is a 400 too."""
    response = post_form(anon_client, "/reset", {"email": "staff@example.org\x00"})
    assert response.status_code == 400


# --- the admin's parameters


def test_a_line_break_in_the_admin_return_url_is_a_400(app, admin_client, users):
    """The finding: a CR/LF in `url` on /admin/role/delete/ was a 500 (Werkzeug refused the redirect).

    It is a 400 page, no header is injected, and nothing is deleted.
    """
    role = Role(name="jury", permissions=[])
    db.session.add(role)
    db.session.commit()
    response = post_form(admin_client, "/admin/role/delete/?url=%0d%0aSet-Cookie:%20x=1", {"id": str(role.id)}, token_from="/admin/role/")
    assert response.status_code == 400
    assert 'id="error-page"' in response.get_data(as_text=True)
    assert "Set-Cookie: x=1" not in str(response.headers)
    assert fresh_role("jury") is not None


def test_the_admin_return_url_still_brings_you_back(app, admin_client, users):
    """Flask-Admin's own return URLs (a path on this site) keep working."""
    staff = fresh_user(users["staff"]).id
    response = admin_client.get(f"/admin/user/details/?id={staff}&url=/admin/user/%3Fsearch%3Dstaff")
    assert response.status_code == 200
    missing = admin_client.get("/admin/user/details/?id=999999&url=/admin/user/%3Fsearch%3Dstaff")
    assert missing.status_code == 302 and missing.headers["Location"] == "/admin/user/?search=staff"


# Parameters Flask-Admin would have turned into a 500 (or an off-site return): refused with 400.
REFUSED_PARAMETERS = [
    "url=%0d%0aX:1",
    "url=/x%0aY",
    "url=/x%09y",
    "url=//evil.example/",
    "url=/%5Cevil.example",
    "url=https://evil.example/",
    "url=javascript:alert(1)",
    "page=-1",
    "page=99999999999999999999",
    "search=%00",
]
# Odd but harmless parameters: Flask-Admin answers them normally. Never a 500.
TOLERATED_PARAMETERS = [
    "id=%0d%0a",
    "id[]=1",
    "page=abc",
    "sort=999",
    "sort=-1",
    "desc=x",
    "page_size=100000000",
    "page_size=-5",
    "search=%25%25%25",
    "search=%0d%0a",
    "flt1_5=abc",
    "flt0_99=x",
]
ADMIN_PAGES = [
    "/admin/user/",
    "/admin/role/",
    "/admin/audit/",
    "/admin/user/details/",
    "/admin/user/edit/",
    "/admin/user/new/",
    "/admin/role/edit/",
    "/admin/user/export/csv/",
    "/admin/audit/export/csv/",
]
ADMIN_POSTS = ["/admin/role/delete/", "/admin/user/delete/", "/admin/user/action/", "/admin/role/edit/"]


def test_crafted_admin_parameters_get_400_and_odd_ones_never_500(app, admin_client, users):
    """Walk the admin's pages and forms with crafted parameters: refused ones are 400, the rest anything but a 500."""
    wrong = []
    for page, parameters in itertools.product(ADMIN_PAGES, REFUSED_PARAMETERS + TOLERATED_PARAMETERS):
        response = admin_client.get(f"{page}?{parameters}")
        response.close()  # exports stream their rows
        if (parameters in REFUSED_PARAMETERS and response.status_code != 400) or response.status_code >= 500:
            wrong.append(("GET", page, parameters, response.status_code))
    form = {"id": "999999", "action": "deactivate", "rowid": "999999", "name": "x"}
    for page, parameters in itertools.product(ADMIN_POSTS, REFUSED_PARAMETERS + TOLERATED_PARAMETERS):
        response = post_form(admin_client, f"{page}?{parameters}", form, token_from="/admin/")
        if (parameters in REFUSED_PARAMETERS and response.status_code != 400) or response.status_code >= 500:
            wrong.append(("POST", page, parameters, response.status_code))
    assert wrong == []
