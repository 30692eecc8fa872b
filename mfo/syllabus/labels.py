"""How the syllabus's values read to people, in the page's language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

CLASS_TYPE_LABELS = {
    "solo": _l("Solo"),
    "duet": _l("Duet"),
    "trio": _l("Trio"),
    "quartet": _l("Quartet"),
    "quintet": _l("Quintet"),
    "ensemble": _l("Ensemble"),
    "recital": _l("Recital"),
}


def class_type_label(class_type: str):
    """Return the label of a class type (the type itself if unknown)."""
    return CLASS_TYPE_LABELS.get(class_type, class_type)
