"""The audit trail's admin view: read-only, filtered by actor, action, target and time, exported as CSV.

Events are stored as codes (actions such as "user-updated", details as JSON with column names);
the view shows them to organizers in words: each feature's label for the action, each field's
label from the admin view that records it, yes/no for booleans, "Firefox on Windows" for the
browser. Internal columns (identity keys, failure counters, secrets) are never shown.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from flask_admin.contrib.sqla.filters import DateTimeBetweenFilter, FilterEqual, FilterLike
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from mfo.admin.permissions import AUDIT_READ
from mfo.admin.views.base import SecureModelView
from mfo.audit.browsers import describe_browser
from mfo.audit.models import AuditEvent
from mfo.features import registry

# Recorded, but of no use to a reader and never shown: identity keys, counters, secrets and their
# hashes, the endpoint that recorded an event, the record's id (the target names it).
HIDDEN_FIELDS = frozenset(
    {
        "id",
        "fs_uniquifier",
        "fs_token_uniquifier",
        "fs_webauthn_user_handle",
        "failed_logins",
        "login_count",
        "tf_totp_secret",
        "tf_totp_last_step",
        "us_totp_secrets",
        "mf_recovery_codes",
        "webauthn",
        "update_datetime",
        "endpoint",
    }
)

# Labels of fields and detail names that no admin view labels (the views' own labels come first).
FIELD_LABELS: dict[str, object] = {
    "email": _l("Email address"),
    "name": _l("Name"),
    "username": _l("Username"),
    "password": _l("Password"),
    "active": _l("Active"),
    "roles": _l("Roles"),
    "locale": _l("Language"),
    "confirmed_at": _l("Confirmed"),
    "create_datetime": _l("Created"),
    "current_login_at": _l("Last sign-in"),
    "last_login_at": _l("Previous sign-in"),
    "current_login_ip": _l("Address of the last sign-in"),
    "last_login_ip": _l("Address of the previous sign-in"),
    "tf_primary_method": _l("Two-factor method"),
    "tf_phone_number": _l("Phone number for codes"),
    "us_phone_number": _l("Phone number"),
    "locked_until": _l("Locked until"),
    "must_change_password": _l("Must change the password"),
    "invited_at": _l("Invited"),
    "description": _l("Description"),
    "permissions": _l("Permissions"),
    # Names of the details of security and command-line events.
    "via": _l("Signed in with"),
    "reason": _l("Reason"),
    "method": _l("Method"),
    "old_email": _l("Previous email address"),
    "failures": _l("Failed attempts"),
    "until": _l("Until"),
    "command": _l("Command"),
    "arguments": _l("Arguments"),
    "os_user": _l("Server account"),
    "rows": _l("Rows"),
    "columns": _l("Columns"),
    "query": _l("Search and filters"),
    "changes": _l("Changes"),
}

# Words recorded as values (reasons, sign-in mechanisms, methods), in the reader's language.
VALUE_LABELS: dict[str, object] = {
    "password": _l("password"),
    "second factor": _l("second factor"),
    "webauthn": _l("passkey"),
    "authenticator": _l("authenticator app"),
    "email": _l("codes by email"),
    "wrong password": _l("wrong password"),
    "wrong second factor code": _l("wrong second-factor code"),
    "wrong second factor passkey": _l("wrong passkey"),
    "unknown account": _l("no account with this email address"),
    "account inactive": _l("account deactivated"),
    "email not confirmed": _l("email address not confirmed"),
    "account locked": _l("account locked"),
    "signed out": _l("signed out"),
    "session expired": _l("session expired"),
}

# How the trail marks a secret: set, or changed (see SecureModelView.audit_snapshot).
SECRET_MARKS = {"[redacted]": _l("set"), "[changed]": _l("changed")}

def action_options() -> list[tuple[str, object]]:
    """Return every audit action the installed features label, as (action, label) filter options.

    Flask-Admin reads the options once, when the view is made; the labels stay lazy, so each page
    shows them in its own language.
    """
    labels = registry().audit_labels
    return sorted(((action, labels[action]) for action in labels), key=lambda option: option[0])


def action_label(action: str) -> str:
    """Return the label the installed features give an action, or the action itself."""
    label = registry().audit_labels.get(action)
    return str(label) if label is not None else action


def show_value(value: object) -> str:
    """Return a recorded value as a reader would say it: yes/no, a date to the minute, a list, a word."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(show_value(item) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    text = str(value)
    if text in SECRET_MARKS:
        return str(SECRET_MARKS[text])
    if text in VALUE_LABELS:
        return str(VALUE_LABELS[text])
    if len(text) >= 16 and text[4:5] == "-" and text[10:11] == "T":
        return text[:16].replace("T", " ")  # an ISO time, as the lists show times
    return text


def details_lines(details: str, labels: Mapping[str, object] | None = None) -> list[str]:
    """Return an event's details as lines: "Field: before → after" for changes, "Name: value" otherwise.

    `labels` names the fields of the record the event is about; internal fields are left out.
    """
    try:
        data = json.loads(details)
    except ValueError:
        return [details]
    if not isinstance(data, dict):
        return [details]
    labels = {**FIELD_LABELS, **(labels or {})}

    def label(name: str) -> str:
        """Return a field's label, or its name made readable."""
        return str(labels.get(name) or name.replace("_", " ").capitalize())

    lines = []
    for name, value in sorted(data.items()):
        if name in HIDDEN_FIELDS:
            continue
        if name == "changes" and isinstance(value, dict):
            for field, (old, new) in sorted(value.items()):
                if field in HIDDEN_FIELDS:
                    continue
                if new == "[changed]":
                    lines.append(_("%(field)s: changed", field=label(field)))
                else:
                    lines.append(
                        _("%(field)s: %(before)s → %(after)s", field=label(field), before=show_value(old), after=show_value(new))
                    )
        elif name == "before" and isinstance(value, dict):
            lines += [
                _("%(field)s: %(value)s", field=label(field), value=show_value(old))
                for field, old in sorted(value.items())
                if old is not None and field not in HIDDEN_FIELDS
            ]
        elif name == "changes" and isinstance(value, list):
            lines += [str(item) for item in value]
        else:
            lines.append(_("%(field)s: %(value)s", field=label(name), value=show_value(value)))
    return lines


def _format_details(view, context, model, name) -> Markup:
    """Show the details one per line (escaped: they hold what users typed)."""
    del context, name
    lines = details_lines(model.details, view.field_labels(model.action))
    return Markup('<pre class="audit-details mb-0">%s</pre>') % escape("\n".join(lines))


def _format_action(view, context, model, name) -> Markup:
    """Show the action's label; its code in a tooltip (the code is what the search matches)."""
    del view, context, name
    return Markup('<span title="%s">%s</span>') % (model.action, action_label(model.action))


def _format_time(view, context, model, name) -> Markup:
    """Show the time on one line (a narrow column would wrap the date from the hour)."""
    del view, context, name
    return Markup('<span class="text-nowrap">%s</span>') % model.at.strftime("%Y-%m-%d %H:%M:%S")


def _format_browser(view, context, model, name) -> Markup | str:
    """Show the browser as "Firefox on Windows", the full User-Agent in a tooltip."""
    del view, context, name
    described = describe_browser(model.user_agent)
    if described is None:
        return "—"
    return Markup('<span title="%s">%s</span>') % (model.user_agent, described)


class AuditView(SecureModelView):
    """Audit events: audit-read to list, view and export; nobody may create, edit or delete them."""

    read_permission = AUDIT_READ
    # No permission unlocks writing: the write views are refused to everyone (see SecureModelView).
    write_permission = "audit-write-is-never-granted"

    column_list = ["id", "at", "actor", "ip", "action", "target", "details"]
    # The chain's hashes are for `flask audit verify` (and stay in the export), not for readers.
    column_details_list = ["id", "at", "actor", "ip", "user_agent", "action", "target", "details"]
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
    column_formatters = {"details": _format_details, "action": _format_action, "at": _format_time}
    column_formatters_detail = {
        "details": _format_details,
        "action": _format_action,
        "at": _format_time,
        "user_agent": _format_browser,
    }
    # The export keeps the codes and the recorded JSON, for tools that read it.
    column_formatters_export: dict = {}
    page_size = 50

    def audit_name(self) -> str:
        """Name this view's own events (exports) "audit-..."."""
        return "audit"

    def field_labels(self, action: str) -> dict[str, object]:
        """Return the column labels of the admin view whose records an action is about ("user-updated": Users)."""
        kind = action.rpartition("-")[0]
        for view in self.admin._views:
            if isinstance(view, SecureModelView) and view is not self and view.audit_name() == kind:
                return dict(view.column_labels or {})
        return {}

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
