"""The entries feature: who enters which class with which pieces, and what they paid."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from mfo.entries import bulk  # noqa: F401  (its route joins the blueprint)
from mfo.entries.admin import entry_counts, entry_view
from mfo.entries.labels import entry_status_label
from mfo.entries.panels import init_panels
from mfo.entries.permissions import ENTRIES_READ, ENTRIES_WRITE
from mfo.entries.privacy import forget_people, personal_data
from mfo.entries.views import bp
from mfo.feature import Feature, NavItem


def init_entries(app: Flask) -> None:
    """Give templates the status labels; add the entries to the festival's, classes' and people's pages."""
    app.add_template_global(entry_status_label)
    init_panels(app)


feature = Feature(
    name="entries",
    blueprint=bp,
    permissions={
        ENTRIES_READ: _l("See the entries: classes, performers, teachers, pieces, fees"),
        ENTRIES_WRITE: _l("Change entries and their status; import entries"),
    },
    grants={"organizer": (ENTRIES_READ, ENTRIES_WRITE), "staff": (ENTRIES_READ,)},
    admin_views=(entry_view,),
    admin_counts=entry_counts,
    nav=(NavItem(_l("Entries"), "entries.index", (ENTRIES_READ,), section="festival"),),
    audit_labels={
        "entry-created": _l("Entry created"),
        "entry-updated": _l("Entry changed"),
        "entry-deleted": _l("Entry deleted"),
        "entry-exported": _l("Entries exported"),
    },
    init_app=init_entries,
    personal_data=personal_data,
    forget_people=forget_people,
)
