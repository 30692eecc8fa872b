"""The reports feature: the festival's dashboard and its reports, on screen, printed and exported."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from mfo.feature import Feature, NavItem
from mfo.festival.permissions import FESTIVAL_READ
from mfo.reports.commands import reports_command
from mfo.reports.exports import EXPORTED
from mfo.reports.views import bp, static_bp

feature = Feature(
    name="reports",
    blueprint=bp,
    blueprints=(static_bp,),
    nav=(
        NavItem(_l("Dashboard"), "reports.dashboard", (FESTIVAL_READ,), section="festival"),
        NavItem(_l("Reports"), "reports.index", (FESTIVAL_READ,), section="festival"),
    ),
    audit_labels={EXPORTED: _l("Report exported")},
    commands=(reports_command,),
)
