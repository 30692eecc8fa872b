"""Rate limits on Flask-Security's forms that take a password, a code or an email address (POST only)."""

from __future__ import annotations

from functools import partial

from flask import Flask, current_app

from mfo.extensions import limiter

# Flask-Security endpoint -> the setting that holds its limit ("10 per minute", "5/minute;20/hour").
# Each endpoint counts separately, per client address; GET (showing the form) is never limited.
LIMITED_ENDPOINTS = {
    "security.login": "MFO_RATELIMIT_SIGNIN",
    "security.forgot_password": "MFO_RATELIMIT_FORGOT_PASSWORD",
    "security.register": "MFO_RATELIMIT_REGISTER",
    "security.two_factor_token_validation": "MFO_RATELIMIT_TWO_FACTOR",
    "security.two_factor_setup": "MFO_RATELIMIT_TWO_FACTOR",
    "security.two_factor_setup_validate": "MFO_RATELIMIT_TWO_FACTOR",
    "security.two_factor_rescue": "MFO_RATELIMIT_TWO_FACTOR",
    "security.tf_select": "MFO_RATELIMIT_TWO_FACTOR",
    "security.mf_recovery": "MFO_RATELIMIT_TWO_FACTOR",
    "security.verify": "MFO_RATELIMIT_VERIFY",
}


def _configured_limit(setting: str) -> str:
    """Return the limit string the running app configures under `setting`."""
    return str(current_app.config[setting])


# Built once at import: Flask-Limiter registers a decorator's limit on the shared limiter each time
# one is made, so making them per app would pile up duplicate limits on every create_app.
_DECORATORS = {
    endpoint: limiter.limit(partial(_configured_limit, setting), methods=["POST"])
    for endpoint, setting in LIMITED_ENDPOINTS.items()
}


def init_ratelimits(app: Flask) -> None:
    """Wrap Flask-Security's views (registered by Security) in their rate limits."""
    if not app.config.get("RATELIMIT_ENABLED", True):
        return
    for endpoint, decorate in _DECORATORS.items():
        view = app.view_functions.get(endpoint)
        if view is not None:  # the feature may be switched off (e.g. no registration in production)
            app.view_functions[endpoint] = decorate(view)
