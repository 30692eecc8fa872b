"""The audit trail's admin view: read-only, filtered by actor, action, target and time, exported as CSV."""

from __future__ import annotations

import json

from flask_admin.contrib.sqla.filters import DateTimeBetweenFilter, FilterEqual, FilterLike
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from mfo.admin.permissions import AUDIT_READ
from mfo.admin.views.base import SecureModelView
from mfo.audit.models import AuditEvent
from mfo.features import registry


def action_options() -> list[tuple[str, object]]:
    """Return every audit action the installed features label, as (action, label) filter options.

    Flask-Admin reads the options once, when the view is made; the labels stay lazy, so each page
    shows them in its own language.
    """
    labels = registry().audit_labels
    return [(action, labels[action]) for action in sorted(labels)]


def details_lines(details: str) -> list[str]:
    """Return an event's details as short lines: "field: before → after" for changes, "name: value" otherwise."""
    try:
        data = json.loads(details)
    except ValueError:
        return [details]
    if not isinstance(data, dict):
        return [details]

    def show(value) -> str:
        """Return a value as compact JSON."""
        return json.dumps(value, ensure_ascii=False)

    lines = []
    for name, value in sorted(data.items()):
        if name == "changes" and isinstance(value, dict):
            lines += [f"{field}: {show(old)} → {show(new)}" for field, (old, new) in sorted(value.items())]
        elif name == "before" and isinstance(value, dict):
            lines += [f"{field}: {show(old)}" for field, old in sorted(value.items()) if old is not None]
        else:
            lines.append(f"{name}: {show(value)}")
    return lines


def _format_details(view, context, model, name) -> Markup:
    """Show the details one per line (escaped: they hold what users typed)."""
    del view, context, name
    return Markup('<pre class="audit-details mb-0">%s</pre>') % escape("\n".join(details_lines(model.details)))


class AuditView(SecureModelView):
    """Audit events: audit-read to list, view and export; nobody may create, edit or delete them."""

    read_permission = AUDIT_READ
    # No permission unlocks writing: the write views are refused to everyone (see SecureModelView).
    write_permission = "audit-write-is-never-granted"

    column_list = ["id", "at", "actor", "ip", "action", "target", "details"]
    column_details_list = ["id", "at", "actor", "actor_id", "ip", "user_agent", "action", "target", "details", "prev_hash", "hash"]
    column_export_list = ["id", "at", "actor", "actor_id", "ip", "user_agent", "action", "target", "details", "hash"]
    column_labels = {
        "id": _l("No."),
        "at": _l("Time (UTC)"),
        "actor": _l("Actor"),
        "actor_id": _l("Actor id"),
        "ip": _l("IP address"),
        "user_agent": _l("Browser"),
        "action": _l("Action"),
        "target": _l("Target"),
        "details": _l("Details"),
        "prev_hash": _l("Previous hash"),
        "hash": _l("Hash"),
    }
    column_searchable_list = ["actor", "action", "target"]
    column_sortable_list = ["id", "at", "actor", "action", "target"]
    column_default_sort = ("id", True)
    column_formatters = {"details": _format_details}
    column_formatters_detail = {"details": _format_details}
    page_size = 50

    def audit_name(self) -> str:
        """Name this view's own events (exports) "audit-..."."""
        return "audit"

    def get_filters(self):
        """Filter by actor, action, target and time (built per view: filters remember their view)."""
        self.column_filters = [
            FilterLike(AuditEvent.actor, _l("Actor")),
            FilterEqual(AuditEvent.action, _l("Action"), options=action_options),
            FilterLike(AuditEvent.action, _l("Action")),
            FilterLike(AuditEvent.target, _l("Target")),
            DateTimeBetweenFilter(AuditEvent.at, _l("Time (UTC)")),
        ]
        return super().get_filters()
