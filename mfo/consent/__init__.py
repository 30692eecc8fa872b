"""The consent feature: performers' consents asked at submission (processing, photos and recordings, name published).

Minors answer through their guardian's account (under the festival's consent age); each answer is
kept with its time, account and wording version; organizers with consent-read see them; the
programme honours "no name published" through the NAMES_WITHHELD slot and `name_may_be_published`.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from mfo.consent.panels import init_panels
from mfo.consent.permissions import CONSENT_READ
from mfo.consent.privacy import forget_consents
from mfo.consent.services import personal_data
from mfo.consent.views import bp
from mfo.feature import Feature, NavItem

feature = Feature(
    name="consent",
    blueprint=bp,
    permissions={CONSENT_READ: _l("See performers' consents (photos, recordings, names published)")},
    grants={"organizer": (CONSENT_READ,)},
    nav=(
        NavItem(_l("Consents"), "consent.index", (CONSENT_READ,), section="festival"),
        # Any signed-in account: its own performers' answers (the page lists none for an account without any).
        NavItem(_l("Your consents"), "consent.mine", section="festival"),
    ),
    audit_labels={
        "consent-given": _l("Consents given"),
        "person-data-exported": _l("A person's data exported (data request)"),
        "people-purged": _l("People of past festivals purged"),
    },
    init_app=init_panels,
    personal_data=personal_data,
    forget_people=forget_consents,
)
