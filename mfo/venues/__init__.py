"""The venues feature: the halls and rooms where a festival's classes take place, their hours, and travel between them."""

from __future__ import annotations

from flask.cli import AppGroup
from flask_babel import lazy_gettext as _l

from mfo.feature import Feature
from mfo.imports.commands import import_command
from mfo.venues.admin import travel_view, venue_view
from mfo.venues.importing import VENUES
from mfo.venues.permissions import VENUE_WRITE

venues_cli = AppGroup("venues", help="A festival's venues.")
venues_cli.add_command(import_command("venues", "Import a venues file (CSV or XLSX, one row per venue) into a festival."))

# Reading venues needs festival-read, which the festival feature (below this one) owns: where
# classes take place is what staff at the front desk look up, and nothing in a venue is personal.
feature = Feature(
    name="venues",
    permissions={VENUE_WRITE: _l("Create, change and delete venues, their opening hours and travel times")},
    grants={"organizer": (VENUE_WRITE,)},
    admin_views=(venue_view, travel_view),
    audit_labels={
        "venue-created": _l("Venue created"),
        "venue-updated": _l("Venue changed"),
        "venue-deleted": _l("Venue deleted"),
        "venue-exported": _l("Venues exported"),
        "venue_travel-created": _l("Travel time set"),
        "venue_travel-updated": _l("Travel time changed"),
        "venue_travel-deleted": _l("Travel time deleted"),
        "venue_travel-exported": _l("Travel times exported"),
    },
    import_kinds=(VENUES,),
    commands=(venues_cli,),
)
