"""How the entries' values read to people, in the page's language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

STATUS_LABELS = {
    "submitted": _l("Submitted"),
    "accepted": _l("Accepted"),
    "withdrawn": _l("Withdrawn"),
    "scratched": _l("Scratched"),
}

SOURCE_LABELS = {"online": _l("Online"), "import": _l("Imported")}


def entry_status_label(status: str):
    """Return the label of an entry status (the status itself if unknown)."""
    return STATUS_LABELS.get(status, status)
