"""How entry statuses and class types read to people, in the page's language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

ENTRY_STATUS_LABELS = {
    "submitted": _l("Submitted"),
    "accepted": _l("Accepted"),
    "withdrawn": _l("Withdrawn"),
    "scratched": _l("Scratched"),
}

CLASS_TYPE_LABELS = {
    "solo": _l("Solo"),
    "duet": _l("Duet"),
    "trio": _l("Trio"),
    "quartet": _l("Quartet"),
    "quintet": _l("Quintet"),
    "ensemble": _l("Ensemble"),
    "recital": _l("Recital"),
}


def entry_status_label(status: str):
    """Return the label of an entry status (the status itself if unknown)."""
    return ENTRY_STATUS_LABELS.get(status, status)


def class_type_label(class_type: str):
    """Return the label of a class type (the type itself if unknown)."""
    return CLASS_TYPE_LABELS.get(class_type, class_type)
