"""How a festival's status reads to people, in the page's language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

STATUS_LABELS = {
    "draft": _l("Draft"),
    "entries-open": _l("Entries open"),
    "entries-closed": _l("Entries closed"),
    "scheduled": _l("Scheduled"),
    "published": _l("Published"),
    "archived": _l("Archived"),
}


def festival_status_label(status: str):
    """Return the label of a festival status (the status itself if unknown)."""
    return STATUS_LABELS.get(status, status)
