"""The account feature: a signed-in user's profile, language and security settings (/account)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from mfo.account.views import bp
from mfo.feature import Card, Feature, NavItem

feature = Feature(
    name="account",
    blueprint=bp,
    nav=(NavItem(_l("Account"), "account.index"),),
    cards=(Card(_l("Your account"), _l("Your profile, language and security settings."), "account.index"),),
    audit_labels={"signed-out-everywhere": _l("Signed out everywhere")},
)
