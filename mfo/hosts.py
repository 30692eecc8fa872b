"""The site's own address: requests for other hosts get 400, and links in emails name the base URL."""

from __future__ import annotations

from flask import Flask, abort, current_app, request
from flask.globals import request_ctx
from werkzeug.exceptions import SecurityError
from werkzeug.routing import MapAdapter


class Application(Flask):
    """Flask, building every absolute link on the site's configured address (MFO_BASE_URL)."""

    def url_for(self, endpoint: str, *, _anchor=None, _method=None, _scheme=None, _external=None, **values) -> str:
        """Build a URL; an absolute one (an emailed link) takes the base URL's scheme, not the request's.

        SERVER_NAME already gives absolute links the configured host whatever the Host header
        said. The scheme would still be the request's: a request that reached the app over plain
        http (a proxy not trusted with MFO_TRUSTED_PROXIES) would email http:// reset links.
        """
        if _external and _scheme is None and self.config.get("MFO_BASE_URL"):
            _scheme = self.config["PREFERRED_URL_SCHEME"]
        return super().url_for(
            endpoint, _anchor=_anchor, _method=_method, _scheme=_scheme, _external=_external, **values
        )


def site_url_adapter(app: Flask) -> MapAdapter:
    """Return a URL builder bound to the site's own address (for a request that named another host)."""
    adapter = app.create_url_adapter(None)  # bound to SERVER_NAME, when the base URL set it
    if adapter is not None:
        return adapter
    trusted = app.config.get("TRUSTED_HOSTS") or ["localhost"]
    return app.url_map.bind(trusted[0], script_name=request.script_root or "/", url_scheme=request.scheme)


def refuse_untrusted_host() -> None:
    """Answer 400 to a request whose Host header is not the site's (nor one of its aliases).

    Flask checks TRUSTED_HOSTS while it routes the request, but only makes the error count when
    the view would run; hooks before that (CSRF, rate limits, sign-in rules) would read the
    forged host first, and the error page could build no links at all. So the check comes first.
    """
    try:
        request.host  # noqa: B018 - reading it is the check: it raises for an untrusted host
    except SecurityError:
        # Flask could not bind its URL builder to this request: bind one to our own address, so
        # the error page renders, with links to the real site rather than the forged host.
        request_ctx.url_adapter = site_url_adapter(current_app)
        abort(400)


def init_hosts(app: Flask) -> None:
    """Check the Host header before any other hook (only the CSP nonce is made earlier, for the error page)."""
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_untrusted_host)
