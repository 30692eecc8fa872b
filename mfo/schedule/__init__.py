"""The schedule feature: a festival's sessions, how classes are split and drawn, where each is placed, and people's requests."""

from __future__ import annotations

from flask.cli import AppGroup
from flask_babel import lazy_gettext as _l

from mfo.feature import Feature, NavItem
from mfo.imports.commands import import_command as kind_import_command
from mfo.schedule import jobs as solver_jobs
from mfo.schedule import (
    notify_job,
    solving,  # noqa: F401 (its views join the schedule's blueprint)
    views_draws,  # noqa: F401  (its routes join the schedule's blueprint)
    views_import,  # noqa: F401  (its routes join the schedule's blueprint)
    views_io,  # noqa: F401  (its routes join the schedule's blueprint)
    views_print,  # noqa: F401  (its routes join the schedule's blueprint)
    views_publish,  # noqa: F401  (its routes join the schedule's blueprint)
)
from mfo.schedule.admin import (
    draw_view,
    keep_together_view,
    placement_view,
    schedule_entry_view,
    section_view,
    session_view,
    unavailability_view,
)
from mfo.schedule.board import static_bp
from mfo.schedule.commands import schedule_cli
from mfo.schedule.importing_sessions import SESSIONS
from mfo.schedule.issues import SCHEDULE_CONFLICTS
from mfo.schedule.permissions import SCHEDULE_READ, SCHEDULE_WRITE
from mfo.schedule.privacy import forget_people
from mfo.schedule.views import bp

# kind_import_command is imported under another name: the schedule's own `import_command` submodule (the schedule
# file's command) binds `import_command` in this package once it is imported.
sessions_cli = AppGroup("sessions", help="A festival's sessions.")
sessions_cli.add_command(kind_import_command("sessions", "Import a sessions file (CSV or XLSX, one row per session) into a festival."))

feature = Feature(
    name="schedule",
    blueprint=bp,
    blueprints=(static_bp,),
    permissions={
        SCHEDULE_READ: _l("See the schedule: venues, adjudicators, sessions and where each class runs"),
        SCHEDULE_WRITE: _l("Change sessions, sections, draws, placements and people's scheduling requests"),
    },
    grants={"organizer": (SCHEDULE_READ, SCHEDULE_WRITE), "staff": (SCHEDULE_READ,)},
    admin_views=(session_view, section_view, schedule_entry_view, draw_view, placement_view, unavailability_view, keep_together_view),
    commands=(schedule_cli, sessions_cli),
    import_kinds=(SESSIONS,),
    forget_people=forget_people,
    nav=(NavItem(_l("Schedule"), "schedule.index", (SCHEDULE_READ,), section="festival"),),
    audit_labels={
        "schedule_session-created": _l("Session created"),
        "schedule_session-updated": _l("Session changed"),
        "schedule_session-deleted": _l("Session deleted"),
        "schedule_session-exported": _l("Sessions exported"),
        "class_section-created": _l("Class section created"),
        "class_section-updated": _l("Class section changed"),
        "class_section-deleted": _l("Class section deleted"),
        "class_section-exported": _l("Class sections exported"),
        "schedule_entry-created": _l("Entry's section or draw set"),
        "schedule_entry-updated": _l("Entry's section or draw changed"),
        "schedule_entry-deleted": _l("Entry's section or draw cleared"),
        "schedule_entry-exported": _l("Entries' sections and draw exported"),
        "class_draw-created": _l("Draw method set"),
        "class_draw-updated": _l("Draw method changed"),
        "class_draw-deleted": _l("Draw method cleared"),
        "class_draw-exported": _l("Draw methods exported"),
        "placement-created": _l("Class placed"),
        "placement-updated": _l("Placement changed"),
        "placement-deleted": _l("Placement removed"),
        "placement-exported": _l("Placements exported"),
        "unavailability-created": _l("Unavailable time added"),
        "unavailability-updated": _l("Unavailable time changed"),
        "unavailability-deleted": _l("Unavailable time deleted"),
        "unavailability-exported": _l("Unavailable times exported"),
        "keep_together-created": _l("Keep-together request added"),
        "keep_together-updated": _l("Keep-together request changed"),
        "keep_together-deleted": _l("Keep-together request deleted"),
        "keep_together-exported": _l("Keep-together requests exported"),
        "schedule-saved": _l("Schedule saved"),
        "schedule-exported": _l("Schedule exported"),
        "schedule-published": _l("Schedule published"),
        "schedule-notified": _l("Schedule changes emailed"),
        "schedule-split": _l("Class split into sections"),
        "schedule-joined": _l("Sections joined back into their class"),
    },
    jobs={solver_jobs.KIND: solver_jobs.run_solve, notify_job.KIND: notify_job.run_notify},
    issue_sources=(SCHEDULE_CONFLICTS,),
)
