"""The printable programme: a day's sessions (every venue, one venue) or one session, one clean page per session.

Who sees it: `schedule-read` (staff and organizers): it is the front desk's programme and shows
what a person's timetable shows to staff (names and performances), plus the pieces played; never
a birth date, address, phone or email, nor the name of a performer who did not consent to its being
published (the NAMES_WITHHELD slot). A venue or session of another festival answers 404.
"""

from __future__ import annotations

from datetime import date

from flask import abort, render_template, request
from flask_babel import gettext as _
from flask_security import auth_required, permissions_accepted

from mfo.festival.scoping import current_festival
from mfo.festival.slots import NAMES_WITHHELD, collect
from mfo.schedule.loading import load_problem, load_schedule
from mfo.schedule.permissions import SCHEDULE_READ
from mfo.schedule.printing import chosen_sessions, days, programme
from mfo.schedule.views import bp


def _id_arg(name: str) -> int | None:
    """Return a whole-number query argument, None when absent or empty; 404 for anything else (no such page)."""
    value = request.args.get(name, "")[:12]
    if not value:
        return None
    if not value.isdigit():
        abort(404)
    return int(value)


@bp.route("/print")
@auth_required()
@permissions_accepted(SCHEDULE_READ)
def printable():
    """Choose a day and a venue (or one session); show one printable page per session with every performance's start."""
    festival = current_festival()
    problem = load_problem(festival)
    festival_days = days(problem)
    venue_id, session_id = _id_arg("venue"), _id_arg("session")
    if venue_id is not None and venue_id not in problem.venues:
        abort(404)
    if session_id is not None and session_id not in problem.sessions:
        abort(404)
    try:
        day = date.fromisoformat(request.args.get("day", "")[:10])
    except ValueError:
        day = None
    if session_id is not None:
        day = problem.sessions[session_id].start.date()
    pages = []
    if day in festival_days:
        schedule = load_schedule(festival, problem)
        pages = programme(
            problem, schedule, chosen_sessions(problem, day, venue_id, session_id),
            # Performers who said no to their name being published (the consent feature, when installed).
            withheld=lambda ids: set().union(*collect(NAMES_WITHHELD, festival, ids)),
            withheld_label=_("Name withheld"),
        )
    sessions = sorted(problem.sessions.values(), key=lambda s: (s.start, problem.venues[s.venue_id].name, s.id))
    venues = sorted(problem.venues.values(), key=lambda v: (v.name, v.id))
    return render_template(
        "schedule/print.html", festival=festival, days=festival_days, day=day if day in festival_days else None,
        venues=venues, venue_id=venue_id, sessions=sessions, session_id=session_id, pages=pages, problem=problem,
    )
