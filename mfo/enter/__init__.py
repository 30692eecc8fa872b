"""The enter feature: families and adult performers enter a festival online, from their own account.

This part holds the entry window (when a festival takes entries online), the account's performer
profiles (the holder and their children, each a person record with the holder as guardian) and the
class picker (the classes a performer's age and the class's type allow, by the validator's rules),
the solo and group entry forms (mfo.enter.groups: duets to ensembles of the account's performers and
people it names) and the basket of drafts an account submits as the festival's entries. Teachers
enter their pupils the same way, and families see what their teacher entered (mfo.enter.teachers).
"""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from mfo.enter import (
    change_views,  # noqa: F401  (its routes join the blueprint)
    teacher_views,  # noqa: F401  (the teachers' pages, registered on the same blueprint)
)
from mfo.enter import group_views as group_views  # the group pages' routes, on the feature's blueprint
from mfo.enter.panels import init_panels
from mfo.enter.privacy import forget_people, personal_data
from mfo.enter.teachers import init_teachers
from mfo.enter.views import bp
from mfo.feature import Feature, NavItem


def init_enter(app: Flask) -> None:
    """Show where an online entry came from, and link a teacher's pupils to the family's account when it confirms its email."""
    init_panels(app)
    init_teachers(app)


feature = Feature(
    name="enter",
    blueprint=bp,
    # Any signed-in account may enter: the tab asks for no permission (each account sees only its own profiles).
    nav=(NavItem(_l("Enter"), "enter.index", section="festival"),),
    init_app=init_enter,
    personal_data=personal_data,
    forget_people=forget_people,
    audit_labels={
        "performer_profile-created": _l("Performer profile added"),
        "performer_profile-updated": _l("Performer profile changed"),
        "basket_entry-created": _l("Entry put in a basket"),
        "basket_entry-deleted": _l("Entry taken out of a basket"),
        "teacher_account-created": _l("Account enters as a teacher"),
        "pupil-linked": _l("Teacher's pupil shown to the family's account"),
    },
)
