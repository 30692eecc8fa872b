"""The schedule's downloads (CSV, XLSX, iCalendar, per venue) and a person's own timetable, found by name.

Who sees names: `schedule-read` (staff and organizers). The front desk's question is "when is my
child playing?", asked with a name, and the schedule's own pages already name people in its
conflicts; what these pages show of a person is their name and their performances (date, time,
venue, class), never a birth date, address, phone or email (those stay behind `people-read`).
Every download is recorded in the audit trail, as the reports' exports are.
"""

from __future__ import annotations

from flask import Response, abort, render_template, request
from flask_security import auth_required, permissions_accepted
from sqlalchemy import select

from mfo.database import db
from mfo.festival.scoping import current_festival
from mfo.schedule.commands_io import record_export
from mfo.schedule.exports import FORMATS, MIMETYPES, export, schedule_rows
from mfo.schedule.loading import load_problem, load_schedule
from mfo.schedule.permissions import SCHEDULE_READ
from mfo.schedule.views import bp
from mfo.text import normalise_name
from mfo.venues.models import Venue

# The most people a name search lists: enough for a family name, not a copy of the festival's roll.
SEARCH_LIMIT = 50
MIN_QUERY = 2


def _download(data: bytes, fmt: str, filename: str) -> Response:
    """Return file bytes as an attachment that no browser renders in the page."""
    response = Response(data, mimetype=MIMETYPES[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _plain_schedule():
    """Return the current festival, its problem and its schedule."""
    festival = current_festival()
    problem = load_problem(festival)
    return festival, problem, load_schedule(festival, problem)


@bp.route("/export.<fmt>")
@auth_required()
@permissions_accepted(SCHEDULE_READ)
def download(fmt: str):
    """Download the whole schedule as CSV, XLSX or iCalendar, one row (or event) per performance."""
    if fmt not in FORMATS:
        abort(404)
    festival, problem, schedule = _plain_schedule()
    rows = schedule_rows(problem, schedule)
    data = export(festival, rows, fmt)
    record_export(festival, fmt, len(rows))
    db.session.commit()
    return _download(data, fmt, f"schedule-{festival.slug}.{fmt}")


@bp.route("/venue/<int:venue_id>.ics")
@auth_required()
@permissions_accepted(SCHEDULE_READ)
def venue_calendar(venue_id: int):
    """Download one venue's performances as iCalendar."""
    festival, problem, schedule = _plain_schedule()
    venue = db.session.scalar(select(Venue).where(Venue.id == venue_id, Venue.festival_id == festival.id))
    if venue is None:
        abort(404)
    rows = [row for row in schedule_rows(problem, schedule) if row.venue_id == venue.id]
    data = export(festival, rows, "ics", name=f"{festival.name}: {venue.name}")
    record_export(festival, "ics", len(rows), scope=f"venue {venue.id}")
    db.session.commit()
    return _download(data, "ics", f"schedule-{festival.slug}-venue-{venue.id}.ics")


def _names(problem) -> dict[int, str]:
    """Return the name of everyone the festival's schedule involves: performers, teachers, accompanists, adjudicators."""
    names = dict(problem.person_names)
    for adjudicator in problem.adjudicators.values():
        names[adjudicator.person_id] = adjudicator.name
    return names


@bp.route("/people")
@auth_required()
@permissions_accepted(SCHEDULE_READ)
def people():
    """Find a performer, teacher, accompanist or adjudicator of the festival by name, to open their timetable."""
    festival, problem, _schedule = _plain_schedule()
    query = request.args.get("q", "").strip()[:100]
    found: list[tuple[int, str]] = []
    words = normalise_name(query).split()
    if len(normalise_name(query)) >= MIN_QUERY:
        found = sorted(
            ((person_id, name) for person_id, name in _names(problem).items() if all(w in normalise_name(name) for w in words)),
            key=lambda item: (normalise_name(item[1]), item[0]),
        )
    return render_template(
        "schedule/people.html", festival=festival, query=query, found=found[:SEARCH_LIMIT],
        more=len(found) > SEARCH_LIMIT, too_short=bool(query) and not found and len(normalise_name(query)) < MIN_QUERY,
    )


def _person_rows(person_id: int):
    """Return the festival, the person's name and their performances, or 404 when the schedule does not involve them."""
    festival, problem, schedule = _plain_schedule()
    name = _names(problem).get(person_id)
    if name is None:
        abort(404)
    return festival, name, [row for row in schedule_rows(problem, schedule) if row.involves(person_id)]


@bp.route("/person/<int:person_id>")
@auth_required()
@permissions_accepted(SCHEDULE_READ)
def person(person_id: int):
    """Show one person's performances in the festival: date, time, venue and class, with a calendar download."""
    festival, name, rows = _person_rows(person_id)
    return render_template("schedule/person.html", festival=festival, person_id=person_id, name=name, rows=rows)


@bp.route("/person/<int:person_id>.ics")
@auth_required()
@permissions_accepted(SCHEDULE_READ)
def person_calendar(person_id: int):
    """Download one person's performances as iCalendar."""
    festival, name, rows = _person_rows(person_id)
    data = export(festival, rows, "ics", name=f"{festival.name}: {name}")
    record_export(festival, "ics", len(rows), scope=f"person {person_id}")
    db.session.commit()
    return _download(data, "ics", f"schedule-{festival.slug}-person-{person_id}.ics")
