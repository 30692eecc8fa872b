"""How the schedule's codes read to people: draw methods and keep-together modes, in the page's language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

DRAW_METHOD_LABELS = {
    "random": _l("Random draw"),
    "alphabetical": _l("Alphabetical"),
    "age": _l("By age, youngest first"),
    "manual": _l("Set by hand"),
}

TOGETHER_MODE_LABELS = {
    "same-day": _l("Same day"),
    "back-to-back": _l("Back to back"),
}
