"""Security headers with Flask-Talisman: a nonce-based Content-Security-Policy, no framing, no sniffing."""

from __future__ import annotations

import secrets

from flask import Flask, current_app, g, request

from mfo.extensions import talisman

# Scripts run only from our own origin or with this request's nonce: no 'unsafe-inline', no eval.
# Styles come from our own files only: inline style= attributes and <style> blocks are refused, so
# templates use classes (mfo.css). Images also allow data: URIs (Bootstrap's CSS icons and the
# two-factor QR code are data: images).
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": ["'self'", "data:"],
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def csp_nonce() -> str:
    """Return this request's CSP nonce (for Flask-Admin's csp_nonce_generator and our templates)."""
    return getattr(request, "csp_nonce", "")


def _make_nonce_first() -> None:
    """Give the request its CSP nonce before any other hook runs (Talisman keeps a nonce it finds)."""
    if not getattr(request, "csp_nonce", None):
        request.csp_nonce = secrets.token_urlsafe(24)
    _share_nonce_with_flask_security()


def _share_nonce_with_flask_security() -> None:
    """Put the nonce where Flask-Security's script_nonce() macro looks for it (g[SECURITY_SCRIPT_NONCE_KEY])."""
    key = current_app.config.get("SECURITY_SCRIPT_NONCE_KEY")
    if key:
        setattr(g, key, csp_nonce())


def init_headers(app: Flask) -> None:
    """Send the security headers on every response; HSTS only on requests that came over HTTPS."""
    talisman.init_app(
        app,
        force_https=bool(app.config["MFO_FORCE_HTTPS"]),
        # Talisman answers HSTS only for HTTPS requests (or X-Forwarded-Proto: https), never over http.
        strict_transport_security=True,
        content_security_policy=CONTENT_SECURITY_POLICY,
        content_security_policy_nonce_in=["script-src"],
        frame_options="DENY",
        referrer_policy="strict-origin-when-cross-origin",
        # Talisman would otherwise force these cookie settings itself; config.py owns them.
        session_cookie_secure=bool(app.config.get("SESSION_COOKIE_SECURE")),
        session_cookie_http_only=bool(app.config.get("SESSION_COOKIE_HTTPONLY", True)),
        session_cookie_samesite=app.config.get("SESSION_COOKIE_SAMESITE", "Lax"),
        # The browser's own XSS filter is gone or harmful; the CSP does that job.
        x_xss_protection=False,
        permissions_policy={"camera": "()", "microphone": "()", "geolocation": "()"},
    )
    # Hooks registered before this one (CSRF, rate limits) can end a request with an error page
    # before Talisman's own hook makes the nonce: that page's scripts would get nonce="" and the
    # CSP header no nonce, so the browser would block them. Make the nonce ahead of every hook.
    app.before_request_funcs.setdefault(None, []).insert(0, _make_nonce_first)
