"""Configuration: defaults, FLASK_* environment overrides and the production guard for secrets."""

from __future__ import annotations

import json
import logging
import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from flask import Config, Flask
from flask.helpers import get_debug_flag
from werkzeug.utils import import_string

# Settings that must never have a default in production. SECURITY_TOTP_SECRETS encrypts the
# authenticator-app secrets at rest: a JSON object such as {"1": "<random string>"}.
REQUIRED_SECRETS = ("SECRET_KEY", "SECURITY_PASSWORD_SALT", "SECURITY_TOTP_SECRETS")

# Settings read as a number of minutes from the environment and turned into timedeltas.
MINUTE_SETTINGS = ("SECURITY_FRESHNESS", "SECURITY_FRESHNESS_GRACE_PERIOD")

LANGUAGES = {"en": "English", "fr": "Français"}

# Hosts a development or test server answers to without MFO_BASE_URL (`make run` serves on
# 127.0.0.1, the browser tests on localhost). Any other Host header gets 400, in every mode: a
# page that rebinds its own DNS name to 127.0.0.1 cannot drive a developer's server either.
LOCAL_HOSTS = ("localhost", "127.0.0.1")

log = logging.getLogger(__name__)


class DefaultConfig:
    """Defaults for every setting; each one can be overridden by a FLASK_-prefixed variable."""

    # --- Flask and sessions
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024
    PREFERRED_URL_SCHEME = "http"  # MFO_BASE_URL's scheme when that is set

    # --- The site's address. Emailed links (password reset, confirmation, invitations) are built
    # on it whatever Host header a request carries, and requests naming any other host get 400:
    # a forged Host cannot put its own address in a reset link. Required in production, e.g.
    # https://festival.example.org (no path); SERVER_NAME, PREFERRED_URL_SCHEME and TRUSTED_HOSTS
    # are derived from it. Other names the site answers to (www., an old name) go in
    # MFO_HOST_ALIASES: they are served, but links still name the base URL.
    MFO_BASE_URL: str | None = None
    MFO_HOST_ALIASES: list[str] = []
    # Production sends the session and remember-me cookies over HTTPS only. A site served over
    # plain http (a closed network, a test server) must say so here; a warning is logged at start.
    MFO_ALLOW_PLAIN_HTTP = False

    # --- Database (the SQLite default is filled in by load_config: it lives in the instance folder)
    SQLALCHEMY_DATABASE_URI: str | None = None
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    MFO_SQLITE_BUSY_TIMEOUT_MS = 5000

    # --- Languages
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    MFO_LANGUAGES = LANGUAGES

    # --- Email (Flask-Mailman); the backend is chosen by load_config when not set
    MAIL_BACKEND: str | None = None
    MAIL_SERVER = "localhost"
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USE_SSL = False
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_DEFAULT_SENDER = "mfo <no-reply@localhost>"

    # --- Flask-Security
    SECURITY_PASSWORD_HASH = "argon2"
    SECURITY_PASSWORD_LENGTH_MIN = 8
    SECURITY_REGISTERABLE: bool | None = None  # None: on in development, off in production
    SECURITY_SEND_REGISTER_EMAIL = True
    SECURITY_CONFIRMABLE = True
    SECURITY_RECOVERABLE = True
    SECURITY_CHANGEABLE = True
    SECURITY_CHANGE_EMAIL = True
    SECURITY_TRACKABLE = True
    SECURITY_RETURN_GENERIC_RESPONSES = True
    # Roles load with their own query by the roles_users primary key: Flask-Security's joined load made
    # SQLite scan the whole association table on every signed-in request.
    SECURITY_JOIN_USER_ROLES = False
    SECURITY_EMAIL_VALIDATOR_ARGS = {"check_deliverability": False}
    SECURITY_REDIRECT_VALIDATE_MODE = "regex"
    SECURITY_FRESHNESS = 10  # minutes
    SECURITY_FRESHNESS_GRACE_PERIOD = 1  # minutes
    SECURITY_POST_LOGIN_VIEW = "/"
    SECURITY_POST_LOGOUT_VIEW = "/"
    SECURITY_POST_REGISTER_VIEW = "/"
    SECURITY_USER_IDENTITY_ATTRIBUTES = [
        {"email": {"mapper": "flask_security.uia_email_mapper", "case_insensitive": True}}
    ]
    SECURITY_EMAIL_SENDER = None  # falls back to MAIL_DEFAULT_SENDER
    # Flask-Security's default {"private": True, "no-store": True} renders with Werkzeug 3.1 as
    # "private=True, no-store=True", and "private=<field>" lets shared caches keep the page.
    # None renders the bare directives: "Cache-Control: private, no-store".
    SECURITY_CACHE_CONTROL = {"private": None, "no-store": None}
    # Multi-factor authentication: an authenticator app (TOTP, with QR code) or codes by email,
    # plus one-time recovery codes. MFO_REQUIRE_MFA_FOR_ADMIN makes it compulsory for admin access.
    SECURITY_TWO_FACTOR = True
    SECURITY_TWO_FACTOR_ENABLED_METHODS = ["authenticator", "email"]
    SECURITY_TOTP_ISSUER = "mfo"
    SECURITY_TOTP_SECRETS: dict | None = None
    SECURITY_MULTI_FACTOR_RECOVERY_CODES = True
    SECURITY_TWO_FACTOR_RESCUE_MAIL: str | None = None  # falls back to MAIL_DEFAULT_SENDER
    # Passkeys (WebAuthn) as a second factor; not as a password replacement.
    SECURITY_WEBAUTHN = True
    SECURITY_WAN_RP_NAME = "mfo"
    SECURITY_WAN_ALLOW_AS_FIRST_FACTOR = False
    SECURITY_WAN_ALLOW_AS_MULTI_FACTOR = True

    # --- Our own switches
    MFO_DEFAULT_ROLE = "end-user"
    MFO_REQUIRE_MFA_FOR_ADMIN = True
    MFO_ADMIN_NAME = "mfo admin"
    MFO_INVITATION_DAYS = 7  # how long the link in an invitation email works
    MFO_LOG_LEVEL = "INFO"
    MFO_TRUSTED_PROXIES = 0  # how many proxies (load balancers) in front set X-Forwarded-*
    # Performance hours one festival day gives, over all its halls together (3 halls of 8 hours: 24):
    # the dashboard sets the entries' estimated time against the festival's days times this.
    MFO_FESTIVAL_HOURS_PER_DAY = 8

    # --- Account protection: rate limits (Flask-Limiter, per client address and endpoint; POST only)
    RATELIMIT_ENABLED = True
    # memory:// counts per process; with several app servers or workers use Redis (redis://host:6379/0)
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True  # X-RateLimit-* headers, and Retry-After on the 429 page
    RATELIMIT_KEY_PREFIX = "mfo"  # keeps our counters apart from anything else in the same Redis
    MFO_RATELIMIT_SIGNIN = "10 per minute"
    MFO_RATELIMIT_FORGOT_PASSWORD = "5 per minute"
    MFO_RATELIMIT_REGISTER = "5 per minute"
    MFO_RATELIMIT_TWO_FACTOR = "10 per minute"  # code, recovery-code and rescue forms
    MFO_RATELIMIT_VERIFY = "10 per minute"  # re-authentication before sensitive changes
    # Per-account lockout: after this many consecutive failed sign-ins (password or second factor)
    # the account refuses sign-in for MFO_LOCKOUT_MINUTES; 0 switches lockout off.
    MFO_LOCKOUT_THRESHOLD = 5
    MFO_LOCKOUT_MINUTES = 15
    # Sessions end after this long without a request, and this long after signing in, whatever
    # happens in between (remember-me included).
    MFO_IDLE_TIMEOUT_MINUTES = 30
    MFO_SESSION_MAX_HOURS = 12
    MFO_FORCE_HTTPS = False  # also redirect http:// requests to https:// (usually the proxy's job)
    # Flask-Security's own inline scripts (passkey pages) read their CSP nonce from g under this name.
    SECURITY_SCRIPT_NONCE_KEY = "csp_nonce"
    # --- Audit trail: each event carries an HMAC chained to the one before it. The key comes from
    # here, or from SECRET_KEY when unset; set it separately so rotating SECRET_KEY keeps old
    # events verifiable, and keep it out of the database (whoever holds it can rewrite the chain).
    MFO_AUDIT_KEY: str | None = None
    # --- Imports of syllabus and entry files: the upload limit of the import page only (every other
    # request keeps MAX_CONTENT_LENGTH).
    MFO_IMPORT_MAX_BYTES = 10 * 1024 * 1024
    # The most data rows and columns an import takes: a file over either is refused at upload, and reading stops
    # at the first row past them, so the work a file causes is bounded (a 10 MB CSV can hold 2.6 million short
    # rows). A festival's entries file has thousands of rows and a few dozen columns. The unpacked size a workbook
    # may have follows from them (mfo/imports/tabular.py, Limits.xlsx_unpacked).
    MFO_IMPORT_MAX_ROWS = 20_000
    MFO_IMPORT_MAX_COLUMNS = 100
    # --- Background jobs (imports' previews and confirmations, ...): RQ jobs on this Redis, in the
    # queue below (run `flask --app mfo jobs worker` beside the web servers), or, when unset, a thread
    # of the web process that started them. A running job whose heartbeat is older than the expiry
    # (seconds) counts as dead: its worker died; it is shown failed and its subject is free again.
    MFO_RQ_REDIS_URL: str | None = None
    MFO_JOB_QUEUE = "mfo-jobs"
    MFO_JOB_EXPIRY_SECONDS = 120
    # --- Card payments online (the cardpay feature, Stripe Checkout): off unless both are set. The secret key
    # makes the payment sessions (sk_live_... or sk_test_...); the webhook secret (whsec_...) verifies that an
    # event saying "paid" comes from Stripe. Keep both out of the database and of the repository.
    MFO_STRIPE_SECRET_KEY: str | None = None
    MFO_STRIPE_WEBHOOK_SECRET: str | None = None


# FLASK_ variables that configure the `flask` command itself, not the app.
CLI_VARIABLES = ("APP", "RUN_HOST", "RUN_PORT", "RUN_CERT", "RUN_KEY", "RUN_EXTRA_FILES", "RUN_EXCLUDE_PATTERNS")


def parse_value(raw: str) -> object:
    """Read one environment value: JSON when it parses, True/False in any case as booleans, else text."""
    word = raw.strip().lower()
    if word in ("true", "false"):
        return word == "true"  # True/False as written in a .env mean booleans, not strings
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def load_environment(config: Config) -> None:
    """Apply the FLASK_-prefixed environment variables with Flask's own loader (nested keys with `__`)."""
    config.from_prefixed_env("FLASK", loads=parse_value)
    for name in CLI_VARIABLES:
        config.pop(name, None)
    if "FLASK_DEBUG" in os.environ:
        # Flask's own rule (flask.helpers.get_debug_flag): FLASK_DEBUG=no is off, not the truthy
        # string "no", which would turn on development mode in production.
        config["DEBUG"] = get_debug_flag()


def _instance_secrets(app: Flask) -> dict:
    """Return development secrets, generated once and kept in the instance folder."""
    path = Path(app.instance_path) / "dev-secrets.json"
    values = json.loads(path.read_text()) if path.exists() else {}
    missing = [name for name in REQUIRED_SECRETS if name not in values]
    if missing:
        for name in missing:
            token = secrets.token_urlsafe(32)
            values[name] = {"1": token} if name == "SECURITY_TOTP_SECRETS" else token
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
        path.chmod(0o600)
    return values


def load_config(app: Flask, overrides: dict | None = None) -> None:
    """Fill app.config: defaults, then the environment, then explicit overrides, then derived values."""
    app.config.from_object(DefaultConfig)
    load_environment(app.config)
    if overrides:
        app.config.update(overrides)
    if "DEBUG" in app.config:
        app.debug = bool(app.config["DEBUG"])
    development = app.debug or app.testing

    missing = [name for name in REQUIRED_SECRETS if not app.config.get(name)]
    if missing and not development:
        raise RuntimeError(
            f"FLASK_{missing[0]} is not set: mfo refuses to start outside debug or testing "
            "without its secrets (see dotenv_example)."
        )
    if missing:
        generated = _instance_secrets(app)
        for name in missing:
            app.config[name] = generated[name]

    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(app.instance_path, "mfo.sqlite")
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # pool_pre_ping is pointless for a file; keep any other engine options.
        options = dict(app.config["SQLALCHEMY_ENGINE_OPTIONS"])
        options.pop("pool_pre_ping", None)
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options

    if app.config.get("SECURITY_REGISTERABLE") is None:
        app.config["SECURITY_REGISTERABLE"] = development
    if not app.config.get("MAIL_BACKEND"):
        app.config["MAIL_BACKEND"] = "locmem" if app.testing else ("console" if app.debug else "smtp")
    for name in ("SECURITY_EMAIL_SENDER", "SECURITY_TWO_FACTOR_RESCUE_MAIL"):
        if not app.config.get(name):
            app.config[name] = app.config["MAIL_DEFAULT_SENDER"]
    _site_address(app, development)
    # A remember-me cookie never outlives the absolute session lifetime (mfo.security.sessions
    # also checks the lifetime on the server, since a copied cookie ignores its expiry date).
    app.config.setdefault("REMEMBER_COOKIE_DURATION", timedelta(hours=float(app.config["MFO_SESSION_MAX_HOURS"])))
    for name in MINUTE_SETTINGS:
        value = app.config.get(name)
        if isinstance(value, (int, float, str)) and not isinstance(value, bool):
            app.config[name] = timedelta(minutes=float(value))
    app.config["SECURITY_USER_IDENTITY_ATTRIBUTES"] = _identity_attributes(app.config["SECURITY_USER_IDENTITY_ATTRIBUTES"])


def _site_address(app: Flask, development: bool) -> None:
    """Derive the site's address settings from MFO_BASE_URL, and decide whether cookies are Secure.

    Production needs the base URL (links in emails cannot follow the request's Host header) and
    HTTPS, unless MFO_ALLOW_PLAIN_HTTP says otherwise. Development and tests may go without both.
    """
    config = app.config
    base = config.get("MFO_BASE_URL")
    aliases = config.get("MFO_HOST_ALIASES") or []
    if isinstance(aliases, str):  # FLASK_MFO_HOST_ALIASES=www.example.org,old.example.org (not JSON)
        aliases = aliases.split(",")
    aliases = [str(host).strip().lower() for host in aliases if str(host).strip()]
    local = list(LOCAL_HOSTS) if development else []
    if not base:
        if not development:
            raise RuntimeError(
                "FLASK_MFO_BASE_URL is not set: mfo refuses to start outside debug or testing without "
                "the address people reach it at, e.g. FLASK_MFO_BASE_URL=https://festival.example.org "
                "(emailed links are built on it; see dotenv_example)."
            )
        config["TRUSTED_HOSTS"] = [*local, *aliases]
        https = False
    else:
        parts = urlsplit(str(base))
        if (
            parts.scheme not in ("http", "https")
            or not parts.hostname
            or parts.path not in ("", "/")
            or parts.query
            or parts.fragment
            or parts.username
            or parts.password
        ):
            raise RuntimeError(
                f"FLASK_MFO_BASE_URL={base} is not a site address: give the scheme and host only, "
                "e.g. https://festival.example.org or http://127.0.0.1:8000 (no path)."
            )
        # SERVER_NAME makes every link built with _external=True name this host, whatever Host
        # the request came with; TRUSTED_HOSTS refuses requests for hosts that are not ours.
        config["SERVER_NAME"] = parts.netloc.lower()
        config["PREFERRED_URL_SCHEME"] = parts.scheme
        config["TRUSTED_HOSTS"] = [parts.hostname, *aliases, *local]
        https = parts.scheme == "https"
    if development:
        secure = https
    else:
        plain = bool(config["MFO_ALLOW_PLAIN_HTTP"])
        if not https and not plain:
            raise RuntimeError(
                f"FLASK_MFO_BASE_URL={base} is not https: production sends its cookies over HTTPS only. "
                "Serve the site over HTTPS, or set FLASK_MFO_ALLOW_PLAIN_HTTP=true to accept plain http."
            )
        secure = not plain
    config["SESSION_COOKIE_SECURE"] = secure
    config["REMEMBER_COOKIE_SECURE"] = secure


def log_start_warnings(app: Flask) -> None:
    """Log, at every start, the settings that leave a production site weaker than its defaults.

    Called once the app's logging is set up, so the warning is a line of mfo's log like any other.
    """
    if not (app.debug or app.testing) and app.config["MFO_ALLOW_PLAIN_HTTP"]:
        log.warning(
            "FLASK_MFO_ALLOW_PLAIN_HTTP is set: session and remember-me cookies are sent over plain "
            "http, where anyone on the network path can read them and take over the sessions."
        )


def _identity_attributes(attributes: list[dict]) -> list[dict]:
    """Import each identity attribute's mapper given by name ("flask_security.uia_email_mapper").

    Settings are data, so the default and the environment name the mapper; Flask-Security calls it
    (the command line's `users create` and `roles add` look users up through it).
    """
    resolved = []
    for mapping in attributes:
        (attribute, details), = mapping.items()
        mapper = details.get("mapper")
        if isinstance(mapper, str):
            details = {**details, "mapper": import_string(mapper)}
        resolved.append({attribute: details})
    return resolved
