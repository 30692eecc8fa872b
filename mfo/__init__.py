"""mfo, the Music Festival Organizer: `create_app` builds the Flask application."""

from mfo.app import create_app

__all__ = ["create_app"]
