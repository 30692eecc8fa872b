"""The adjudicators feature: who judges a festival's sessions, in which disciplines, when, and whom they must not judge."""

from __future__ import annotations

from flask.cli import AppGroup
from flask_babel import lazy_gettext as _l

from mfo.adjudicators.admin import adjudicator_view
from mfo.adjudicators.importing import ADJUDICATORS
from mfo.adjudicators.permissions import ADJUDICATOR_WRITE
from mfo.feature import Feature
from mfo.imports.commands import import_command

adjudicators_cli = AppGroup("adjudicators", help="A festival's adjudicators.")
adjudicators_cli.add_command(
    import_command("adjudicators", "Import an adjudicators file (CSV or XLSX, one row per adjudicator) into a festival.")
)

# Reading adjudicators needs festival-read (owned by the festival feature, below this one): who
# judges which day is what staff look up, and only names are shown (no personal data).
feature = Feature(
    name="adjudicators",
    permissions={ADJUDICATOR_WRITE: _l("Add, change and remove adjudicators, their availability and conflicts of interest")},
    grants={"organizer": (ADJUDICATOR_WRITE,)},
    admin_views=(adjudicator_view,),
    audit_labels={
        "adjudicator-created": _l("Adjudicator added"),
        "adjudicator-updated": _l("Adjudicator changed"),
        "adjudicator-deleted": _l("Adjudicator removed"),
        "adjudicator-exported": _l("Adjudicators exported"),
    },
    import_kinds=(ADJUDICATORS,),
    commands=(adjudicators_cli,),
)
