"""Configuration: defaults, FLASK_* overrides, the production guard for secrets, development secrets, SQLite."""

from __future__ import annotations

import json
import stat
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask

from mfo import config as config_module
from mfo.config import REQUIRED_SECRETS, DefaultConfig, load_config
from mfo.database import db
from tests.conftest import TEST_CONFIG, make_app

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = sorted(name for name in vars(DefaultConfig) if name.isupper())


@pytest.fixture
def bare_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No FLASK_* variable from the machine running the tests leaks into these apps."""
    import os

    for key in list(os.environ):
        if key.startswith("FLASK_"):
            monkeypatch.delenv(key)
    return monkeypatch


def configured(tmp_path: Path, **overrides) -> Flask:
    """Return a bare Flask app whose config went through load_config, with its instance folder in tmp_path."""
    app = Flask("mfo_config_test", instance_path=str(tmp_path / "instance"))
    load_config(app, overrides or None)
    return app


@pytest.mark.parametrize("name", [*SETTINGS, *REQUIRED_SECRETS, "MFO_AUDIT_KEY"])
def test_every_setting_is_documented(name: str):
    """Each setting has a line in dotenv_example and a row in the README's configuration table."""
    assert f"FLASK_{name}=" in (ROOT / "dotenv_example").read_text(), f"add FLASK_{name} to dotenv_example"
    assert f"| `{name}` |" in (ROOT / "README.md").read_text(), f"add a row for {name} to the README's table"


def test_environment_overrides_are_parsed_as_json_or_kept_as_text(bare_env, tmp_path):
    """FLASK_ variables override defaults: numbers, booleans and objects as JSON, anything else as text."""
    bare_env.setenv("FLASK_MFO_LOCKOUT_THRESHOLD", "3")
    bare_env.setenv("FLASK_MFO_HTTPS", "true")
    bare_env.setenv("FLASK_SECURITY_TOTP_SECRETS", '{"1": "from-the-environment"}')
    bare_env.setenv("FLASK_MAIL_SERVER", "smtp.example.org")
    app = configured(tmp_path, TESTING=True)
    assert app.config["MFO_LOCKOUT_THRESHOLD"] == 3
    assert app.config["MFO_HTTPS"] is True
    assert app.config["SECURITY_TOTP_SECRETS"] == {"1": "from-the-environment"}
    assert app.config["MAIL_SERVER"] == "smtp.example.org"


def test_explicit_config_beats_the_environment(bare_env, tmp_path):
    """What create_app is given wins over the environment."""
    bare_env.setenv("FLASK_MFO_LOCKOUT_MINUTES", "99")
    assert configured(tmp_path, TESTING=True, MFO_LOCKOUT_MINUTES=7).config["MFO_LOCKOUT_MINUTES"] == 7


def test_production_refuses_to_start_without_secrets_and_names_the_missing_one(bare_env, tmp_path):
    """Outside debug and testing a missing secret stops the app, naming the first one missing."""
    with pytest.raises(RuntimeError, match="FLASK_SECRET_KEY is not set"):
        configured(tmp_path)
    with pytest.raises(RuntimeError, match="FLASK_SECURITY_PASSWORD_SALT is not set"):
        configured(tmp_path, SECRET_KEY="k")
    with pytest.raises(RuntimeError, match="FLASK_SECURITY_TOTP_SECRETS is not set"):
        configured(tmp_path, SECRET_KEY="k", SECURITY_PASSWORD_SALT="s")
    assert not (tmp_path / "instance" / "dev-secrets.json").exists(), "production must not invent secrets"
    app = configured(tmp_path, SECRET_KEY="k", SECURITY_PASSWORD_SALT="s", SECURITY_TOTP_SECRETS={"1": "t"})
    assert app.config["SECRET_KEY"] == "k"


def test_development_generates_secrets_once_and_keeps_them_private(bare_env, tmp_path):
    """In debug the secrets are made once, stored with mode 0600, and the same on the next start."""
    first = configured(tmp_path, DEBUG=True)
    path = tmp_path / "instance" / "dev-secrets.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    stored = json.loads(path.read_text())
    for name in REQUIRED_SECRETS:
        assert first.config[name] == stored[name] and first.config[name]
    assert isinstance(stored["SECURITY_TOTP_SECRETS"], dict)
    second = configured(tmp_path, DEBUG=True)
    assert all(second.config[name] == first.config[name] for name in REQUIRED_SECRETS)


def test_defaults_depend_on_the_mode(bare_env, tmp_path):
    """Registration is on in development and off in production; mail goes to the console, memory or SMTP."""
    secrets = {"SECRET_KEY": "k", "SECURITY_PASSWORD_SALT": "s", "SECURITY_TOTP_SECRETS": {"1": "t"}}
    development = configured(tmp_path, DEBUG=True)
    production = configured(tmp_path, **secrets)
    testing = configured(tmp_path, TESTING=True)
    assert development.config["SECURITY_REGISTERABLE"] is True
    assert production.config["SECURITY_REGISTERABLE"] is False
    assert (development.config["MAIL_BACKEND"], testing.config["MAIL_BACKEND"], production.config["MAIL_BACKEND"]) == (
        "console",
        "locmem",
        "smtp",
    )
    assert production.config["SQLALCHEMY_DATABASE_URI"] == "sqlite:///" + str(tmp_path / "instance" / "mfo.sqlite")


def test_minutes_become_durations_and_https_makes_cookies_secure(bare_env, tmp_path):
    """Freshness given in minutes becomes a timedelta; MFO_HTTPS turns on Secure cookies and https links."""
    app = configured(tmp_path, TESTING=True, SECURITY_FRESHNESS="15", MFO_HTTPS=True)
    assert app.config["SECURITY_FRESHNESS"] == timedelta(minutes=15)
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    assert app.config["PREFERRED_URL_SCHEME"] == "https"
    assert not configured(tmp_path, TESTING=True).config.get("SESSION_COOKIE_SECURE")


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(tmp_path):
    """Every SQLite connection gets WAL mode, foreign keys and the configured busy timeout."""
    app = make_app(f"sqlite:///{tmp_path / 'wal.sqlite'}", shares_context=False, MFO_SQLITE_BUSY_TIMEOUT_MS=1234)
    with app.app_context():
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 1234
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        db.engine.dispose()


def test_postgresql_connections_are_pre_pinged(tmp_path):
    """A PostgreSQL URI keeps pool_pre_ping (the app survives a database restart); SQLite drops it."""
    postgres = configured(tmp_path, **TEST_CONFIG, SQLALCHEMY_DATABASE_URI="postgresql+psycopg://u@127.0.0.1/db")
    sqlite = configured(tmp_path, **TEST_CONFIG)
    assert postgres.config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"] is True
    assert "pool_pre_ping" not in sqlite.config["SQLALCHEMY_ENGINE_OPTIONS"]
    assert config_module.DefaultConfig.SQLALCHEMY_ENGINE_OPTIONS["pool_pre_ping"] is True
