"""The festival feature: seasons (festivals), the current one, and the pages that belong to one festival."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from mfo.feature import Feature
from mfo.festival.permissions import FESTIVAL_READ, FESTIVAL_WRITE
from mfo.festival.scoping import init_scoping

feature = Feature(
    name="festival",
    permissions={
        FESTIVAL_READ: _l("See the festivals, their dates and dashboards"),
        FESTIVAL_WRITE: _l("Create and change festivals, choose the current one, roll a syllabus over"),
    },
    grants={"organizer": (FESTIVAL_READ, FESTIVAL_WRITE), "staff": (FESTIVAL_READ,)},
    init_app=init_scoping,
)
