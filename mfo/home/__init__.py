"""The home feature: the public landing page, the signed-in dashboard and the language switch."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from mfo.feature import Feature, NavItem
from mfo.home.views import bp

feature = Feature(
    name="home",
    blueprint=bp,
    nav=(NavItem(_l("Home"), "home.index", public=True),),
)
