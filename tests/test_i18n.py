"""Languages: the locale comes from the profile, then the switcher, then Accept-Language; every string is translated."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from mfo.database import db
from mfo.i18n import select_locale
from tests.admin_helpers import fresh_user, page
from tests.helpers import post_form

ROOT = Path(__file__).resolve().parent.parent
FRENCH_CATALOG = ROOT / "mfo" / "translations" / "fr" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w*\}")


def french(client):
    """Ask for pages in French, the way a French browser does."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "fr-FR,fr;q=0.9,en;q=0.5"
    return client


def test_home_page_follows_accept_language(anon_client):
    """A French browser gets the home page in French; an English one in English."""
    html = page(french(anon_client).get("/"))
    assert '<html lang="fr"' in html and "Organisateur de festival de musique" in html and "Se connecter" in html
    anon_client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en-GB,en;q=0.9"
    html = page(anon_client.get("/"))
    assert '<html lang="en"' in html and "Music Festival Organizer" in html


def test_flask_security_pages_follow_the_locale(anon_client):
    """Flask-Security's sign-in and registration pages come out in French too (its own catalog)."""
    french(anon_client)
    assert "Mot de passe" in page(anon_client.get("/login"))
    assert "Mot de passe" in page(anon_client.get("/register"))


def test_flask_admin_pages_follow_the_saved_locale(app, users, admin_client):
    """An admin whose profile says French sees Flask-Admin's own words in French."""
    user = fresh_user(users["admin"])
    user.locale = "fr"
    db.session.commit()
    html = page(admin_client.get("/admin/user/"))
    assert "Utilisateurs" in html  # our menu label
    assert "Exporter" in html or "Créer" in html  # Flask-Admin's list buttons, from its catalog


def test_saved_locale_beats_accept_language(app, users, staff_client):
    """A profile saved in English wins over a French browser."""
    user = fresh_user(users["staff"])
    user.locale = "en"
    db.session.commit()
    html = page(french(staff_client).get("/account/"))
    assert '<html lang="en"' in html and "Your account" in html


def test_switcher_stores_the_choice_for_visitors_and_on_the_profile(app, users, anon_client, staff_client):
    """The footer switch keeps a visitor's choice in the session and a user's on their profile."""
    response = post_form(anon_client, "/language", {"locale": "fr", "next": "/login"}, token_from="/")
    assert response.status_code == 303 and response.headers["Location"].endswith("/login")
    assert '<html lang="fr"' in page(anon_client.get("/"))
    post_form(staff_client, "/language", {"locale": "fr", "next": "/account/"}, token_from="/")
    assert fresh_user(users["staff"]).locale == "fr"


def test_switcher_refuses_unknown_languages_and_off_site_next(app, anon_client):
    """An unknown locale is refused with a message; `next` pointing off-site lands on the home page."""
    response = post_form(anon_client, "/language", {"locale": "xx", "next": "/login"}, token_from="/", follow_redirects=True)
    assert "That language is not available." in page(response)
    assert '<html lang="en"' in page(anon_client.get("/"))
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        response = post_form(anon_client, "/language", {"locale": "fr", "next": target}, token_from="/")
        assert response.headers["Location"] in ("/", "http://localhost/"), target


def test_cli_and_background_code_get_the_default_locale(app):
    """Outside a request (CLI commands, mail jobs) the locale is the default, without an error."""
    with app.app_context():
        assert select_locale() == app.config["BABEL_DEFAULT_LOCALE"]


def test_every_string_is_translated_into_french():
    """Every string the code and templates mark for translation has a French translation with the same placeholders."""
    with open(ROOT / "babel.cfg") as config:
        method_map, options_map = parse_mapping_cfg(config)
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
    extracted = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=keywords
    ):
        extracted.add(message if isinstance(message, str) else tuple(message))
    with open(FRENCH_CATALOG, "rb") as po:
        catalog = read_po(po)
    translated = {}
    for entry in catalog:
        if entry.id and entry.string and "fuzzy" not in entry.flags:
            key = entry.id if isinstance(entry.id, str) else tuple(entry.id)
            if all(entry.string if isinstance(entry.string, str) else entry.string):
                translated[key] = entry.string
    untranslated = sorted(str(m) for m in extracted if m not in translated)
    assert not untranslated, "run `make messages` and translate them:\n" + "\n".join(untranslated)
    for key, string in translated.items():
        ids = [key] if isinstance(key, str) else list(key)
        strings = [string] if isinstance(string, str) else list(string)
        wanted = sorted(PLACEHOLDER.findall(ids[-1]))
        for text in strings:
            assert sorted(PLACEHOLDER.findall(text)) == wanted, (key, text)
