"""Guard rails of the admin: who may change whom, what may be granted, and who must stay an admin.

Every rule here is checked on the server, whatever the page offered. A broken rule raises Refused
(a WTForms ValidationError, so Flask-Admin flashes it and rolls the change back).
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import current_app, flash, redirect, request
from flask_babel import gettext as _
from flask_security import check_and_update_authn_fresh, url_for_security
from sqlalchemy import func, select
from wtforms.validators import ValidationError

from mfo.database import db
from mfo.database.models import Role, User
from mfo.permissions import ADMIN_ROLE, permissions_of


class Refused(ValidationError):
    """A change the guard rails do not allow; its message says why."""


def may_manage(actor, target) -> bool:
    """Tell whether `actor` may change `target`: only if the target holds no permission the actor lacks."""
    return permissions_of(target) <= permissions_of(actor)


def check_may_manage(actor, target) -> None:
    """Refuse any change to a user who holds a permission the actor does not hold."""
    if not may_manage(actor, target):
        raise Refused(
            _("You cannot change %(email)s: they hold permissions you do not hold.", email=target.email)
        )


def check_may_grant(actor, permissions: Iterable[str]) -> None:
    """Refuse to grant permissions the actor does not hold."""
    missing = sorted(set(permissions) - permissions_of(actor))
    if missing:
        raise Refused(_("You cannot grant permissions you do not hold: %(names)s.", names=", ".join(missing)))


def check_not_self(actor, target, message: str) -> None:
    """Refuse an action a user may not take on their own account."""
    if actor.id == target.id:
        raise Refused(message)


def is_active_admin(user) -> bool:
    """Tell whether the user is active and holds the admin role."""
    return bool(user.active) and any(role.name == ADMIN_ROLE for role in user.roles)


def other_active_admins(excluding: Iterable[int]) -> int:
    """Count the active admins whose ids are not in `excluding`."""
    excluded = list(excluding)
    query = select(func.count(User.id)).where(User.active.is_(True), User.roles.any(Role.name == ADMIN_ROLE))
    if excluded:
        query = query.where(User.id.not_in(excluded))
    return db.session.scalar(query) or 0


def check_keeps_an_admin(users: Iterable) -> None:
    """Refuse a change that would leave no active admin once `users` stop being active admins."""
    leaving = [user for user in users if is_active_admin(user)]
    if leaving and other_active_admins(user.id for user in leaving) == 0:
        raise Refused(_("The last active admin cannot be deactivated, deleted or lose the admin role."))


def authentication_is_fresh() -> bool:
    """Tell whether the signed-in user entered their password recently enough (SECURITY_FRESHNESS)."""
    return check_and_update_authn_fresh(
        current_app.config["SECURITY_FRESHNESS"], current_app.config["SECURITY_FRESHNESS_GRACE_PERIOD"]
    )


def reauthenticate(next_url: str, message: str | None = None):
    """Refuse the change for now and send the user to re-enter their password, then back to `next_url`."""
    flash(message or _("Changing roles or permissions needs a recent sign-in: please enter your password again."), "warning")
    return redirect(url_for_security("verify", next=next_url))


def current_url() -> str:
    """Return the path (and query string) of this request, as a `next` target."""
    return request.full_path if request.query_string else request.path
