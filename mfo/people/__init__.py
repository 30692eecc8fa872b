"""The people feature: everyone the festival knows (performers, teachers, accompanists, contacts), schools and groups."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from mfo.feature import Feature, NavItem
from mfo.festival.permissions import FESTIVAL_READ
from mfo.people.admin import group_view, people_counts, person_view, school_view
from mfo.people.permissions import PEOPLE_READ, PEOPLE_WRITE
from mfo.people.privacy import forget_people, people_cli, personal_data
from mfo.people.views import bp

feature = Feature(
    name="people",
    blueprint=bp,
    permissions={
        PEOPLE_READ: _l("See people's personal data: birth dates, addresses, phone numbers"),
        PEOPLE_WRITE: _l("Change people, schools and groups"),
    },
    grants={"organizer": (PEOPLE_READ, PEOPLE_WRITE)},
    admin_views=(school_view, person_view, group_view),
    admin_counts=people_counts,
    commands=(people_cli,),
    personal_data=personal_data,
    forget_people=forget_people,
    # Names are for everyone who sees the festival (the front desk); personal data for people-read only.
    nav=(NavItem(_l("People"), "people.index", (FESTIVAL_READ,), section="festival"),),
    audit_labels={
        "school-created": _l("School created"),
        "school-updated": _l("School changed"),
        "school-deleted": _l("School deleted"),
        "school-exported": _l("Schools exported"),
        "person-created": _l("Person created"),
        "person-updated": _l("Person changed"),
        "person-deleted": _l("Person deleted"),
        "person-exported": _l("People exported"),
        "performing_group-created": _l("Group created"),
        "performing_group-updated": _l("Group changed"),
        "performing_group-deleted": _l("Group deleted"),
        "performing_group-exported": _l("Groups exported"),
    },
)
