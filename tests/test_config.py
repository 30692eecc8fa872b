"""Configuration: defaults, FLASK_* overrides, .env, the production guard for secrets, development secrets, SQLite."""

from __future__ import annotations

import functools
import io
import json
import os
import re
import stat
from datetime import timedelta
from pathlib import Path

import pytest
from dotenv import dotenv_values
from flask import Config, Flask

from mfo import create_app
from mfo.config import REQUIRED_SECRETS, DefaultConfig, load_config, load_environment, log_start_warnings
from mfo.database import db
from mfo.hosts import Application
from tests.conftest import TEST_CONFIG, make_app

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = sorted(name for name in vars(DefaultConfig) if name.isupper())
SECRETS = {"SECRET_KEY": "k", "SECURITY_PASSWORD_SALT": "s", "SECURITY_TOTP_SECRETS": {"1": "t"}}
# What production needs besides its secrets: the address people reach the site at.
PRODUCTION = {**SECRETS, "MFO_BASE_URL": "https://festival.example.org"}
# `# FLASK_NAME=value` (a default) or `FLASK_NAME=` (a secret to fill in) in dotenv_example.
DOTENV_LINE = re.compile(r"^(?:# )?FLASK_([A-Z0-9_]+)=(.*)$", re.MULTILINE)


@pytest.fixture
def bare_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No FLASK_* variable from the machine running the tests leaks into these apps."""
    for key in list(os.environ):
        if key.startswith("FLASK_"):
            monkeypatch.delenv(key)
    return monkeypatch


@pytest.fixture
def instance(bare_env: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Point create_app's instance folder into tmp_path and keep a developer's .env out of the test."""
    folder = tmp_path / "instance"
    bare_env.setattr("mfo.app.Application", functools.partial(Application, instance_path=str(folder)))
    bare_env.setattr("mfo.app.load_dotenv", lambda: False)
    return folder


def configured(tmp_path: Path, **overrides) -> Flask:
    """Return a bare Flask app whose config went through load_config, with its instance folder in tmp_path."""
    app = Flask("mfo_config_test", instance_path=str(tmp_path / "instance"))
    load_config(app, overrides or None)
    return app


def dispose(app: Flask) -> None:
    """Close the database connections of an app built outside make_app."""
    with app.app_context():
        db.engine.dispose()


def documented_defaults() -> dict[str, str]:
    """Return the value dotenv_example gives each FLASK_ setting, as a .env copied from it would read it."""
    text = (ROOT / "dotenv_example").read_text(encoding="utf-8")
    lines = "\n".join(f"FLASK_{name}={value}" for name, value in DOTENV_LINE.findall(text))
    return dotenv_values(stream=io.StringIO(lines))


# --- Every setting is documented, with its true default


@pytest.mark.parametrize("name", SETTINGS)
def test_every_setting_is_documented(name: str):
    """Each setting has a line in dotenv_example and a row in the README's (or configuration.md's) table."""
    assert f"FLASK_{name}" in documented_defaults(), f"add a `# FLASK_{name}=<default>` line to dotenv_example"
    tables = (ROOT / "README.md").read_text() + (ROOT / "docs" / "configuration.md").read_text()
    assert f"| `{name}` |" in tables, f"add a row for {name} to the README's configuration table"


def test_the_required_secrets_are_in_the_example_with_empty_values():
    """dotenv_example names every secret production needs, empty, to be filled in."""
    defaults = documented_defaults()
    for name in REQUIRED_SECRETS:
        assert defaults.get(f"FLASK_{name}") == "", f"FLASK_{name}= should be an empty line to fill in"


def test_dotenv_example_shows_the_real_defaults(bare_env):
    """Uncommented as they stand, dotenv_example's lines give exactly DefaultConfig's values (empty: no value)."""
    documented = {key: value for key, value in documented_defaults().items() if key[len("FLASK_"):] in SETTINGS}
    for key, value in documented.items():
        bare_env.setenv(key, value)
    parsed = Config("")
    load_environment(parsed)
    for key, value in documented.items():
        name = key[len("FLASK_"):]
        default = getattr(DefaultConfig, name)
        if value == "":
            assert default is None, f"dotenv_example leaves FLASK_{name} empty but its default is {default!r}"
        else:
            assert parsed[name] == default, f"dotenv_example shows FLASK_{name}={value}, the default is {default!r}"


def test_a_dotenv_copied_from_the_example_starts_development_and_guards_production(bare_env, tmp_path):
    """The example's empty secrets count as missing: generated in debug, refused in production."""
    for key, value in documented_defaults().items():
        bare_env.setenv(key, value)
    app = configured(tmp_path, DEBUG=True)
    assert all(app.config[name] for name in REQUIRED_SECRETS)
    assert app.config["MAIL_BACKEND"] == "console"
    with pytest.raises(RuntimeError, match="FLASK_SECRET_KEY is not set"):
        configured(tmp_path)


# --- Environment overrides


def test_environment_overrides_are_parsed_as_json_or_kept_as_text(bare_env, tmp_path):
    """FLASK_ variables override defaults: numbers, booleans and objects as JSON, anything else as text."""
    bare_env.setenv("FLASK_MFO_LOCKOUT_THRESHOLD", "3")
    bare_env.setenv("FLASK_MFO_ALLOW_PLAIN_HTTP", "true")
    bare_env.setenv("FLASK_SECURITY_TOTP_SECRETS", '{"1": "from-the-environment"}')
    bare_env.setenv("FLASK_SECURITY_TWO_FACTOR_ENABLED_METHODS", '["authenticator"]')
    bare_env.setenv("FLASK_MAIL_SERVER", "smtp.example.org")
    bare_env.setenv("FLASK_MFO_RATELIMIT_SIGNIN", "3 per minute")
    app = configured(tmp_path, TESTING=True)
    assert app.config["MFO_LOCKOUT_THRESHOLD"] == 3
    assert app.config["MFO_ALLOW_PLAIN_HTTP"] is True
    assert app.config["SECURITY_TOTP_SECRETS"] == {"1": "from-the-environment"}
    assert app.config["SECURITY_TWO_FACTOR_ENABLED_METHODS"] == ["authenticator"]
    assert app.config["MAIL_SERVER"] == "smtp.example.org"
    assert app.config["MFO_RATELIMIT_SIGNIN"] == "3 per minute"


@pytest.mark.parametrize("raw, expected", [("False", False), ("FALSE", False), ("True", True), (" true ", True)])
def test_booleans_are_booleans_whatever_their_case(bare_env, tmp_path, raw, expected):
    """FLASK_SECURITY_REGISTERABLE=False switches registration off: not the truthy string "False"."""
    bare_env.setenv("FLASK_SECURITY_REGISTERABLE", raw)
    assert configured(tmp_path, **PRODUCTION).config["SECURITY_REGISTERABLE"] is expected


@pytest.mark.parametrize("raw", ["0", "false", "False", "no", ""])
def test_flask_debug_off_in_any_spelling_keeps_production_mode(bare_env, tmp_path, raw):
    """FLASK_DEBUG follows Flask's rule: 0, false and no are off, so production still needs its secrets."""
    bare_env.setenv("FLASK_DEBUG", raw)
    with pytest.raises(RuntimeError, match="FLASK_SECRET_KEY is not set"):
        configured(tmp_path)


@pytest.mark.parametrize("raw", ["1", "true", "True"])
def test_flask_debug_on_is_development_mode(bare_env, tmp_path, raw):
    """FLASK_DEBUG=1 (as `make run` sets it) is development mode: secrets generated, registration on."""
    bare_env.setenv("FLASK_DEBUG", raw)
    app = configured(tmp_path)
    assert app.debug and app.config["SECURITY_REGISTERABLE"] is True


def test_explicit_config_beats_the_environment(bare_env, tmp_path):
    """What create_app is given wins over the environment."""
    bare_env.setenv("FLASK_MFO_LOCKOUT_MINUTES", "99")
    assert configured(tmp_path, TESTING=True, MFO_LOCKOUT_MINUTES=7).config["MFO_LOCKOUT_MINUTES"] == 7


def test_flask_cli_variables_are_not_settings(bare_env, tmp_path):
    """FLASK_APP, FLASK_RUN_HOST and FLASK_RUN_PORT belong to the flask command, not to app.config."""
    bare_env.setenv("FLASK_APP", "mfo")
    bare_env.setenv("FLASK_RUN_PORT", "8080")
    app = configured(tmp_path, TESTING=True)
    assert "APP" not in app.config and "RUN_PORT" not in app.config


def test_create_app_reads_dotenv_before_the_environment_outside_testing(instance, bare_env):
    """create_app loads .env first, so its values reach the configuration (and the secrets guard)."""
    calls = []

    def fake_load_dotenv() -> bool:
        calls.append(True)
        bare_env.setenv("FLASK_SECRET_KEY", "from-dotenv")
        return True

    bare_env.setattr("mfo.app.load_dotenv", fake_load_dotenv)
    # The key from .env counts: the guard now names the next missing secret.
    with pytest.raises(RuntimeError, match="FLASK_SECURITY_PASSWORD_SALT is not set"):
        create_app()
    assert calls == [True]
    calls.clear()
    bare_env.delenv("FLASK_SECRET_KEY")
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    dispose(app)
    assert calls == [], "tests must not read a developer's .env"


# --- Secrets


def test_production_refuses_to_start_without_secrets_and_names_the_missing_one(instance):
    """create_app outside debug and testing stops at the first missing secret and writes nothing."""
    with pytest.raises(RuntimeError, match="FLASK_SECRET_KEY is not set"):
        create_app({"DEBUG": False, "TESTING": False})
    with pytest.raises(RuntimeError, match="FLASK_SECURITY_PASSWORD_SALT is not set"):
        create_app({"SECRET_KEY": "k"})
    with pytest.raises(RuntimeError, match="FLASK_SECURITY_TOTP_SECRETS is not set"):
        create_app({"SECRET_KEY": "k", "SECURITY_PASSWORD_SALT": "s"})
    assert not instance.exists(), "production must not invent secrets or create the database"


def test_secrets_from_the_environment_satisfy_production(bare_env, tmp_path):
    """With the three secrets (and the base URL) in FLASK_ variables the production configuration loads, using them."""
    bare_env.setenv("FLASK_SECRET_KEY", "key-from-env")
    bare_env.setenv("FLASK_SECURITY_PASSWORD_SALT", "salt-from-env")
    bare_env.setenv("FLASK_SECURITY_TOTP_SECRETS", '{"1": "totp-from-env"}')
    bare_env.setenv("FLASK_MFO_BASE_URL", "https://festival.example.org")
    app = configured(tmp_path)
    assert (app.config["SECRET_KEY"], app.config["SECURITY_PASSWORD_SALT"]) == ("key-from-env", "salt-from-env")
    assert app.config["SECURITY_TOTP_SECRETS"] == {"1": "totp-from-env"}
    assert not (tmp_path / "instance" / "dev-secrets.json").exists()


def test_development_generates_secrets_once_and_keeps_them_private(instance):
    """In debug the secrets are made once into instance/dev-secrets.json (0600) and reused on the next start."""
    first = create_app({"DEBUG": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    dispose(first)
    path = instance / "dev-secrets.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    stored = json.loads(path.read_text())
    for name in REQUIRED_SECRETS:
        assert first.config[name] and first.config[name] == stored[name]
    assert isinstance(stored["SECURITY_TOTP_SECRETS"], dict)
    second = create_app({"DEBUG": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    dispose(second)
    assert all(second.config[name] == first.config[name] for name in REQUIRED_SECRETS)
    assert json.loads(path.read_text()) == stored


def test_given_secrets_are_not_replaced_by_generated_ones(bare_env, tmp_path):
    """A secret set in development is used as given; only the missing ones are generated."""
    app = configured(tmp_path, DEBUG=True, SECRET_KEY="mine")
    assert app.config["SECRET_KEY"] == "mine"
    assert app.config["SECURITY_PASSWORD_SALT"]


# --- Values that depend on the mode or are derived


def test_defaults_depend_on_the_mode(bare_env, tmp_path):
    """Registration is on in development and off in production; mail goes to the console, memory or SMTP."""
    development = configured(tmp_path, DEBUG=True)
    production = configured(tmp_path, **PRODUCTION)
    testing = configured(tmp_path, TESTING=True)
    assert development.config["SECURITY_REGISTERABLE"] is True
    assert testing.config["SECURITY_REGISTERABLE"] is True
    assert production.config["SECURITY_REGISTERABLE"] is False
    assert (development.config["MAIL_BACKEND"], testing.config["MAIL_BACKEND"], production.config["MAIL_BACKEND"]) == (
        "console",
        "locmem",
        "smtp",
    )
    assert configured(tmp_path, **PRODUCTION, MAIL_BACKEND="console").config["MAIL_BACKEND"] == "console"
    assert configured(tmp_path, **PRODUCTION, SECURITY_REGISTERABLE=True).config["SECURITY_REGISTERABLE"] is True


def test_senders_fall_back_to_the_default_sender(bare_env, tmp_path):
    """Account emails and rescue requests use MAIL_DEFAULT_SENDER unless set on their own."""
    app = configured(tmp_path, TESTING=True, MAIL_DEFAULT_SENDER="mfo <festival@example.org>")
    assert app.config["SECURITY_EMAIL_SENDER"] == "mfo <festival@example.org>"
    assert app.config["SECURITY_TWO_FACTOR_RESCUE_MAIL"] == "mfo <festival@example.org>"


def test_minutes_become_durations(bare_env, tmp_path):
    """Freshness settings given in minutes (a number, or text from the environment) become timedeltas."""
    bare_env.setenv("FLASK_SECURITY_FRESHNESS_GRACE_PERIOD", "2")
    app = configured(tmp_path, TESTING=True, SECURITY_FRESHNESS="15")
    assert app.config["SECURITY_FRESHNESS"] == timedelta(minutes=15)
    assert app.config["SECURITY_FRESHNESS_GRACE_PERIOD"] == timedelta(minutes=2)
    default = configured(tmp_path, TESTING=True)
    assert default.config["SECURITY_FRESHNESS"] == timedelta(minutes=DefaultConfig.SECURITY_FRESHNESS)


# --- The site's address and HTTPS


def test_production_refuses_to_start_without_the_base_url_and_names_it(bare_env, tmp_path):
    """With its secrets but no MFO_BASE_URL, production stops and says which variable to set."""
    with pytest.raises(RuntimeError, match="FLASK_MFO_BASE_URL is not set"):
        configured(tmp_path, **SECRETS)
    with pytest.raises(RuntimeError, match="FLASK_MFO_BASE_URL is not set"):
        configured(tmp_path, **SECRETS, MFO_BASE_URL="")


@pytest.mark.parametrize(
    "base",
    ["festival.example.org", "ftp://festival.example.org", "https://festival.example.org/mfo", "https://x@festival.example.org", "https://"],
)
def test_a_base_url_that_is_not_a_site_address_is_refused(bare_env, tmp_path, base):
    """The base URL is a scheme and a host (and port): anything else stops the app, naming the variable."""
    with pytest.raises(RuntimeError, match="FLASK_MFO_BASE_URL=.* is not a site address"):
        configured(tmp_path, **SECRETS, MFO_BASE_URL=base)


def test_the_base_url_sets_the_server_name_the_scheme_and_the_trusted_hosts(bare_env, tmp_path):
    """SERVER_NAME, PREFERRED_URL_SCHEME and TRUSTED_HOSTS come from MFO_BASE_URL; aliases are trusted too."""
    app = configured(tmp_path, **PRODUCTION, MFO_HOST_ALIASES=["WWW.festival.example.org"])
    assert app.config["SERVER_NAME"] == "festival.example.org"
    assert app.config["PREFERRED_URL_SCHEME"] == "https"
    assert app.config["TRUSTED_HOSTS"] == ["festival.example.org", "www.festival.example.org"]
    with_port = configured(tmp_path, **SECRETS, MFO_BASE_URL="http://10.0.0.5:8000/", MFO_ALLOW_PLAIN_HTTP=True)
    assert with_port.config["SERVER_NAME"] == "10.0.0.5:8000"
    assert with_port.config["PREFERRED_URL_SCHEME"] == "http"
    assert with_port.config["TRUSTED_HOSTS"] == ["10.0.0.5"]


def test_host_aliases_may_be_given_as_plain_text(bare_env, tmp_path):
    """FLASK_MFO_HOST_ALIASES=a,b (not JSON) names two hosts, not one per character."""
    bare_env.setenv("FLASK_MFO_HOST_ALIASES", "www.festival.example.org, old.example.org")
    app = configured(tmp_path, **PRODUCTION)
    assert app.config["TRUSTED_HOSTS"] == ["festival.example.org", "www.festival.example.org", "old.example.org"]


def test_development_and_tests_trust_localhost_without_a_base_url(bare_env, tmp_path):
    """Without a base URL, `make run` and the tests answer on localhost and 127.0.0.1 only (plus aliases)."""
    development = configured(tmp_path, DEBUG=True, MFO_HOST_ALIASES=["mfo.lan"])
    assert development.config["TRUSTED_HOSTS"] == ["localhost", "127.0.0.1", "mfo.lan"]
    testing = configured(tmp_path, TESTING=True, MFO_BASE_URL="https://festival.example.org")
    assert testing.config["TRUSTED_HOSTS"] == ["festival.example.org", "localhost", "127.0.0.1"]


def test_production_cookies_are_secure_by_default(bare_env, tmp_path):
    """In production the session and remember-me cookies are Secure without any setting."""
    app = configured(tmp_path, **PRODUCTION)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    assert app.config["MFO_ALLOW_PLAIN_HTTP"] is False


def test_production_over_plain_http_needs_the_opt_out(bare_env, tmp_path):
    """An http:// base URL in production stops the app unless MFO_ALLOW_PLAIN_HTTP says so."""
    with pytest.raises(RuntimeError, match="FLASK_MFO_ALLOW_PLAIN_HTTP=true"):
        configured(tmp_path, **SECRETS, MFO_BASE_URL="http://festival.example.org")


def test_the_plain_http_opt_out_drops_secure_and_warns_at_start(bare_env, tmp_path, caplog):
    """MFO_ALLOW_PLAIN_HTTP=true (from the environment) sends cookies without Secure, with a warning logged at start."""
    bare_env.setenv("FLASK_MFO_ALLOW_PLAIN_HTTP", "true")
    app = configured(tmp_path, **SECRETS, MFO_BASE_URL="http://festival.example.org")
    assert app.config["SESSION_COOKIE_SECURE"] is False
    assert app.config["REMEMBER_COOKIE_SECURE"] is False
    with caplog.at_level("WARNING", logger="mfo.config"):
        log_start_warnings(app)
    (warning,) = [r for r in caplog.records if r.name == "mfo.config"]
    assert warning.levelname == "WARNING" and "FLASK_MFO_ALLOW_PLAIN_HTTP" in warning.getMessage()
    caplog.clear()
    with caplog.at_level("WARNING", logger="mfo.config"):
        log_start_warnings(configured(tmp_path, **PRODUCTION, MFO_ALLOW_PLAIN_HTTP=False))
        log_start_warnings(configured(tmp_path, DEBUG=True, MFO_ALLOW_PLAIN_HTTP=True))
    assert not [r for r in caplog.records if r.name == "mfo.config"]


def test_development_and_tests_stay_on_http(bare_env, tmp_path):
    """Development and tests may serve http without any setting (and with no warning); an https base URL makes cookies Secure."""
    for mode in ({"DEBUG": True}, {"TESTING": True}):
        plain = configured(tmp_path, **mode)
        assert plain.config["SESSION_COOKIE_SECURE"] is False and plain.config["PREFERRED_URL_SCHEME"] == "http"
        https = configured(tmp_path, **mode, MFO_BASE_URL="https://localhost")
        assert https.config["SESSION_COOKIE_SECURE"] is True and https.config["REMEMBER_COOKIE_SECURE"] is True


def test_remember_me_never_outlives_the_session_lifetime(bare_env, tmp_path):
    """The remember-me cookie lasts MFO_SESSION_MAX_HOURS unless REMEMBER_COOKIE_DURATION is set."""
    assert configured(tmp_path, TESTING=True, MFO_SESSION_MAX_HOURS=3).config["REMEMBER_COOKIE_DURATION"] == timedelta(
        hours=3
    )


# --- Database


def test_sqlite_default_lives_in_the_instance_folder_in_wal_mode(instance):
    """Without a database URI the app uses instance/mfo.sqlite with WAL mode, foreign keys and a busy timeout."""
    app = create_app({**TEST_CONFIG, "MFO_SQLITE_BUSY_TIMEOUT_MS": 1234})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite:///" + str(instance / "mfo.sqlite")
    with app.app_context():
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 1234
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        db.engine.dispose()
    assert (instance / "mfo.sqlite").exists()


def test_sqlite_busy_timeout_defaults_to_five_seconds(tmp_path):
    """A SQLite connection waits MFO_SQLITE_BUSY_TIMEOUT_MS (5000 by default) for another one's lock."""
    app = make_app(f"sqlite:///{tmp_path / 'wait.sqlite'}", shares_context=False)
    with app.app_context(), db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000


def test_postgresql_connections_are_pre_pinged(bare_env, tmp_path):
    """A PostgreSQL URI keeps pool_pre_ping (the app survives a database restart); SQLite drops it."""
    postgres = configured(tmp_path, **TEST_CONFIG, SQLALCHEMY_DATABASE_URI="postgresql+psycopg://u@127.0.0.1/db")
    sqlite = configured(tmp_path, **TEST_CONFIG)
    assert postgres.config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"] is True
    assert "pool_pre_ping" not in sqlite.config["SQLALCHEMY_ENGINE_OPTIONS"]
    assert DefaultConfig.SQLALCHEMY_ENGINE_OPTIONS["pool_pre_ping"] is True, "load_config must not change the defaults"


def test_identity_mappers_named_in_settings_are_imported(bare_env, tmp_path):
    """The mapper named in SECURITY_USER_IDENTITY_ATTRIBUTES becomes the function Flask-Security calls."""
    from flask_security import uia_email_mapper

    app = configured(tmp_path, **TEST_CONFIG)
    (details,) = (mapping["email"] for mapping in app.config["SECURITY_USER_IDENTITY_ATTRIBUTES"])
    assert details == {"mapper": uia_email_mapper, "case_insensitive": True}
    assert isinstance(DefaultConfig.SECURITY_USER_IDENTITY_ATTRIBUTES[0]["email"]["mapper"], str), "defaults stay data"
