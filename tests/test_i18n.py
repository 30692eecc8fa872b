"""Languages: the locale comes from the profile, then the switcher, then Accept-Language; every string is translated."""

from __future__ import annotations

import html
import re

import pytest

from mfo.database import db
from mfo.features import FEATURES
from mfo.i18n import select_locale
from tests.admin_helpers import fresh_user, page
from tests.helpers import post_form
from tools import catalogs

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


@pytest.mark.parametrize("owner", catalogs.owners(), ids=lambda owner: owner.name)
def test_every_string_is_translated_into_french(owner):
    """Every string a package (the site, or an installed feature) marks has a French translation in its own
    catalog, with the same placeholders."""
    extracted = {m.id if isinstance(m.id, str) else tuple(m.id) for m in catalogs.extract(owner) if m.id}
    if not extracted:
        return
    path = catalogs.po_path(owner, "fr")
    assert path.exists(), f"{owner.name} marks strings but has no French catalog: run `make messages`"
    translated = {}
    for entry in catalogs.read_catalog(path, "fr"):
        if entry.id and entry.string and "fuzzy" not in entry.flags:
            key = entry.id if isinstance(entry.id, str) else tuple(entry.id)
            if all(entry.string if isinstance(entry.string, str) else entry.string):
                translated[key] = entry.string
    untranslated = sorted(str(m) for m in extracted if m not in translated)
    assert not untranslated, f"run `make messages` and translate them in {path}:\n" + "\n".join(untranslated)
    for key, string in translated.items():
        ids = [key] if isinstance(key, str) else list(key)
        strings = [string] if isinstance(string, str) else list(string)
        wanted = sorted(PLACEHOLDER.findall(ids[-1]))
        for text in strings:
            assert sorted(PLACEHOLDER.findall(text)) == wanted, (key, text)


def test_catalogs_follow_the_installed_features():
    """One catalog per installed feature, plus the site's own, which leaves every feature's strings to it."""
    owners = catalogs.owners()
    assert [owner.name for owner in owners] == ["mfo", *FEATURES]
    site = owners[0]
    assert set(site.excluded) == {owner.source for owner in owners[1:]}
    site_strings = {m.id for m in catalogs.extract(site) if m.id}
    assert "Your profile has been saved." not in site_strings  # the account feature's own
    assert "Main navigation" in site_strings  # the shared layout's


def test_each_features_catalog_is_loaded(app):
    """The app reads the site's catalog and every feature's, so a feature's strings render in French."""
    directories = app.config["BABEL_TRANSLATION_DIRECTORIES"].split(";")
    for owner in catalogs.owners():
        if owner.translations.is_dir():
            assert str(owner.translations) in directories
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        from flask_babel import gettext

        assert gettext("Your profile has been saved.") == "Votre profil a été enregistré."


# French typography: a non-breaking space (or a narrow one) before : ; ? and !. A colon inside a
# URL (https://) or between digits (4:30) is no punctuation.
NON_BREAKING = "\u00a0\u202f"
FRENCH_PUNCTUATION = re.compile(r"[:;?!]")


def spacing_mistakes(text: str) -> list[str]:
    """Return the places in a French text where : ; ? or ! lacks the non-breaking space before it."""
    plain = PLACEHOLDER.sub("X", text)
    mistakes = []
    for match in FRENCH_PUNCTUATION.finditer(plain):
        position = match.start()
        before, after = plain[position - 1 : position], plain[position + 1 : position + 3]
        if match.group() == ":" and (after.startswith("//") or (before.isalnum() and after[:1].isalnum())):
            continue  # a URL, a time (4:30) or a format (m:ss), not punctuation
        if before and before in NON_BREAKING:
            continue
        mistakes.append(plain[max(0, position - 20) : position + 1])
    return mistakes


def french_strings(owner) -> list[tuple[str, str]]:
    """Return every (message id, French text) of a package's catalog (both forms of plurals)."""
    path = catalogs.po_path(owner, "fr")
    if not path.exists():
        return []
    pairs = []
    for entry in catalogs.read_catalog(path, "fr"):
        if entry.id:
            for text in entry.string if isinstance(entry.string, tuple) else (entry.string,):
                pairs.append((str(entry.id), text or ""))
    return pairs


def test_spacing_mistakes_are_found():
    """The check itself: a plain or missing space is a mistake; a non-breaking one, a URL or a time is not."""
    assert spacing_mistakes("Langue\u00a0: français\u202f; oui\u00a0? non\u00a0!") == []
    assert spacing_mistakes("Langue : x") and spacing_mistakes("Langue: x") and spacing_mistakes("Vraiment ?")
    assert spacing_mistakes("Ouvrez https://example.org à 4:30, durée en m:ss") == []
    assert spacing_mistakes("%(field)s\u00a0: %(value)s") == []


@pytest.mark.parametrize("owner", catalogs.owners(), ids=lambda owner: owner.name)
def test_french_has_a_non_breaking_space_before_colons_and_question_marks(owner):
    """French puts a non-breaking space before : ; ? and ! (so the mark never starts a line); every catalog does."""
    problems = [f"{message!r}: …{mistake}" for message, text in french_strings(owner) for mistake in spacing_mistakes(text)]
    assert not problems, f"use a non-breaking space (U+00A0) in {catalogs.po_path(owner, 'fr')}:\n" + "\n".join(problems)


@pytest.mark.parametrize("owner", catalogs.owners(), ids=lambda owner: owner.name)
def test_french_says_adresse_e_mail(owner):
    """One spelling in French: "e-mail" ("adresse e-mail"), never "email", "mail" or "courriel"."""
    wrong = re.compile(r"(?<![-%(])\b(e?mails?|courriels?)\b", re.IGNORECASE)
    problems = [f"{message!r}: {text}" for message, text in french_strings(owner) if wrong.search(PLACEHOLDER.sub("", text))]
    assert not problems, "\n".join(problems)


def test_a_message_has_one_french_translation_across_catalogs():
    """The app merges every catalog into one: a message marked by two packages must read the same in both,
    or which translation shows would depend on the order the catalogs load in."""
    seen: dict[object, tuple[str, object]] = {}
    clashes = []
    for owner in catalogs.owners():
        path = catalogs.po_path(owner, "fr")
        for entry in catalogs.read_catalog(path, "fr") if path.exists() else ():
            if not entry.id:
                continue
            message = entry.id if isinstance(entry.id, str) else tuple(entry.id)
            text = entry.string if isinstance(entry.string, str) else tuple(entry.string)
            if message in seen and seen[message][1] != text:
                clashes.append(f"{message!r}: {seen[message][0]} says {seen[message][1]!r}, {owner.name} says {text!r}")
            seen.setdefault(message, (owner.name, text))
    assert not clashes, "\n".join(clashes)


# --- Flask-Security's pages and messages in the site's words


def test_the_sign_in_page_says_sign_in_in_both_languages(anon_client):
    """Heading and button say "Sign in" ("Se connecter"), never Flask-Security's "Login" ("Connexion")."""
    english = page(anon_client.get("/login"))
    assert '<h1 class="h3 card-title">Sign in</h1>' in english and 'value="Sign in"' in english
    assert "Login" not in english and "Log in" not in english and "Email address" in english
    french_page = html.unescape(page(french(anon_client).get("/login")))
    assert "Se connecter" in french_page and 'value="Se connecter"' in french_page and "Adresse e-mail" in french_page
    assert "Connexion" not in french_page and "Adresse email" not in french_page


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "The email address or password is incorrect."), ("fr", "L'adresse e-mail ou le mot de passe est incorrect.")],
)
def test_a_refused_sign_in_reads_plainly_in_both_languages(anon_client, users, language, expected):
    """A wrong password gets a plain sentence from our catalog, not "Authentication failed - identity or password/passcode invalid"."""
    anon_client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    response = post_form(anon_client, "/login", {"email": users["staff"], "password": "not-the-password"})
    text = html.unescape(page(response))
    assert expected in text and "Authentication failed" not in text and "Échec de l'authentification" not in text


def test_every_replaced_flask_security_message_is_ours_in_french(app):
    """Each message we replace comes out of our catalog in French: translated, "adresse e-mail", French spacing."""
    from flask_security.utils import get_message

    from mfo.security.messages import MESSAGES

    values = {"email": "a@example.org", "within": "1 jour", "name": "clé", "cause": "x"}
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        for key, (message, category) in MESSAGES.items():
            shown, shown_category = get_message(key, **values)
            assert isinstance(shown, str) and shown_category == category, key
            assert shown == str(message) % values != message._args[0] % values, key  # our French, not the English
            assert not spacing_mistakes(shown), (key, shown)
            assert not re.search(r"(?<![-%(])\bemail\b", shown.replace("a@example.org", "")), (key, shown)
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert get_message("GENERIC_AUTHN_FAILED")[0] == "The email address or password is incorrect."
        assert get_message("LOGIN")[0] == "Please sign in to see this page."


def test_a_message_set_in_the_settings_wins_over_ours(app_with_own_message):
    """An operator's own SECURITY_MSG_... setting is kept."""
    from flask_security.utils import get_message

    with app_with_own_message.test_request_context():
        assert get_message("GENERIC_AUTHN_FAILED")[0] == "Nope."


@pytest.fixture
def app_with_own_message(database_url, _schema):
    """An app whose settings replace one Flask-Security message themselves."""
    from tests.conftest import make_app

    return make_app(database_url, shares_context=False, SECURITY_MSG_GENERIC_AUTHN_FAILED=("Nope.", "error"))


# --- French gaps


def test_built_in_role_descriptions_are_shown_in_the_readers_language(app, users, admin_client):
    """`roles sync` stores descriptions in English; the Roles page, the user form and the account page show them translated."""
    french(admin_client)
    roles_page = page(admin_client.get("/admin/role/"))
    assert "Organise le festival" in roles_page and "Runs the festival" not in roles_page
    assert "organizer\u00a0: Organise le festival" in page(admin_client.get("/admin/user/new/"))
    admin_client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert "Runs the festival" in page(admin_client.get("/admin/role/"))


def test_a_description_an_admin_wrote_is_shown_as_written(app, users, admin_client):
    """Once an admin rewrites a built-in role's description it is theirs: shown as written, in every language."""
    from mfo.database.models import user_datastore

    role = user_datastore.find_role("staff")
    role.description = "Bénévoles de la salle"
    db.session.commit()
    assert "Bénévoles de la salle" in page(french(admin_client).get("/admin/role/"))
    admin_client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert "Bénévoles de la salle" in page(admin_client.get("/admin/role/"))


def test_the_account_page_shows_my_role_in_french(app, users, organizer_client):
    """The account page lists the user's roles with the translated description and French spacing."""
    html_page = page(french(organizer_client).get("/account/"))
    assert "organizer\u00a0: Organise le festival" in html_page


def test_flask_admin_messages_missing_from_its_catalog_come_from_ours(app, users, admin_client):
    """"Failed to create record." is not in Flask-Admin's compiled French catalog: ours gives it."""
    response = post_form(french(admin_client), "/admin/user/new/", {"email": "not-an-email", "invite": "y"}, token_from="/")
    assert "L'enregistrement n'a pas pu être créé." in html.unescape(page(response))
    assert "Failed to create record." not in page(response)
    from tests.admin_helpers import user_id

    edit = post_form(admin_client, f"/admin/user/edit/?id={user_id(users['staff'])}", {"email": ""}, token_from="/")
    assert "sauvegardé" in html.unescape(page(edit)) and "Failed to save record." not in page(edit)
