"""The issues feature: one validator for a festival's data (stable codes, errors and warnings) and its Issues page.

Other features add their own kinds of problems to the page by declaring issue sources
(mfo.issues.sources); the validator's rules are the first of them.
"""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from mfo.entries.permissions import ENTRIES_READ
from mfo.feature import Feature, NavItem
from mfo.issues import revisions
from mfo.issues.cache import init_cache
from mfo.issues.codes import CODES
from mfo.issues.festival import festival_issues
from mfo.issues.panels import init_issues
from mfo.issues.sources import IssueSource, init_sources
from mfo.issues.views import bp

# The validator's rules over the festival's entries and people.
ENTRY_RULES = IssueSource(name="entries", label=_l("Entries and people"), codes=CODES, find=festival_issues, permissions=(ENTRIES_READ,))


def init_app(app: Flask) -> None:
    """Show issues on other pages, collect every feature's issue sources, and keep their results per festival."""
    init_issues(app)
    init_sources(app)
    init_cache(app)
    revisions.install()
    app.extensions[revisions.EXTENSION_KEY] = True


feature = Feature(
    name="issues",
    blueprint=bp,
    nav=(NavItem(_l("Issues"), "issues.index", (ENTRIES_READ,), section="festival"),),
    issue_sources=(ENTRY_RULES,),
    init_app=init_app,
)
