"""The festival feature: seasons (festivals), the current one, and the pages that belong to one festival."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from mfo.feature import Card, Feature, NavItem
from mfo.festival.admin import festival_counts, festival_view
from mfo.festival.commands import festival_cli
from mfo.festival.permissions import FESTIVAL_READ, FESTIVAL_WRITE
from mfo.festival.scoping import init_scoping
from mfo.festival.views import bp

feature = Feature(
    name="festival",
    blueprint=bp,
    permissions={
        FESTIVAL_READ: _l("See the festivals, their dates and dashboards"),
        FESTIVAL_WRITE: _l("Create and change festivals, choose the current one, roll a syllabus over"),
    },
    grants={"organizer": (FESTIVAL_READ, FESTIVAL_WRITE), "staff": (FESTIVAL_READ,)},
    admin_views=(festival_view,),
    admin_counts=festival_counts,
    cards=(
        Card(
            _l("Festival"),
            _l("The current season: its classes, people, entries and open issues."),
            "festival.current",
            (FESTIVAL_READ,),
        ),
    ),
    nav=(
        NavItem(_l("Festival"), "festival.current", (FESTIVAL_READ,)),
        NavItem(_l("Festival"), "festival.detail", (FESTIVAL_READ,), section="festival"),
    ),
    audit_labels={
        "festival-created": _l("Festival created"),
        "festival-updated": _l("Festival changed"),
        "festival-made-current": _l("Festival made current"),
        "festival-rolled-over": _l("Next season started from a festival's syllabus"),
        "festival-deleted": _l("Festival deleted"),
        "festival-exported": _l("Festivals exported"),
    },
    commands=(festival_cli,),
    init_app=init_scoping,
)
