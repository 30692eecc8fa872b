"""The imports feature: files of any declared kind (syllabus, entries, venues...) previewed, confirmed and undone as a whole.

Its own kinds are the syllabus and the entries (mfo.imports.own_kinds); any feature listed after it
declares more in `Feature(import_kinds=...)` (see mfo.imports.kinds and docs/extending.md).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from mfo.feature import Feature, NavItem
from mfo.festival.permissions import FESTIVAL_READ
from mfo.imports import jobs, kinds
from mfo.imports.commands import entries_cli, imports_cli, syllabus_cli
from mfo.imports.own_kinds import ENTRIES, SYLLABUS
from mfo.imports.privacy import forget_people
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
        "import-kind-changed": _l("Import's kind of file changed"),
    },
    commands=(syllabus_cli, entries_cli, imports_cli),
    import_kinds=(SYLLABUS, ENTRIES),
    init_app=kinds.init_app,
    forget_people=forget_people,
    jobs={jobs.KINDS["preview"]: jobs.run_preview, jobs.KINDS["confirm"]: jobs.run_confirm},
)
