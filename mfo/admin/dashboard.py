"""The admin overview's numbers for accounts: users (active, unconfirmed, locked), roles and recent sign-ups."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import url_for
from flask_babel import lazy_gettext as _l
from flask_security import current_user
from sqlalchemy import func, select

from mfo.admin.permissions import ROLE_READ, USER_READ
from mfo.database import db
from mfo.database.models import Role, User
from mfo.feature import Count
from mfo.security.lockout import locked_clause

RECENT_DAYS = 7


def account_counts() -> list[Count]:
    """Return the accounts' numbers, in one query per table, linked to the lists the user may read."""
    since = datetime.now(UTC).replace(tzinfo=None) - timedelta(days=RECENT_DAYS)
    users = db.session.execute(
        select(
            func.count(User.id),
            func.count(User.id).filter(User.active.is_(True)),
            func.count(User.id).filter(User.confirmed_at.is_(None)),
            func.count(User.id).filter(locked_clause()),
            func.count(User.id).filter(User.create_datetime >= since),
        )
    ).one()
    roles = db.session.scalar(select(func.count(Role.id))) or 0
    read_users = current_user.has_permission(USER_READ)
    read_roles = current_user.has_permission(ROLE_READ)

    def users_list(**filters) -> str | None:
        """Link to the users list (filtered) when the user may read it."""
        return url_for("user.index_view", **filters) if read_users else None

    return [
        Count("users", _l("Users"), users[0], users_list()),
        Count("active", _l("Active users"), users[1], users_list(flt0_1="1")),
        Count("unconfirmed", _l("Unconfirmed users"), users[2], users_list(flt0_2="0")),
        Count("locked", _l("Locked accounts"), users[3], users_list(flt0_3="1")),
        Count("roles", _l("Roles"), roles, url_for("role.index_view") if read_roles else None),
        Count("recent", _l("Sign-ups in the last %(days)s days", days=RECENT_DAYS), users[4]),
    ]
