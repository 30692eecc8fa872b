"""SecureModelView: the base of every admin model view, closed by default and checked per request."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime
from types import SimpleNamespace
from typing import NamedTuple

from flask import Response, abort, flash, g, has_request_context, request, stream_with_context
from flask_admin.contrib.sqla import ModelView
from flask_admin.form import BaseForm
from flask_admin.model import template, typefmt
from flask_admin.tools import rec_getattr
from flask_babel import gettext as _
from flask_security import current_user
from flask_wtf import FlaskForm
from jinja2 import pass_context
from markupsafe import Markup
from sqlalchemy import inspect as sa_inspect
from werkzeug.utils import secure_filename

from mfo.admin.access import AccessMixin
from mfo.audit.trail import REDACTED, record
from mfo.database import db
from mfo.text import csv_writer  # one rule for every CSV the site writes (the reports use it too)

log = logging.getLogger(__name__)

# The endpoints Flask-Admin's ModelView exposes, by the permission each needs. An exposed view that
# is in neither set is refused: a subclass that adds one must say which permission it needs.
READ_VIEWS = frozenset({"index_view", "details_view", "export", "ajax_lookup"})
WRITE_VIEWS = frozenset({"create_view", "edit_view", "delete_view", "action_view", "ajax_update"})

# Columns of fsqla's User that must never leave the database through the admin, whatever a
# subclass lists: password hashes, identity keys, TOTP secrets, recovery codes, WebAuthn handles.
SECRET_COLUMNS = frozenset(
    {
        "password",
        "fs_uniquifier",
        "fs_token_uniquifier",
        "fs_webauthn_user_handle",
        "tf_totp_secret",
        "us_totp_secrets",
        "mf_recovery_codes",
        "webauthn",
    }
)


# The highest list page asked for: Flask-Admin reads it as the query's OFFSET (times the page size),
# which the database refuses beyond its integers (and, on PostgreSQL, below zero).
MAX_LIST_PAGE = 1_000_000


def is_local_path(url: str) -> bool:
    """Tell whether a return URL is a path on this site: "/..." with no scheme, host, control
    character, space or backslash (a browser reads "/\\host" and "//host" as another site)."""
    return (
        url.startswith("/")
        and not url.startswith("//")
        and "\\" not in url
        and " " not in url
        and url.isprintable()
    )


def list_page_in_range(value: str | None) -> bool:
    """Tell whether a list's `page` argument is absent, not a number (Flask-Admin shows page one), or in range."""
    if value is None:
        return True
    try:
        page = int(value)
    except ValueError:
        return True
    return 0 <= page <= MAX_LIST_PAGE


# Columns that change by themselves on every save: not news in the audit trail.
AUDIT_IGNORED_COLUMNS = frozenset({"update_datetime"})


class AdminForm(BaseForm):
    """Flask-Admin's base form with Flask-WTF's CSRF token, the same token CSRFProtect checks site-wide.

    Flask-Admin's SecureForm keeps a second, WTForms session token under the same field name,
    which CSRFProtect then rejects: one token for the whole site is simpler and checked twice.
    """

    class Meta(FlaskForm.Meta):
        """Flask-WTF's CSRF settings (WTF_CSRF_*) for every admin form."""

    # Flask-Admin's templates render the token through hidden_tag() when the form has one.
    hidden_tag = FlaskForm.hidden_tag


def format_datetime(view, value: datetime, name: str) -> str:
    """Show a date and time to the minute (UTC), the same in lists, details and exports."""
    del view, name
    return value.strftime("%Y-%m-%d %H:%M")


def record_id(value: object) -> int | None:
    """Return a record id from a request argument, or None when it is not a whole number."""
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


def without_secrets(columns: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """Drop secret columns from a list of (name, label) pairs."""
    return [(name, label) for name, label in columns if str(name) not in SECRET_COLUMNS]


class RowAction(template.BaseListRowAction):
    """A list row button (view, edit, delete), shown only where `allowed(record)` is true, rendered once per page.

    The buttons of two rows differ only by the row's id (the return URL and the CSRF token are the
    page's), and rendering a button's macro again for each of 100 rows cost more than the rest of
    the page: a template button is rendered once, for a stand-in id, and each row gets a copy with
    its own id put in.
    """

    # Stands for the row's id while a button is rendered: letters only, so that neither URL quoting
    # nor HTML escaping changes it, and an id of digits put in its place needs neither.
    ROW_ID = "mfoRowIdPlaceholder"

    def __init__(
        self,
        action: template.BaseListRowAction,
        primary_key: object,
        allowed: Callable[[object], bool] | None = None,
    ) -> None:
        """Wrap `action` for records keyed by the attribute `primary_key` (a tuple for a composite key)."""
        super().__init__(action.title)
        self.action = action
        self.allowed = allowed
        self.once = isinstance(action, template.TemplateLinkRowAction) and isinstance(primary_key, str)
        self.primary_key = primary_key
        # The button rendered for ROW_ID, made on the first row: the actions are made anew for
        # every list page (get_list_row_actions), so it never outlives the page.
        self._rendered: str | None = None

    @pass_context
    def render_ctx(self, context, row_id, row):
        """Render the button for this row, or nothing on a row the user may not change."""
        if self.allowed is not None and not self.allowed(row):
            return ""
        row_id = str(row_id)
        if self.once and self.ROW_ID in str(context.get("return_url", "")):
            self.once = False  # a search for the stand-in itself: it must stay as it is in the return URL
        if not (self.once and row_id.isascii() and row_id.isdigit()):  # an id quoting or escaping could change
            return self.action.render(context, row_id, row)
        if self._rendered is None:
            # The delete form reads the id off the record (get_pk_value), the links take row_id.
            stand_in = SimpleNamespace(**{self.primary_key: self.ROW_ID})
            self._rendered = str(self.action.render(context, self.ROW_ID, stand_in))
        return Markup(self._rendered.replace(self.ROW_ID, row_id))


class ListRow(NamedTuple):
    """A record as a list row: its id, its name, its (column, value) cells, and its buttons (None when the list shows none)."""

    id: object
    label: str
    cells: list[tuple[str, object]]
    buttons: Markup | None


class SecureModelView(AccessMixin, ModelView):
    """A ModelView that needs admin-access plus `<resource>-read` to look and `<resource>-write` to change."""

    read_permission: str = ""
    write_permission: str = ""
    # A subclass that exposes more endpoints adds their names here: unlisted endpoints are refused.
    read_views: frozenset[str] = READ_VIEWS
    write_views: frozenset[str] = WRITE_VIEWS

    form_base_class = AdminForm
    can_view_details = True
    can_set_page_size = True
    page_size = 25
    page_size_options = (10, 25, 50, 100)
    export_types = ["csv"]
    column_type_formatters = {**typefmt.BASE_FORMATTERS, datetime: format_datetime}
    column_type_formatters_detail = {**typefmt.DETAIL_FORMATTERS, datetime: format_datetime}
    column_type_formatters_export = {**typefmt.EXPORT_FORMATTERS, datetime: format_datetime}
    # Flask-Admin's bulk delete bypasses the per-record guard rails: records are deleted one at a time.
    action_disallowed_list = ["delete"]

    def __init__(self, *args, **kwargs) -> None:
        """Set up the view; reading needs the read permission, so it is required for the whole view."""
        self.required = (self.read_permission,)
        super().__init__(*args, **kwargs)

    # --- permissions, per request

    def may(self, permission: str) -> bool:
        """Tell whether the current user holds `permission` (never outside a request)."""
        return has_request_context() and current_user.is_authenticated and current_user.has_permission(permission)

    def may_read(self) -> bool:
        """Tell whether the current user may list, view and export these records."""
        return self.is_accessible()

    def may_write(self) -> bool:
        """Tell whether the current user may create, edit, delete and run actions on these records.

        Decided once per request: the list asks again for every row's edit and delete buttons.
        """
        if not has_request_context():
            return False
        key = f"mfo_may_write_{self.endpoint}"
        if key not in g:
            setattr(g, key, self.is_accessible() and self.may(self.write_permission))
        return getattr(g, key)

    @property
    def can_create(self) -> bool:  # type: ignore[override]
        """Offer (and allow) creating records only to users with the write permission."""
        return self.may_write()

    @property
    def can_edit(self) -> bool:  # type: ignore[override]
        """Offer (and allow) editing records only to users with the write permission."""
        return self.may_write()

    @property
    def can_delete(self) -> bool:  # type: ignore[override]
        """Offer (and allow) deleting records only to users with the write permission."""
        return self.may_write()

    @property
    def can_export(self) -> bool:  # type: ignore[override]
        """Offer (and allow) the CSV export to users with the read permission."""
        return self.may_read()

    def is_action_allowed(self, name: str) -> bool:
        """Allow bulk actions only to users with the write permission."""
        return self.may_write() and super().is_action_allowed(name)

    def may_change_record(self, record) -> bool:
        """Tell whether the current user may edit or delete this record (the list hides the others' buttons)."""
        del record
        return self.may_write()

    @pass_context
    def get_list_value(self, context, model, name: str):
        """Return a list cell's value as Flask-Admin does (column formatter, else the attribute, then its type's formatter).

        Called for every cell of the page: the type formatter is looked up once per type, not
        tried type by type for each cell; columns with choices take Flask-Admin's own path.
        """
        if self._column_choices_map.get(name):
            return super().get_list_value(context, model, name)
        formatter = self.column_formatters.get(name)
        value = formatter(self, context, model, name) if formatter is not None else rec_getattr(model, name)
        type_formatter = self._list_type_formatter(type(value))
        return value if type_formatter is None else type_formatter(self, value, name)

    @pass_context
    def list_row(self, context, actions, model) -> ListRow:
        """Return what the lean list template shows of a record: its id, name, cells and buttons (one call per row)."""
        row_id = self.get_pk_value(model)
        cells = [(name, self.get_list_value(context, model, name)) for name, _label in self._list_columns]
        buttons = None
        if actions is not None:
            buttons = Markup("".join(str(action.render_ctx(context, row_id, model)) for action in actions))
        return ListRow(row_id, self.row_label(model), cells, buttons)

    def _list_type_formatter(self, kind: type):
        """Return the first of column_type_formatters that applies to values of this type, as Flask-Admin picks it."""
        cache = self.__dict__.setdefault("_list_type_formatters", {})
        if kind not in cache:
            cache[kind] = next((f for t, f in self.column_type_formatters.items() if issubclass(kind, t)), None)
        return cache[kind]

    def record_change_key(self, record) -> object:
        """Return what may_change_record's answer for this record depends on: records with the same key get the same answer.

        The record's id by default; a view whose rule reads less of the record may return less, so that
        one answer serves many rows of a page.
        """
        return self.get_pk_value(record)

    def get_list_row_actions(self):
        """Return the row buttons, each rendered once per page; edit and delete only on records the user may change."""
        guarded = (template.EditRowAction, template.EditPopupRowAction, template.DeleteRowAction)
        # Edit and delete ask about the same row, and rows with the same key get the same answer:
        # each row is asked about once and each key decided once per page (the actions are made anew
        # for every list page, and so are these memos; the page's records live as long as they do).
        by_row: dict[int, bool] = {}
        by_key: dict[object, bool] = {}

        def may_change(record) -> bool:
            """Tell whether the current user may change this record, deciding each key once."""
            row = id(record)
            if row not in by_row:
                key = self.record_change_key(record)
                if key not in by_key:
                    by_key[key] = self.may_change_record(record)
                by_row[row] = by_key[key]
            return by_row[row]

        return [
            RowAction(action, self._primary_key, may_change if isinstance(action, guarded) else None)
            for action in super().get_list_row_actions()
        ]

    def _handle_view(self, name: str, **kwargs):
        """Check every request: signed in, admin-access, the read permission, then the endpoint's own."""
        refused = super()._handle_view(name, **kwargs)
        if refused is not None:
            return refused
        self.check_parameters()
        if name in self.write_views:
            if not self.may_write():
                abort(403)
        elif name not in self.read_views:
            abort(403)  # closed by default: an exposed view nobody classified
        return self.check_request(name)

    def check_parameters(self) -> None:
        """Refuse (400) the parameters Flask-Admin would turn into a crash rather than an answer.

        `url` is where Flask-Admin sends the browser back after a change: it must be a path on this
        site (Flask-Admin's own check lets a line break through, which the redirect then refuses
        with a 500). `page` becomes the list query's OFFSET.
        """
        url = request.values.get("url")
        if url is not None and url != "" and not is_local_path(url):
            abort(400)
        if not list_page_in_range(request.args.get("page")):
            abort(400)

    def check_request(self, name: str):
        """Return a response that replaces the view (a refusal, a redirect), or None to go on."""
        del name
        return None

    def refuse(self):
        """Refuse the request with the site's 403 page."""
        abort(403)

    def get_one(self, id):
        """Return the record with this id, or None (also for ids that are not whole numbers)."""
        number = record_id(id)
        return None if number is None else db.session.get(self.model, number)

    # --- the list, for people who do not see the table

    def row_label(self, row) -> str:
        """Return how the list names a row (its select box says "Select <this>"): the record's own name, else its first column."""
        if type(row).__str__ is not object.__str__:
            return str(row)
        column = self._list_columns[0][0]  # get_list_columns(), as Flask-Admin keeps it: asked for every row
        return str(getattr(row, column, "") or f"#{self.get_pk_value(row)}")

    # --- the audit trail: every change, with its before and after values

    def audit_name(self) -> str:
        """Return how events name this view's records (the model's table name)."""
        return self.model.__tablename__

    def audit_target(self, record) -> str:
        """Return how an event names a record: its kind and id (views add a readable label)."""
        return f"{self.audit_name()} (#{record.id})"

    def audit_snapshot(self, record) -> dict[str, object]:
        """Return the record's audited values: every column, secrets only as whether they are set."""
        values: dict[str, object] = {}
        # By attribute: a model may map an attribute to a column of another name (`start` to start_time).
        for column in sa_inspect(type(record)).column_attrs:
            if column.key in AUDIT_IGNORED_COLUMNS:
                continue
            value = getattr(record, column.key)
            if column.key in SECRET_COLUMNS:
                # A digest of the secret would let anyone with the trail test guesses; the fact
                # that it is set (and changed, see audit_changes) is enough.
                values[column.key] = None if value is None else REDACTED
                values[f"{column.key}#"] = value  # compared by audit_changes, never recorded
            elif isinstance(value, datetime):
                values[column.key] = value.isoformat(timespec="seconds")
            elif value is None or isinstance(value, (str, int, float, bool, list)):
                values[column.key] = value
            else:
                values[column.key] = str(value)
        return values

    @staticmethod
    def audit_changes(before: dict[str, object], after: dict[str, object]) -> dict[str, list[object]]:
        """Return {field: [before, after]} for every audited value that changed (secrets redacted)."""
        changes: dict[str, list[object]] = {}
        for key in sorted(set(before) | set(after)):
            if key.endswith("#"):
                continue
            old, new = before.get(key), after.get(key)
            secret_changed = before.get(f"{key}#") != after.get(f"{key}#") and f"{key}#" in after
            if old != new or secret_changed:
                changes[key] = [old, "[changed]" if secret_changed and old == new else new]
        return changes

    def save(self, change: Callable[[], object], record_before=None):
        """Run `change`, record it in the audit trail and commit, together; on a refusal or an
        error flash why, roll back and return False.

        `record_before` is the record an edit changes (None when `change` creates one).
        """
        try:
            before = self.audit_snapshot(record_before) if record_before is not None else {}
            model = change()
            db.session.flush()  # ids and defaults of a new record
            changes = self.audit_changes(before, self.audit_snapshot(model))
            if record_before is None or changes:
                record(
                    f"{self.audit_name()}-{'updated' if record_before is not None else 'created'}",
                    target=self.audit_target(model),
                    details={"changes": changes},
                )
            db.session.commit()
        except Exception as error:  # Flask-Admin's own create/update do the same: flash, roll back
            db.session.rollback()
            if not self.handle_view_exception(error):
                flash(_("The change was not saved: %(error)s", error=str(error)), "error")
                log.exception("admin change failed")
            return False
        return model

    def create_model(self, form):
        """Create a record from the form and record it in the audit trail, in one transaction."""

        def create():
            """Fill a new record from the form and run the view's checks."""
            model = self.build_new_instance()
            form.populate_obj(model)
            self.on_model_change(form, model, True)
            db.session.add(model)
            return model

        model = self.save(create)
        if model is not False:
            self.after_model_change(form, model, True)
        return model

    def update_model(self, form, model) -> bool:
        """Apply the form to the record and record the change (field by field) in the audit trail."""

        def update():
            """Fill the record from the form and run the view's checks."""
            form.populate_obj(model)
            self.on_model_change(form, model, False)
            return model

        if self.save(update, record_before=model) is False:
            return False
        self.after_model_change(form, model, False)
        return True

    def delete_model(self, model) -> bool:
        """Delete the record after the view's checks (on_model_delete), recording its last values."""
        target, before = self.audit_target(model), self.audit_snapshot(model)

        def delete():
            """Check, delete and record."""
            self.on_model_delete(model)
            db.session.delete(model)
            record(
                f"{self.audit_name()}-deleted",
                target=target,
                details={"before": {k: v for k, v in before.items() if not k.endswith("#")}},
            )
            return model

        if self.save(delete) is False:
            return False
        self.after_model_delete(model)
        return True

    # --- nothing secret leaves through the list, the details or the export

    def get_list_columns(self):
        """Return the list columns, never a secret one."""
        return without_secrets(super().get_list_columns())

    def get_details_columns(self):
        """Return the details columns, never a secret one."""
        return without_secrets(super().get_details_columns())

    def get_export_columns(self):
        """Return the export columns, never a secret one."""
        return without_secrets(super().get_export_columns())

    def _export_csv(self, return_url):
        """Stream the CSV export through mfo's CSV writer, so no cell is run as a formula."""
        del return_url
        count, _data = self._export_data()
        # Who took a copy of what (and with which search and filters) is part of the trail. The
        # commit expires the loaded rows, so they are read again for the file.
        record(
            f"{self.audit_name()}-exported",
            details={
                "rows": count,
                "columns": [name for name, _label in self._export_columns],
                "query": request.query_string.decode()[:500],
            },
        )
        db.session.commit()
        _count, data = self._export_data()

        class Echo:
            """A file-like object whose write returns the line, to stream rows one at a time."""

            def write(self, value: str) -> str:
                """Return the written line."""
                return value

        writer = csv_writer(Echo())
        columns = self._export_columns

        def generate():
            """Yield the header, then one line per record."""
            yield writer.writerow([str(label) for _name, label in columns])
            for row in data:
                yield writer.writerow([self.get_export_value(row, name) for name, _label in columns])

        filename = secure_filename(self.get_export_name(export_type="csv"))
        return Response(
            stream_with_context(generate()),
            headers={"Content-Disposition": f"attachment;filename={filename}"},
            mimetype="text/csv",
        )
