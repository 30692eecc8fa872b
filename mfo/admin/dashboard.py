"""The admin dashboard's numbers: users (active, unconfirmed, locked), roles and recent sign-ups."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from mfo.account.lockout import locked_clause
from mfo.database import db
from mfo.database.models import Role, User


def admin_counts(days: int = 7) -> dict[str, int]:
    """Return the dashboard's counts, in one query per table."""
    since = datetime.now(timezone.utc).replace(tzinfo=None) - timedelta(days=days)
    users = db.session.execute(
        select(
            func.count(User.id),
            func.count(User.id).filter(User.active.is_(True)),
            func.count(User.id).filter(User.confirmed_at.is_(None)),
            func.count(User.id).filter(User.create_datetime >= since),
            func.count(User.id).filter(locked_clause()),
        )
    ).one()
    roles = db.session.scalar(select(func.count(Role.id)))
    return {
        "users": users[0],
        "active": users[1],
        "unconfirmed": users[2],
        "recent": users[3],
        "locked": users[4],
        "roles": roles or 0,
        "days": days,
    }
