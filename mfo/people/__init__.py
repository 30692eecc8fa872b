"""The people feature: everyone the festival knows (performers, teachers, accompanists, contacts), schools and groups."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from mfo.feature import Feature
from mfo.people.permissions import PEOPLE_READ, PEOPLE_WRITE

feature = Feature(
    name="people",
    permissions={
        PEOPLE_READ: _l("See people's personal data: birth dates, addresses, phone numbers"),
        PEOPLE_WRITE: _l("Change people, schools and groups"),
    },
    grants={"organizer": (PEOPLE_READ, PEOPLE_WRITE)},
)
