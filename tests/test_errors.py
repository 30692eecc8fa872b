"""Error pages: 400, 403, 404, 405, 429 and 500 render in the shared layout, or as JSON when asked."""

from __future__ import annotations

import pytest

JSON = {"Accept": "application/json"}


@pytest.fixture
def failing_app(app):
    """The app with routes that fail on purpose: a crash and a rate limit."""

    @app.route("/test-crash")
    def crash():
        """Raise an unexpected exception."""
        raise RuntimeError("secret internals")

    @app.route("/test-too-many")
    def too_many():
        """Answer 429 with a Retry-After header."""
        from werkzeug.exceptions import TooManyRequests

        raise TooManyRequests(retry_after=30)

    return app


def test_404_renders_in_the_layout_and_as_json(anon_client):
    """An unknown page is a 404 in the site layout; a JSON client gets JSON."""
    response = anon_client.get("/no-such-page")
    page = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "Page not found" in page and 'id="language-form"' in page
    response = anon_client.get("/no-such-page", headers=JSON)
    assert response.status_code == 404
    assert response.json["error"]["code"] == 404


def test_405_keeps_the_allow_header(anon_client):
    """A wrong method gets a 405 page that says which methods are allowed."""
    response = anon_client.get("/logout")
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]
    assert "Method not allowed" in response.get_data(as_text=True)


def test_400_for_a_missing_csrf_token(anon_client):
    """A form POST without a CSRF token is a 400 in the layout, and JSON for JSON clients."""
    response = anon_client.post("/language", data={"locale": "fr"})
    assert response.status_code == 400
    assert "Bad request" in response.get_data(as_text=True)
    response = anon_client.post("/language", json={"locale": "fr"})
    assert response.status_code == 400 and response.json["error"]["code"] == 400


def test_403_renders_in_the_layout(staff_client):
    """A signed-in user without permission gets the 403 page in the layout."""
    response = staff_client.get("/admin/")
    assert response.status_code == 403
    assert "You do not have permission to open this page." in response.get_data(as_text=True)
    assert staff_client.get("/admin/", headers=JSON).json["error"]["code"] == 403


def test_429_keeps_retry_after(failing_app, anon_client):
    """Too many requests: the page says so and Retry-After tells when to try again."""
    response = anon_client.get("/test-too-many")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "30"
    assert "Too many requests" in response.get_data(as_text=True)


@pytest.mark.settings(PROPAGATE_EXCEPTIONS=False)
def test_500_shows_no_internals(failing_app, anon_client):
    """An unexpected error is a 500 page in the layout with no traceback or exception text."""
    response = anon_client.get("/test-crash")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong" in page and 'id="language-form"' in page
    assert "secret internals" not in page and "Traceback" not in page
    response = anon_client.get("/test-crash", headers=JSON)
    assert response.status_code == 500 and response.json["error"]["code"] == 500
