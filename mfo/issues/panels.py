"""What the issues feature adds to other features' pages and edits: an entry's issues, and the checks of edits in the admin."""

from __future__ import annotations

from flask import Flask, render_template
from flask_security import current_user
from markupsafe import Markup

from mfo.entries.models import Entry
from mfo.entries.permissions import ENTRIES_READ
from mfo.festival.slots import ENTRY_PANELS, RECORD_CHECKS, provide
from mfo.issues.codes import Issue
from mfo.issues.presenting import record_links, visible
from mfo.issues.records import entry_issues, record_checks


def issue_title(issue: Issue):
    """Return the short title of an issue's kind (translated when rendered)."""
    return issue.title


def entry_panel(entry: Entry) -> Markup | None:
    """Return the entry page's list of the entry's open issues."""
    if not current_user.has_permission(ENTRIES_READ):
        return None
    issues = [visible(issue) for issue in entry_issues(entry)]
    links = record_links(entry.festival_id, issues)
    return Markup(render_template("issues/_entry_issues.html", issues=issues, links=links))


def init_issues(app: Flask) -> None:
    """Give templates issue titles; show issues on entry pages and check edits made in the admin."""
    app.add_template_global(issue_title)
    provide(app, ENTRY_PANELS, entry_panel)
    provide(app, RECORD_CHECKS, record_checks)
