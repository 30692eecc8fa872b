"""The dashboard: one card for each part of the site the signed-in user's roles open."""

from __future__ import annotations

from dataclasses import dataclass

from flask import url_for
from werkzeug.routing import BuildError
from flask_babel import lazy_gettext as _l

from mfo.permissions import ADMIN_ACCESS, AUDIT_READ, ROLE_READ, USER_READ


@dataclass(frozen=True)
class Card:
    """One dashboard entry: a title, what it is for, and where it leads."""

    title: str
    text: str
    endpoint: str
    permission: str | None = None


CARDS = (
    Card(_l("Your account"), _l("Your profile, language and security settings."), "account.index"),
    Card(_l("Admin"), _l("The admin area's overview."), "admin.index", ADMIN_ACCESS),
    Card(_l("Users"), _l("Find, create and manage the people who sign in."), "user.index_view", USER_READ),
    Card(_l("Roles"), _l("The roles and the permissions they grant."), "role.index_view", ROLE_READ),
    Card(_l("Audit trail"), _l("Who did what, and when."), "audit.index_view", AUDIT_READ),
)


def dashboard_cards(user) -> list[dict]:
    """Return the cards the user may open, with their URLs (endpoints not set up are left out)."""
    cards = []
    for card in CARDS:
        if card.permission and not (user.has_permission(ADMIN_ACCESS) and user.has_permission(card.permission)):
            continue
        try:
            url = url_for(card.endpoint)
        except BuildError:  # the feature providing this endpoint is not installed in this app
            continue
        cards.append({"title": card.title, "text": card.text, "url": url})
    return cards
