"""The demo feature: a realistic festival season, generated from a seed and loaded through the import services."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from mfo.demo.commands import demo
from mfo.feature import Feature
from mfo.festival.commands import festival_cli


def add_demo_command(app: Flask) -> None:
    """Add `demo` to the festival feature's `festival` command group."""
    del app
    festival_cli.add_command(demo)


feature = Feature(
    name="demo",
    audit_labels={"demo-loaded": _l("Demo festival loaded")},
    init_app=add_demo_command,
)
