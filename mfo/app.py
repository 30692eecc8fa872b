"""The application factory: config -> extensions -> Security -> blueprints -> admin -> CLI -> errors."""

from __future__ import annotations

from pathlib import Path

from dotenv import load_dotenv
from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from mfo.config import load_config
from mfo.database import db
from mfo.database.setup import configure_sqlite, end_sessions_safely, no_queries_while_building
from mfo.extensions import babel, csrf, limiter, mail, migrate
from mfo.headers import init_headers


def create_app(config: dict | None = None) -> Flask:
    """Build and return a configured mfo application; `config` overrides every other source."""
    app = Flask(__name__, instance_relative_config=True)
    if not (config or {}).get("TESTING"):
        load_dotenv()
    load_config(app, config)
    with no_queries_while_building(guard=app.debug or app.testing):
        register_request_log(app)  # first, so its timer starts before any other hook runs
        register_extensions(app)
        register_security(app)
        register_blueprints(app)
        register_admin(app)
        register_commands(app)
        register_errorhandlers(app)
    return app


def register_extensions(app: Flask) -> None:
    """Bind the unbound extensions to the app (and trust the load balancer's X-Forwarded-* headers)."""
    proxies = int(app.config["MFO_TRUSTED_PROXIES"])
    if proxies:
        # Behind N trusted proxies the client address and scheme come from X-Forwarded-*: the
        # audit trail, rate limits and HTTPS-only cookies then see the real client.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_port=proxies)
    from mfo.i18n import select_locale, template_context

    db.init_app(app)
    end_sessions_safely(app)
    configure_sqlite(app)
    # The migrations live beside the package, wherever the command is run from.
    migrate.init_app(app, db, directory=str(Path(app.root_path).parent / "migrations"))
    babel.init_app(app, locale_selector=select_locale)
    app.context_processor(template_context)
    csrf.init_app(app)
    mail.init_app(app)
    limiter.init_app(app)
    init_headers(app)


def register_security(app: Flask) -> None:
    """Create Flask-Security for this app (it keeps per-app state) and hook our account rules:
    rate limits, lockout and session limits."""
    from mfo.account.lockout import init_lockout
    from mfo.account.ratelimit import init_ratelimits
    from mfo.account.security import init_security
    from mfo.account.sessions import init_sessions

    init_security(app)
    init_ratelimits(app)  # wraps Security's views, so after it
    init_lockout(app)
    init_sessions(app)


def register_blueprints(app: Flask) -> None:
    """Register one blueprint per feature."""
    from mfo.account.account import bp as account_bp
    from mfo.health.health import bp as health_bp
    from mfo.home.home import bp as home_bp

    app.register_blueprint(home_bp)
    app.register_blueprint(account_bp)
    app.register_blueprint(health_bp)


def register_admin(app: Flask) -> None:
    """Set up the secure Flask-Admin."""
    from mfo.admin.admin import init_admin

    init_admin(app)


def register_commands(app: Flask) -> None:
    """Add our CLI commands (roles sync, users bootstrap-admin) to Flask-Security's groups."""
    from mfo.commands import init_commands

    init_commands(app)


def register_errorhandlers(app: Flask) -> None:
    """Render errors in the shared layout, or as JSON for JSON requests."""
    from mfo.errors import init_errorhandlers

    init_errorhandlers(app)


def register_request_log(app: Flask) -> None:
    """Log one line per request (method, path, status, time, user id)."""
    from mfo.request_log import init_request_log

    init_request_log(app)
