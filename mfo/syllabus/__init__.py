"""The syllabus feature: a festival's disciplines, levels and classes with their set pieces, and the repertoire."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from mfo.feature import Feature
from mfo.syllabus.permissions import SYLLABUS_READ, SYLLABUS_WRITE

feature = Feature(
    name="syllabus",
    permissions={
        SYLLABUS_READ: _l("See the syllabus: classes, set pieces and the repertoire"),
        SYLLABUS_WRITE: _l("Change the syllabus and the repertoire; import a syllabus"),
    },
    grants={"organizer": (SYLLABUS_READ, SYLLABUS_WRITE), "staff": (SYLLABUS_READ,)},
)
