"""The entries feature: who enters which class with which pieces, and what they paid."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from mfo.entries.permissions import ENTRIES_READ, ENTRIES_WRITE
from mfo.feature import Feature

feature = Feature(
    name="entries",
    permissions={
        ENTRIES_READ: _l("See the entries: classes, performers, teachers, pieces, fees"),
        ENTRIES_WRITE: _l("Change entries and their status; import entries"),
    },
    grants={"organizer": (ENTRIES_READ, ENTRIES_WRITE), "staff": (ENTRIES_READ,)},
)
