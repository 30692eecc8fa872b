"""The Users admin view: find, invite, edit, deactivate and delete the people who sign in."""

from __future__ import annotations

from flask import current_app, flash, request, url_for
from flask_admin.actions import action
from flask_admin.contrib.sqla.filters import BaseSQLAFilter, BooleanEqualFilter
from flask_admin.form.widgets import Select2Widget
from flask_babel import format_timedelta, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_security import current_user
from flask_security.confirmable import send_confirmation_instructions
from flask_security.proxies import _security
from flask_security.utils import hash_password, naive_utcnow, send_mail
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import BooleanField, PasswordField, SelectMultipleField, StringField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from mfo.admin.guards import (
    ADMIN_ROLE,
    Refused,
    authentication_is_fresh,
    check_keeps_an_admin,
    check_may_grant,
    check_may_manage,
    check_not_self,
    current_url,
    is_active_admin,
    may_manage,
    reauthenticate,
)
from mfo.admin.permissions import ROLE_WRITE, USER_READ, USER_WRITE
from mfo.admin.views.base import AdminForm, SecureModelView, format_datetime, record_id
from mfo.audit.trail import record, user_target
from mfo.database import db
from mfo.database.models import Role, User, user_datastore
from mfo.security.invitations import invitation_token, lifetime, start_invitation
from mfo.security.lockout import is_locked, locked_clause, unlock_user
from mfo.security.mfa import reset_mfa
from mfo.security.roles import role_description
from mfo.security.sessions import end_all_sessions


def role_choices() -> list[tuple[str, str]]:
    """Return every role as a (name, "name: description") choice, built-in descriptions translated."""
    choices = []
    for role in db.session.scalars(select(Role).order_by(Role.name)):
        description = role_description(role)
        label = _("%(role)s: %(description)s", role=role.name, description=description) if description else role.name
        choices.append((role.name, label))
    return choices


def role_names(user: User) -> list[str]:
    """Return the names of the user's roles, sorted."""
    return sorted(role.name for role in user.roles)


class _EmailAndPassword:
    """Form validators shared by the create and edit forms: a valid unique email, a policy-checked password."""

    def validate_email(self, field) -> None:
        """Normalise the email, and refuse an invalid one or one that another user has."""
        try:
            field.data = _security.mail_util.validate(field.data.strip())
        except ValueError as error:
            raise ValidationError(str(error)) from error
        other = user_datastore.find_user(case_insensitive=True, email=field.data)
        if other is not None and (self._obj is None or other.id != self._obj.id):
            raise ValidationError(_("Another user already has this email address."))

    def validate_new_password(self, field) -> None:
        """Check a new password against the site's password policy (length, breach, complexity)."""
        if not field.data:
            return
        if self._obj is None:
            errors, normalized = _security.password_util.validate(
                field.data, True, email=self.email.data, name=self.name.data
            )
        else:
            errors, normalized = _security.password_util.validate(field.data, False, user=self._obj)
        if errors:
            raise ValidationError(" ".join(str(error) for error in errors))
        field.data = normalized


class UserCreateForm(_EmailAndPassword, AdminForm):
    """Create a user, with an initial password or an emailed invitation to set one."""

    email = StringField(_l("Email"), validators=[InputRequired(), Length(max=255)])
    name = StringField(_l("Name"), validators=[Optional(), Length(max=120)])
    role_names = SelectMultipleField(_l("Roles"), widget=Select2Widget(multiple=True))
    active = BooleanField(_l("Active"), default=True)
    invite = BooleanField(
        _l("Email an invitation"),
        default=True,
        description=_l("The user receives a link to set their own password. Leave the password empty."),
    )
    new_password = PasswordField(
        _l("Initial password"),
        validators=[Optional()],
        description=_l("Only when not sending an invitation; the user confirms their email before signing in."),
    )

    def validate_invite(self, field) -> None:
        """Ask for exactly one of an invitation or an initial password."""
        if field.data and self.new_password.data:
            raise ValidationError(_("Either send an invitation or give an initial password, not both."))
        if not field.data and not self.new_password.data:
            raise ValidationError(_("Give an initial password, or send an invitation."))


class UserEditForm(_EmailAndPassword, AdminForm):
    """Edit a user: email, name, roles, whether active, and optionally a new password."""

    email = StringField(_l("Email"), validators=[InputRequired(), Length(max=255)])
    name = StringField(_l("Name"), validators=[Optional(), Length(max=120)])
    role_names = SelectMultipleField(_l("Roles"), widget=Select2Widget(multiple=True))
    active = BooleanField(_l("Active"))
    new_password = PasswordField(
        _l("New password"), validators=[Optional()], description=_l("Leave empty to keep the current password.")
    )


class RoleOptions:
    """The role filter's options, read from the database each time they are listed (roles change)."""

    def __bool__(self) -> bool:
        """Always offer a drop-down, even before the first request."""
        return True

    def __iter__(self):
        """Yield (name, name) for every role (names only: the descriptions are not shown here)."""
        return iter([(name, name) for name in db.session.scalars(select(Role.name).order_by(Role.name))])


class RoleFilter(BaseSQLAFilter):
    """Users who hold a given role."""

    def __init__(self) -> None:
        """Offer the roles by name."""
        super().__init__(User.id, _l("Role"), options=RoleOptions())

    def get_options(self, view):
        """Return the options as a lazy list: Flask-Admin caches it when the app is built."""
        del view
        return self.options

    def apply(self, query, value, alias=None):
        """Keep the users holding the role named `value`."""
        del alias
        return query.filter(User.roles.any(Role.name == value))

    def operation(self):
        """Describe the filter in the list's filter bar."""
        return _l("is")


class YesNoFilter(BaseSQLAFilter):
    """A yes/no filter on a condition about users; subclasses give the column, the label and the condition."""

    def __init__(self, column, label) -> None:
        """Offer yes and no."""
        super().__init__(column, label, options=(("1", _l("Yes")), ("0", _l("No"))))

    def condition(self):
        """Return the SQL condition that "yes" keeps."""
        raise NotImplementedError

    def validate(self, value) -> bool:
        """Accept only yes or no."""
        return value in ("0", "1")

    def apply(self, query, value, alias=None):
        """Keep the users meeting the condition for "1", the others for "0"."""
        del alias
        return query.filter(self.condition() if value == "1" else ~self.condition())

    def operation(self):
        """Describe the filter in the list's filter bar."""
        return _l("is")


class ConfirmedFilter(YesNoFilter):
    """Users who have (or have not) confirmed their email address."""

    def __init__(self) -> None:
        """Filter on the confirmation time."""
        super().__init__(User.confirmed_at, _l("Confirmed"))

    def condition(self):
        """Confirmed: a confirmation time is set."""
        return User.confirmed_at.is_not(None)


class LockedFilter(YesNoFilter):
    """Users whose account is locked now (too many failed sign-ins), or not."""

    def __init__(self) -> None:
        """Filter on the end of the lock."""
        super().__init__(User.locked_until, _l("Locked"))

    def condition(self):
        """Locked: the lock ends in the future."""
        return locked_clause()


class InvitedFilter(YesNoFilter):
    """Users invited who have not set their password yet, or the others."""

    def __init__(self) -> None:
        """Filter on the time of the pending invitation."""
        super().__init__(User.invited_at, _l("Invited"))

    def condition(self):
        """Invited: an invitation is pending."""
        return User.invited_at.is_not(None)


def _format_invited(view, context, model, name) -> Markup | str:
    """Show a badge on users whose invitation is pending (until they set their password)."""
    del context, name
    if model.invited_at is None:
        return ""
    sent = format_datetime(view, model.invited_at, "invited_at")
    return Markup('<span class="badge badge-info" title="%s">%s</span>') % (
        _("Invitation sent %(time)s (UTC)", time=sent),
        _("invited"),
    )


def _format_locked(view, context, model, name) -> str:
    """Show until when an account is locked, or nothing when it is not locked now."""
    del context, name
    return format_datetime(view, model.locked_until, "locked_until") if is_locked(model) else ""


def _format_roles(view, context, model, name) -> str:
    """Show a user's roles as a comma-separated list of names."""
    del view, context, name
    return ", ".join(role_names(model))


class UserView(SecureModelView):
    """Users: user-read to list, view and export; user-write to change; role-write to assign roles."""

    read_permission = USER_READ
    write_permission = USER_WRITE

    column_list = ["email", "name", "roles", "active", "invited_at", "confirmed_at", "current_login_at", "locked_until"]
    # Flask-Admin would join the roles into the page's query (joinedload of a relationship in the
    # list): around the LIMITed users it joins "(roles_users JOIN role)", which SQLite materializes
    # whole and indexes anew on every request. get_query loads them with a second query instead.
    column_auto_select_related = False
    column_details_list = [
        "email",
        "name",
        "roles",
        "active",
        "invited_at",
        "confirmed_at",
        "current_login_at",
        "last_login_at",
        "login_count",
        "tf_primary_method",
        "locked_until",
        "failed_logins",
        "create_datetime",
    ]
    column_export_list = ["email", "name", "roles", "active", "confirmed_at", "current_login_at", "create_datetime"]
    column_labels = {
        "email": _l("Email"),
        "name": _l("Name"),
        "username": _l("Username"),
        "roles": _l("Roles"),
        "active": _l("Active"),
        "confirmed_at": _l("Confirmed"),
        "current_login_at": _l("Last sign-in"),
        "last_login_at": _l("Previous sign-in"),
        "login_count": _l("Sign-ins"),
        "tf_primary_method": _l("Two-factor method"),
        "create_datetime": _l("Created"),
        "locked_until": _l("Locked until"),
        "failed_logins": _l("Failed sign-ins"),
        "invited_at": _l("Invitation"),
    }
    # Users sign in with their email address: nobody has a username, so it is not searched.
    column_searchable_list = ["email", "name"]
    column_sortable_list = ["email", "name", "active", "confirmed_at", "current_login_at"]
    column_default_sort = "email"
    column_formatters = {"roles": _format_roles, "locked_until": _format_locked, "invited_at": _format_invited}
    column_formatters_export = {"roles": _format_roles}
    form = UserEditForm

    def get_query(self):
        """Return the users query, loading the roles of the listed users by their roles_users key in one more query."""
        return super().get_query().options(selectinload(User.roles))

    def get_filters(self):
        """Filter by role, active and confirmed (built per view: filters remember their view)."""
        self.column_filters = [
            RoleFilter(),
            BooleanEqualFilter(User.active, _l("Active")),
            ConfirmedFilter(),
            LockedFilter(),
            InvitedFilter(),
        ]
        return super().get_filters()

    def get_create_form(self):
        """Use the create form (invitation or initial password)."""
        return UserCreateForm

    def get_edit_form(self):
        """Use the edit form (new password optional)."""
        return UserEditForm

    # --- per-request form set-up

    def _prepare(self, form):
        """Offer role assignment only to users holding role-write; list the roles of this request."""
        if self.may(ROLE_WRITE):
            form.role_names.choices = role_choices()
        else:
            del form.role_names
        return form

    def create_form(self, obj=None):
        """Return the create form for this request."""
        form = self._prepare(super().create_form(obj))
        if request.method == "GET" and "role_names" in form:
            form.role_names.data = [current_app.config["MFO_DEFAULT_ROLE"]]
        return form

    def edit_form(self, obj=None):
        """Return the edit form for this request, with the user's roles selected."""
        form = self._prepare(super().edit_form(obj))
        if request.method == "GET" and "role_names" in form and obj is not None:
            form.role_names.data = role_names(obj)
        return form

    def may_change_record(self, record) -> bool:
        """Offer edit and delete only on users holding no permission the current user lacks."""
        return self.may_write() and may_manage(current_user, record)

    def record_change_key(self, record) -> object:
        """Whether a user may be changed depends on their roles only (may_manage): users with the same roles share the answer."""
        return frozenset(role.id for role in record.roles)

    # --- checks before any view runs

    def check_request(self, name: str):
        """Refuse edits of better-privileged users, role changes without role-write, and stale role changes."""
        if name == "edit_view":
            target = self.get_one(record_id(request.args.get("id")))
            if target is not None and not may_manage(current_user, target):
                return self.refuse()
            if request.method == "POST" and target is not None:
                return self._check_role_change(set(role_names(target)))
        if name == "create_view" and request.method == "POST":
            return self._check_role_change({current_app.config["MFO_DEFAULT_ROLE"]})
        if name == "action_view" and request.form.get("action") == "reset_mfa" and not authentication_is_fresh():
            # Resetting someone's second factor is the step before taking over their account.
            return reauthenticate(
                self.get_url(".index_view"),
                _("Resetting two-factor needs a recent sign-in: enter your password again, then repeat the reset."),
            )
        return None

    def _check_role_change(self, current: set[str]):
        """Refuse a role assignment without role-write; ask for the password again when it is stale."""
        if not self.may(ROLE_WRITE):
            if "role_names" in request.form:
                return self.refuse()
            return None
        requested = set(request.form.getlist("role_names"))
        if requested != current and not authentication_is_fresh():
            return reauthenticate(current_url())
        return None

    # --- saving

    def create_model(self, form):
        """Create the user from the form; invite them or ask them to confirm their email."""

        def create():
            """Check the grant, then create the user."""
            names = self._requested_roles(form, default=[current_app.config["MFO_DEFAULT_ROLE"]])
            check_may_grant(current_user, self._permissions_of_roles(names))
            invited = bool(form.invite.data)
            user = user_datastore.create_user(
                email=form.email.data,
                name=form.name.data or None,
                password=None if invited else hash_password(form.new_password.data),
                active=bool(form.active.data),
                roles=[role for role in (user_datastore.find_role(n) for n in names) if role is not None],
                # An invitation is sent to this address, and only its link sets a password.
                confirmed_at=naive_utcnow() if invited else None,
            )
            if invited:
                start_invitation(user)
            return user

        user = self.save(create)
        if user is False:
            return False
        if form.invite.data:
            self.send_invitation(user)
            flash(_("An invitation was sent to %(email)s.", email=user.email), "info")
        elif current_app.config.get("SECURITY_CONFIRMABLE"):
            send_confirmation_instructions(user)
        return user

    def update_model(self, form, model):
        """Apply the edit form to the user, within the guard rails."""

        def update():
            """Apply the edit within the guard rails."""
            self._apply_edit(form, model)
            return model

        return self.save(update, record_before=model) is not False

    # --- the audit trail

    def audit_target(self, record) -> str:
        """Name a user by email and id in the audit trail."""
        return user_target(record)

    def audit_snapshot(self, record) -> dict[str, object]:
        """Audit the user's columns and their roles by name."""
        return {**super().audit_snapshot(record), "roles": role_names(record)}

    def _apply_edit(self, form, user: User) -> None:
        """Check every rule for this edit, then change the user."""
        actor = current_user
        check_may_manage(actor, user)
        old_roles = set(role_names(user))
        new_roles = set(self._requested_roles(form, default=sorted(old_roles)))
        deactivating = user.active and not form.active.data
        losing_admin = ADMIN_ROLE in old_roles and ADMIN_ROLE not in new_roles

        if form.email.data != user.email:
            check_not_self(actor, user, _("Change your own email address from your account page."))
        if form.new_password.data:
            check_not_self(actor, user, _("Change your own password from your account's security page."))
        if deactivating:
            check_not_self(actor, user, _("You cannot deactivate yourself."))
        if (deactivating or losing_admin) and is_active_admin(user):
            check_keeps_an_admin([user])
        check_may_grant(actor, self._permissions_of_roles(new_roles - old_roles))

        user.email = form.email.data
        user.name = form.name.data or None
        if new_roles != old_roles:
            user.roles = [role for role in (user_datastore.find_role(n) for n in sorted(new_roles)) if role]
        if form.new_password.data:
            user.password = hash_password(form.new_password.data)
            user.invited_at = None  # the password is set: the invitation's link no longer works
            end_all_sessions(user)  # whoever knew the old password is signed out
        if deactivating:
            user.active = False
            end_all_sessions(user)
        elif form.active.data and not user.active:
            user.active = True

    def _requested_roles(self, form, default: list[str]) -> list[str]:
        """Return the role names asked for, or `default` when this user may not assign roles."""
        if "role_names" in form and self.may(ROLE_WRITE):
            return list(form.role_names.data or [])
        return default

    @staticmethod
    def _permissions_of_roles(names) -> set[str]:
        """Return every permission the named roles grant."""
        names = list(names)
        if not names:
            return set()
        roles = db.session.scalars(select(Role).where(Role.name.in_(names)))
        return {permission for role in roles for permission in role.get_permissions()}

    def on_model_delete(self, model) -> None:
        """Refuse to delete yourself, a better-privileged user, or the last active admin."""
        check_not_self(current_user, model, _("You cannot delete yourself."))
        check_may_manage(current_user, model)
        check_keeps_an_admin([model])

    def send_invitation(self, user: User) -> None:
        """Email the user the link of their current invitation, to the "Set your password" page."""
        link = url_for("account.accept_invitation", token=invitation_token(user), _external=True)
        send_mail(
            _("You are invited to mfo, the Music Festival Organizer"),
            user.email,
            "admin/email/invitation",
            user=user,
            inviter=current_user.display_name,
            invitation_link=link,
            within=format_timedelta(lifetime()),
        )

    # --- bulk actions

    def _selected(self, ids) -> list[User]:
        """Return the users with the given ids (ids that are not numbers are ignored)."""
        wanted = [n for n in (record_id(i) for i in ids) if n is not None]
        return list(db.session.scalars(select(User).where(User.id.in_(wanted)))) if wanted else []

    def _bulk(self, ids, check, change, done_message, check_all=None, event: str = "") -> list[User]:
        """Check every selected user first; change all of them, or none if any is refused.

        Every change is recorded in the audit trail as `event`, with the user's values before and after.
        Return the users changed (none when refused).
        """
        users = self._selected(ids)
        try:
            for user in users:
                check(user)
            if check_all is not None:
                check_all(users)
        except Refused as refusal:
            flash(str(refusal), "error")
            return []
        for user in users:
            before = self.audit_snapshot(user)
            change(user)
            record(event, target=user_target(user), details={"changes": self.audit_changes(before, self.audit_snapshot(user))})
        db.session.commit()
        flash(done_message(len(users)), "success")
        return users

    @action("activate", _l("Activate"), _l("Activate the selected users?"))
    def action_activate(self, ids) -> None:
        """Let the selected users sign in again."""
        self._bulk(
            ids,
            lambda user: check_may_manage(current_user, user),
            lambda user: setattr(user, "active", True),
            lambda n: ngettext("%(count)s user was activated.", "%(count)s users were activated.", n, count=n),
            event="user-activated",
        )

    @action("deactivate", _l("Deactivate"), _l("Deactivate the selected users? They are signed out at once."))
    def action_deactivate(self, ids) -> None:
        """Stop the selected users signing in and end all of their sessions."""

        def check(user: User) -> None:
            """Refuse yourself and better-privileged users."""
            check_not_self(current_user, user, _("You cannot deactivate yourself."))
            check_may_manage(current_user, user)

        def change(user: User) -> None:
            """Deactivate the user and end their sessions."""
            if user.active:
                user.active = False
                end_all_sessions(user)

        self._bulk(
            ids,
            check,
            change,
            lambda n: ngettext("%(count)s user was deactivated.", "%(count)s users were deactivated.", n, count=n),
            check_all=check_keeps_an_admin,
            event="user-deactivated",
        )

    @action(
        "reset_mfa",
        _l("Reset two-factor"),
        _l("Remove the selected users' second factors? Those who need one must set it up again."),
    )
    def action_reset_mfa(self, ids) -> None:
        """Remove every second factor of the selected users (lost phone); they set one up again."""

        def check(user: User) -> None:
            """Refuse yourself (the account area does that) and better-privileged users."""
            check_not_self(current_user, user, _("Change your own two-factor settings from your account page."))
            check_may_manage(current_user, user)

        self._bulk(
            ids,
            check,
            reset_mfa,
            lambda n: ngettext(
                "Two-factor was reset for %(count)s user.", "Two-factor was reset for %(count)s users.", n, count=n
            ),
            event="mfa-reset",
        )

    @action("unlock", _l("Unlock"), _l("Unlock the selected accounts? Their failed sign-ins are forgotten."))
    def action_unlock(self, ids) -> None:
        """Let locked accounts sign in again before their cool-off ends."""
        self._bulk(
            ids,
            lambda user: check_may_manage(current_user, user),
            unlock_user,
            lambda n: ngettext("%(count)s account was unlocked.", "%(count)s accounts were unlocked.", n, count=n),
            event="account-unlocked",
        )

    @action(
        "resend_invitation",
        _l("Send the invitation again"),
        _l("Send a new invitation to the selected users? The links sent before stop working."),
    )
    def action_resend_invitation(self, ids) -> None:
        """Send invited users a new link (theirs expired or got lost); the older links stop working."""

        def check(user: User) -> None:
            """Refuse users who have accepted (they have a password) and better-privileged users."""
            check_may_manage(current_user, user)
            if user.invited_at is None:
                raise Refused(_("%(email)s is not waiting for an invitation.", email=user.email))

        invited = self._bulk(
            ids,
            check,
            start_invitation,
            lambda n: ngettext("%(count)s invitation was sent.", "%(count)s invitations were sent.", n, count=n),
            event="invitation-sent",
        )
        for user in invited:  # after the commit: each email carries its committed invitation
            self.send_invitation(user)
