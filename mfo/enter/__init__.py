"""The enter feature: families and adult performers enter a festival online, from their own account.

This part holds the entry window (when a festival takes entries online), the account's performer
profiles (the holder and their children, each a person record with the holder as guardian) and the
class picker (the classes a performer's age and the class's type allow, by the validator's rules),
the solo entry form and the basket of drafts an account submits as the festival's entries.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from mfo.enter.panels import init_panels
from mfo.enter.privacy import forget_people, personal_data
from mfo.enter.views import bp
from mfo.feature import Feature, NavItem

feature = Feature(
    name="enter",
    blueprint=bp,
    # Any signed-in account may enter: the tab asks for no permission (each account sees only its own profiles).
    nav=(NavItem(_l("Enter"), "enter.index", section="festival"),),
    init_app=init_panels,
    personal_data=personal_data,
    forget_people=forget_people,
    audit_labels={
        "performer_profile-created": _l("Performer profile added"),
        "performer_profile-updated": _l("Performer profile changed"),
        "basket_entry-created": _l("Entry put in a basket"),
        "basket_entry-deleted": _l("Entry taken out of a basket"),
    },
)
