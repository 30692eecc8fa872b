"""What the enter feature adds to the festival's pages: on an entry's page, where an online entry came from."""

from __future__ import annotations

from flask import Flask, render_template
from flask_security import current_user
from markupsafe import Markup
from sqlalchemy import select

from mfo.database import db
from mfo.database.models import User
from mfo.enter.models import BasketEntry
from mfo.entries.models import Entry
from mfo.entries.permissions import ENTRIES_READ
from mfo.festival.slots import ENTRY_PANELS, provide
from mfo.people.permissions import PEOPLE_READ


def origin_panel(entry: Entry) -> Markup | None:
    """Return "Entered online on <date>" for an entry submitted from a basket, with the account for people-read holders.

    The account's email is the payer's contact: staff (entries-read without people-read) see when, not who.
    """
    if not current_user.has_permission(ENTRIES_READ):
        return None
    found = db.session.execute(
        select(BasketEntry.submitted_at, User.email)
        .join(User, User.id == BasketEntry.user_id)
        .where(BasketEntry.entry_id == entry.id)
        .limit(1)
    ).first()
    if found is None:
        return None
    submitted_at, email = found
    return Markup(
        render_template(
            "enter/_origin.html",
            submitted_at=submitted_at,
            email=email if current_user.has_permission(PEOPLE_READ) else None,
        )
    )


def init_panels(app: Flask) -> None:
    """Show where an online entry came from on the entry's page."""
    provide(app, ENTRY_PANELS, origin_panel)
