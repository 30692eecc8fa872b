"""The Roles admin view: named sets of permissions chosen from those the installed features declare."""

from __future__ import annotations

from flask import request
from flask_admin.form.widgets import Select2Widget
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_security import current_user
from sqlalchemy import func, select
from wtforms import SelectMultipleField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, Regexp, ValidationError

from mfo.admin.guards import (
    ADMIN_ROLE,
    Refused,
    authentication_is_fresh,
    check_may_grant,
    current_url,
    reauthenticate,
)
from mfo.admin.permissions import ROLE_READ, ROLE_WRITE
from mfo.admin.views.base import AdminForm, SecureModelView
from mfo.database import db
from mfo.database.models import Role, User, user_datastore
from mfo.features import registry
from mfo.permissions import declared_permissions, permissions_of
from mfo.security.roles import role_description


def permission_choices() -> list[tuple[str, str]]:
    """Return every declared permission as a (name, "name: description") choice, in this request's language."""
    return [
        (name, _("%(permission)s: %(description)s", permission=name, description=description))
        for name, description in sorted(declared_permissions().items())
    ]


class RoleForm(AdminForm):
    """A role: its name, what it is for, and the permissions it grants."""

    name = StringField(
        _l("Name"),
        validators=[
            InputRequired(),
            Length(max=80),
            Regexp(r"^[a-z][a-z0-9-]*$", message=_l("Use lowercase letters, digits and hyphens, starting with a letter.")),
        ],
    )
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=255)])
    permissions = SelectMultipleField(
        _l("Permissions"),
        widget=Select2Widget(multiple=True),
        description=_l("Only permissions from the registry; you can grant only those you hold."),
    )

    def validate_name(self, field) -> None:
        """Refuse a name another role has."""
        other = user_datastore.find_role(field.data)
        if other is not None and (self._obj is None or other.id != self._obj.id):
            raise ValidationError(_("Another role already has this name."))


def role_user_count(role: Role) -> int:
    """Return how many users hold the role."""
    return db.session.scalar(select(func.count(User.id)).where(User.roles.any(Role.id == role.id))) or 0


def _format_permissions(view, context, model, name) -> str:
    """Show a role's permissions as a comma-separated list."""
    del view, context, name
    return ", ".join(sorted(model.get_permissions()))


def _format_description(view, context, model, name) -> str:
    """Show a role's description, a built-in role's in the reader's language."""
    del view, context, name
    return role_description(model) or ""


def _format_user_count(view, context, model, name) -> int:
    """Show how many users hold the role."""
    del view, context, name
    return role_user_count(model)


def holds_role_permissions(actor, role: Role) -> bool:
    """Tell whether the actor holds every permission the role grants (only then may they change it)."""
    return role.get_permissions() <= permissions_of(actor)


class RoleView(SecureModelView):
    """Roles: role-read to list, view and export; role-write (with a recent sign-in) to change."""

    read_permission = ROLE_READ
    write_permission = ROLE_WRITE

    column_list = ["name", "description", "permissions", "user_count"]
    column_details_list = ["name", "description", "permissions", "user_count", "update_datetime"]
    column_export_list = ["name", "description", "permissions", "user_count"]
    column_labels = {
        "name": _l("Name"),
        "description": _l("Description"),
        "permissions": _l("Permissions"),
        "user_count": _l("Users"),
        "update_datetime": _l("Updated"),
    }
    column_searchable_list = ["name", "description"]
    column_sortable_list = ["name"]
    column_default_sort = "name"
    column_formatters = {
        "permissions": _format_permissions,
        "user_count": _format_user_count,
        "description": _format_description,
    }
    column_formatters_export = {"permissions": _format_permissions, "user_count": _format_user_count}
    form = RoleForm

    def _prepare(self, form):
        """List the registry's permissions, in this request's language."""
        form.permissions.choices = permission_choices()
        return form

    def create_form(self, obj=None):
        """Return the create form for this request."""
        return self._prepare(super().create_form(obj))

    def edit_form(self, obj=None):
        """Return the edit form for this request; a built-in role's name is shown read-only."""
        form = self._prepare(super().edit_form(obj))
        if obj is not None and obj.name in registry().roles:
            form.name.render_kw = {"readonly": True}
        return form

    def may_change_record(self, record) -> bool:
        """Offer edit and delete only on custom roles granting nothing the current user lacks."""
        return self.may_write() and holds_role_permissions(current_user, record)

    def check_request(self, name: str):
        """Refuse changes to roles granting more than you hold; ask for the password again when it is stale."""
        if name == "edit_view":
            role = self.get_one(request.args.get("id"))
            if role is not None and not holds_role_permissions(current_user, role):
                return self.refuse()
        changing = request.method == "POST" and name in ("create_view", "edit_view", "delete_view", "action_view")
        if changing and not authentication_is_fresh():
            back = current_url() if name in ("create_view", "edit_view") else self.get_url(".index_view")
            return reauthenticate(back)
        return None

    def create_model(self, form):
        """Create the role, granting only permissions the creator holds."""

        def create():
            """Check the grant, then create the role."""
            wanted = set(form.permissions.data or [])
            check_may_grant(current_user, wanted)
            return user_datastore.create_role(
                name=form.name.data, description=form.description.data or None, permissions=sorted(wanted)
            )

        return self.save(create)

    def update_model(self, form, model):
        """Change the role within the guard rails: built-in names stay, admin keeps every permission."""

        def update():
            """Check every rule for this edit, then change the role."""
            old = model.get_permissions()
            wanted = set(form.permissions.data or [])
            if model.name in registry().roles and form.name.data != model.name:
                raise Refused(_("Built-in roles cannot be renamed."))
            if model.name == ADMIN_ROLE and wanted != old:
                raise Refused(_("The admin role always holds every permission."))
            if not holds_role_permissions(current_user, model):
                raise Refused(_("You cannot change a role that grants permissions you do not hold."))
            check_may_grant(current_user, wanted - old)
            model.name = form.name.data
            model.description = form.description.data or None
            model.permissions = sorted(wanted)
            return model

        return self.save(update, record_before=model) is not False

    def audit_target(self, record) -> str:
        """Name a role by its name and id in the audit trail."""
        return f"role {record.name} (#{record.id})"

    def on_model_delete(self, model) -> None:
        """Refuse to delete a built-in role, or one granting permissions you do not hold."""
        if model.name in registry().roles:
            raise Refused(_("Built-in roles cannot be deleted."))
        if not holds_role_permissions(current_user, model):
            raise Refused(_("You cannot delete a role that grants permissions you do not hold."))
