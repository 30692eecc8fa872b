"""The imports feature: syllabus and entries from CSV or XLSX files, previewed, confirmed as a whole, undone as a whole."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from mfo.feature import Feature, NavItem
from mfo.festival.permissions import FESTIVAL_READ
from mfo.imports import jobs
from mfo.imports.commands import entries_cli, imports_cli, syllabus_cli
from mfo.imports.schedule_command import add_schedule_import
from mfo.imports.views import bp, static_bp

feature = Feature(
    name="imports",
    blueprint=bp,
    blueprints=(static_bp,),
    nav=(NavItem(_l("Imports"), "imports.index", (FESTIVAL_READ,), section="festival"),),
    audit_labels={
        "import-uploaded": _l("Import file uploaded"),
        "import-applied": _l("Import applied"),
        "import-refused": _l("Import refused (rows with errors)"),
        "import-undone": _l("Import undone"),
        "import-discarded": _l("Import cancelled"),
    },
    commands=(syllabus_cli, entries_cli, imports_cli),
    init_app=add_schedule_import,
    jobs={jobs.KINDS["preview"]: jobs.run_preview, jobs.KINDS["confirm"]: jobs.run_confirm},
)
