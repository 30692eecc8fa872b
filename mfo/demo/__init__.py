"""The demo feature: a realistic festival season, generated from a seed and loaded through the import services."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from mfo.demo.commands import demo
from mfo.feature import Feature


def add_demo_command(app: Flask) -> None:
    """Add `demo` to this app's `festival` command group (the festival feature's, copied for each app)."""
    app.cli.commands["festival"].add_command(demo)


feature = Feature(
    name="demo",
    audit_labels={"demo-loaded": _l("Demo festival loaded")},
    init_app=add_demo_command,
)
