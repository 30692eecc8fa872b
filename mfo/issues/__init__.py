"""The issues feature: one validator for a festival's data (stable codes, errors and warnings) and its Issues page."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from mfo.entries.permissions import ENTRIES_READ
from mfo.feature import Feature, NavItem
from mfo.issues.panels import init_issues
from mfo.issues.views import bp

feature = Feature(
    name="issues",
    blueprint=bp,
    nav=(NavItem(_l("Issues"), "issues.index", (ENTRIES_READ,), section="festival"),),
    init_app=init_issues,
)
