"""The application factory: config -> extensions -> the core services and features, in order -> error pages."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from dotenv import load_dotenv
from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from mfo import features as installed
from mfo.config import load_config, log_start_warnings
from mfo.database import db
from mfo.database.setup import configure_sqlite, end_sessions_safely, no_queries_while_building
from mfo.extensions import babel, csrf, limiter, mail, migrate
from mfo.feature import Feature
from mfo.headers import init_headers
from mfo.hosts import Application, init_hosts


def create_app(config: dict | None = None, features: Sequence[str] = installed.FEATURES) -> Flask:
    """Build and return a configured mfo application.

    `config` overrides every other source of settings; `features` lists the feature packages to
    install, in order (default: mfo.features.FEATURES). The core services always come first.
    """
    app = Application(__name__, instance_relative_config=True)
    if not (config or {}).get("TESTING"):
        load_dotenv()
    load_config(app, config)
    modules = (*installed.CORE, *features)
    installed.import_models(modules)
    declared = installed.load(modules)
    with no_queries_while_building(guard=app.debug or app.testing):
        register_request_log(app)  # first, so its timer starts before any other hook runs
        log_start_warnings(app)
        register_extensions(app, modules)
        register_features(app, declared)
        register_errorhandlers(app)
    return app


def register_extensions(app: Flask, modules: Sequence[str]) -> None:
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
    # The site's own catalog first, then each feature's: every package owns the strings it marks.
    directories = [Path(app.root_path) / "translations", *installed.translation_dirs(modules)]
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(str(d) for d in directories)
    babel.init_app(app, locale_selector=select_locale)
    app.context_processor(template_context)
    csrf.init_app(app)
    mail.init_app(app)
    limiter.init_app(app)
    # Both put their hook first: the headers' (the CSP nonce) ends up ahead of the host check's,
    # so even the 400 page for a forged Host carries its nonce.
    init_hosts(app)
    init_headers(app)


def register_features(app: Flask, declared: Sequence[Feature]) -> None:
    """Plug in the core services, then every feature: blueprints, admin views, commands, hooks."""
    installed.register(app, declared)


def register_errorhandlers(app: Flask) -> None:
    """Render errors in the shared layout, or as JSON for JSON requests."""
    from mfo.errors import init_errorhandlers

    init_errorhandlers(app)


def register_request_log(app: Flask) -> None:
    """Log one line per request (method, path, status, time, user id)."""
    from mfo.request_log import init_request_log

    init_request_log(app)
