"""Caches keep nothing a signed-in user was shown: every route, walked as a signed-in admin, says `private, no-store`."""

from __future__ import annotations

import re
import uuid
from datetime import date

import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug.routing import Rule

from mfo.database import db
from mfo.database.models import User
from tests.festival_helpers import make_class, make_entry, make_festival, make_person, make_piece, make_school
from tests.helpers import post_form

# A value for each kind of URL argument that no record gives (see url_values).
CONVERTER_VALUES = {"int": "1", "float": "1.0", "uuid": str(uuid.UUID(int=1)), "path": "x", "default": "x"}
# Arguments named here get this value: the export format Flask-Admin offers, a token that is no token.
NAMED_VALUES = {"export_type": "csv", "token": "not-a-valid-token"}
_ARGUMENT = re.compile(r"<(?:(?P<converter>[a-zA-Z_]+)(?:\([^)]*\))?:)?(?P<name>\w+)>")


def cache_directives(response) -> set[str]:
    """Return the response's Cache-Control directives, lower case."""
    return {part.strip().lower() for part in response.headers.get("Cache-Control", "").split(",") if part.strip()}


def is_static(rule: Rule) -> bool:
    """Tell whether the rule serves static files (the same for everyone, and cacheable)."""
    return rule.endpoint == "static" or rule.endpoint.endswith(".static")


@pytest.fixture
def festival_records(app) -> dict[str, object]:
    """A festival with a class, a piece, a school, a person and an entry, so that festival pages have something to show."""
    festival = make_festival()
    festival_class = make_class(festival, "101", "Piano Solo", discipline="Piano", level="Grade 3")
    piece = make_piece("Arabesque No. 1", "Debussy", duration=240)
    school = make_school("Conservatoire de Quartier")
    person = make_person("Ada", "Lovelace", date(2015, 5, 1), school_id=school.id)
    make_entry(festival_class, [person], [(piece, 240)])
    db.session.commit()
    return {"festival_slug": festival.slug}


def record_id(stem: str) -> str | None:
    """Return the id of a record of the table named `stem` (or ending in `_stem`), if there is one."""
    for mapper in db.Model.registry.mappers:
        table = mapper.local_table.name
        if (table == stem or table.endswith(f"_{stem}")) and "id" in mapper.columns:
            found = db.session.scalar(select(mapper.columns["id"]).limit(1))
            if found is not None:
                return str(found)
    return None


def url_values(rule: Rule, known: dict[str, object]) -> dict[str, str]:
    """Return a value for every argument of the rule: a known one, a real record's id, or one its converter accepts."""
    values = {}
    for match in _ARGUMENT.finditer(rule.rule):
        name, converter = match["name"], match["converter"] or "default"
        if name in known:
            values[name] = str(known[name])
        elif name in NAMED_VALUES:
            values[name] = NAMED_VALUES[name]
        elif converter == "int" and name.endswith("_id") and record_id(name.removesuffix("_id")) is not None:
            values[name] = record_id(name.removesuffix("_id"))
        else:
            # Any value the rule accepts will do: a 404 page for a signed-in user must not be cached either.
            values[name] = CONVERTER_VALUES.get(converter, "x")
    return values


def admin_query(app: Flask, rule: Rule) -> str:
    """Return ?id= of a real record for an admin details or edit page, else nothing."""
    view_name, _, method = rule.endpoint.partition(".")
    if method not in ("details_view", "edit_view"):
        return ""
    for view in app.extensions["admin"][0]._views:
        if view.endpoint == view_name and getattr(view, "model", None) is not None:
            found = db.session.scalar(select(view.model).limit(1))
            if found is not None:
                return f"?id={view.get_pk_value(found)}"
    return ""


def build_url(app: Flask, rule: Rule, known: dict[str, object]) -> str:
    """Return a URL for the rule with every argument filled in."""
    values = url_values(rule, known)
    url = _ARGUMENT.sub(lambda match: values[match["name"]], rule.rule)
    return url + admin_query(app, rule)


def test_every_route_answers_a_signed_in_user_with_no_store(app, admin_client, users, festival_records):
    """Walk app.url_map as a signed-in admin: every GET answer (pages, errors, redirects, exports) says private, no-store."""
    rules = [rule for rule in app.url_map.iter_rules() if "GET" in rule.methods]
    # A few of Flask-Security's pages sign out a signed-in user who opens them out of turn (the
    # second-factor steps): every request goes with the session cookie of the signed-in admin.
    signed_in = admin_client.get_cookie("session").value
    walked, uncached = [], []
    for rule in rules:
        if is_static(rule):
            continue
        url = build_url(app, rule, festival_records)
        admin_client.set_cookie("session", signed_in, domain="localhost")
        response = admin_client.get(url)
        walked.append(rule)
        if not {"private", "no-store"} <= cache_directives(response):
            uncached.append((url, response.status_code, response.headers.get("Cache-Control")))
    # Nothing was left out silently: every GET rule was requested, but for the static files.
    assert {rule.rule for rule in walked} | {rule.rule for rule in rules if is_static(rule)} == {rule.rule for rule in rules}
    assert [rule for rule in rules if is_static(rule)] and len(walked) >= 40
    assert uncached == [], "\n".join(map(str, uncached))
    admin_client.set_cookie("session", signed_in, domain="localhost")
    assert admin_client.get("/account/").status_code == 200  # every request was a signed-in one


def test_the_walk_reaches_the_pages_that_matter(app, admin_client, users, festival_records):
    """The pages the finding named answer 200 to the admin with no-store: home, account, admin lists, details, exports."""
    staff_id = db.session.scalar(select(User.id).where(User.email == users["staff"]))
    for url in ("/", "/account/", "/admin/user/", "/admin/role/", "/admin/audit/", f"/admin/user/details/?id={staff_id}"):
        response = admin_client.get(url)
        assert response.status_code == 200, url
        assert {"private", "no-store"} <= cache_directives(response), url
    export = admin_client.get("/admin/user/export/csv/")
    assert export.status_code == 200 and export.mimetype == "text/csv"
    assert export.headers["Content-Disposition"].startswith("attachment")
    assert cache_directives(export) == {"private", "no-store"}


def test_other_signed_in_users_and_their_form_posts_are_not_cached_either(staff_client, organizer_client):
    """Not only admins: a staff member's home and account pages, an organizer's refused page and a re-shown form."""
    for client, url in ((staff_client, "/"), (staff_client, "/account/security"), (staff_client, "/admin/")):
        assert {"private", "no-store"} <= cache_directives(client.get(url)), url
    refused = post_form(organizer_client, "/admin/user/new/", {"email": "not-an-email", "invite": "y"})
    assert refused.status_code == 200 and {"private", "no-store"} <= cache_directives(refused)


def test_static_files_stay_cacheable(admin_client):
    """Stylesheets and scripts are the same for everyone: they are not marked no-store, even for a signed-in user."""
    response = admin_client.get("/static/mfo.css")
    response.close()
    assert response.status_code == 200
    assert "no-store" not in cache_directives(response)
