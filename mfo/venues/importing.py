"""A venues import: one row per venue of the festival, with its address, piano and opening hours; declared as a kind.

A venue is matched by name within the festival (case, accents and spacing aside, as people's names
are). A row describing a venue on file as it is matches it; one that says something else changes
it, its opening hours replacing the venue's windows (the values before are kept for the undo). A
blank cell leaves the venue's value as it is (a new venue: no address, a piano, no opening hours).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, time
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_security.utils import naive_utcnow
from sqlalchemy import delete, insert, or_, select
from sqlalchemy.orm import selectinload

from mfo.database import db
from mfo.festival.models import Festival
from mfo.festival.windows import format_windows
from mfo.imports.cells import Cells
from mfo.imports.changes import ChangeLog, snapshot
from mfo.imports.kinds import ImportKind, Record
from mfo.imports.plan import BLOCKED, CHANGED, CREATED, EXCLUDED, MATCHED, PROGRESS_STEP, Plan, Progress, RowResult, no_progress
from mfo.imports.tabular import Column, ColumnMatch, Table
from mfo.issues.codes import Issue
from mfo.text import normalise_name
from mfo.venues.models import Venue, VenueOpening, VenueTravel
from mfo.venues.permissions import VENUE_WRITE

COLUMNS: tuple[Column, ...] = (
    Column("name", required=True, aliases=("venue", "venue name", "hall", "room", "nom", "salle")),
    Column("address", aliases=("location", "adresse", "lieu")),
    Column("has_piano", aliases=("piano", "has piano")),
    Column("opening_hours", aliases=("opening hours", "hours", "open", "opening", "horaires")),
)

FIELD_HELP = {
    "name": _l("The venue's name, e.g. Main Hall (a room of a building is a venue of its own)"),
    "address": _l("Its address (blank: unchanged)"),
    "has_piano": _l("yes or no (blank: yes for a new venue, unchanged for one on file)"),
    "opening_hours": _l(
        "When it is open, as YYYY-MM-DD HH:MM-HH:MM, several separated by ; (replaces the venue's hours; blank: unchanged)"
    ),
}

# The column lengths of the venue table.
NAME_LENGTH = 120
ADDRESS_LENGTH = 255

Window = tuple[date, time, time]


@dataclass
class VenueRow:
    """A venue as one row describes it (None: the cell is blank, the value stays as it is)."""

    row: int
    name: str
    address: str | None
    has_piano: bool | None
    opening: list[Window] | None


@dataclass
class VenuePlan:
    """What one row does to its venue: create it, or change it (with its values before)."""

    row: VenueRow
    outcome: str
    record: Venue | None = None
    before: dict[str, Any] = field(default_factory=dict)


def read_row(cells: Cells, festival: Festival) -> VenueRow | None:
    """Read a venue row; return None when a value is missing or unreadable, or a window is not on a festival day."""
    name = " ".join(cells.required("name").split())
    if len(name) > NAME_LENGTH:
        cells.too_long("name", NAME_LENGTH)
    address = " ".join(cells.text("address").split()) or None
    if address is not None and len(address) > ADDRESS_LENGTH:
        cells.too_long("address", ADDRESS_LENGTH)
    has_piano = cells.yes_no("has_piano")
    opening = cells.windows("opening_hours", festival.start_date, festival.end_date)
    if cells.result.errors:
        return None
    return VenueRow(cells.row.number, name, address, has_piano, opening)


def _windows(venue: Venue) -> list[Window]:
    """Return a venue's opening windows, in order."""
    return sorted((window.day, window.start, window.end) for window in venue.opening)


def _differs(venue: Venue, row: VenueRow) -> bool:
    """Tell whether a row says something else than the venue on file (a blank cell says nothing)."""
    return (
        (row.address is not None and row.address != venue.address)
        or (row.has_piano is not None and row.has_piano != venue.has_piano)
        or (row.opening is not None and row.opening != _windows(venue))
        or row.name != venue.name
    )


def plan_venues(
    festival: Festival,
    table: Table,
    match: ColumnMatch,
    *,
    excluded: Collection[int] = (),
    progress: Progress = no_progress,
) -> Plan:
    """Check a venues file against the festival's venues; return what importing it would do (nothing written)."""
    excluded = set(excluded)
    venues = {
        normalise_name(venue.name): venue
        for venue in db.session.scalars(
            select(Venue).where(Venue.festival_id == festival.id).options(selectinload(Venue.opening))
        )
    }
    plan = Plan(kind="venues", results=[], excluded=sorted(excluded), extra_cells=list(table.extra_cells))
    first_row: dict[str, int] = {}
    venue_plans: list[VenuePlan] = []
    for position, row in enumerate(table.rows, start=1):
        result = RowResult(row.number)
        plan.results.append(result)
        cells = Cells(match, row, result)
        venue_row = read_row(cells, festival)
        result.label = venue_row.name if venue_row else " ".join(cells.text("name").split())[:NAME_LENGTH]
        key = normalise_name(result.label)
        if venue_row is not None:
            other = first_row.setdefault(key, row.number)
            if other != row.number:
                result.issues.append(Issue("duplicate-row", {"name": venue_row.name, "other": other}, row=row.number))
        if row.number in excluded:
            result.outcome = EXCLUDED
        elif result.errors:
            result.outcome = BLOCKED
        else:
            venue_plans.append(_plan_row(plan, result, venue_row, venues.get(key)))
        if position % PROGRESS_STEP == 0:
            progress(position)
    plan.writer = lambda batch, changes: _write(festival, venue_plans, changes)
    progress(len(plan.results))
    return plan


def _plan_row(plan: Plan, result: RowResult, venue_row: VenueRow, venue: Venue | None) -> VenuePlan:
    """Decide what a readable row does to its venue, and count it."""
    if venue is None:
        outcome, before = CREATED, {}
        plan.created["venue"] += 1
    elif _differs(venue, venue_row):
        outcome = CHANGED
        before = {
            **snapshot(venue, ("name", "address", "has_piano", "updated_at")),
            "opening": [[day.isoformat(), start.strftime("%H:%M"), end.strftime("%H:%M")] for day, start, end in _windows(venue)],
        }
        plan.changed["venue"] += 1
    else:
        outcome, before = MATCHED, {}
        plan.matched["venue"] += 1
    result.outcome = outcome
    label = venue_row.name
    if venue_row.opening:
        label = f"{label} ({format_windows(venue_row.opening)})"
    result.records.insert(0, ("venue", outcome, label))
    return VenuePlan(venue_row, outcome, venue, before)


def _write(festival: Festival, venue_plans: list[VenuePlan], changes: ChangeLog) -> None:
    """Write the venues plan in the current transaction, noting every venue created or changed."""
    created = []
    for plan in venue_plans:
        row = plan.row
        if plan.outcome == CREATED:
            venue = Venue(
                festival_id=festival.id,
                name=row.name,
                address=row.address,
                has_piano=True if row.has_piano is None else row.has_piano,
            )
            db.session.add(venue)
            created.append((venue, row.opening or []))
        elif plan.outcome == CHANGED:
            venue = plan.record
            venue.name = row.name
            if row.address is not None:
                venue.address = row.address
            if row.has_piano is not None:
                venue.has_piano = row.has_piano
            # Set by hand: a change of opening hours alone changes no column of the venue itself.
            venue.updated_at = naive_utcnow()
            db.session.flush()
            if row.opening is not None:
                restore_opening(venue.id, [[d.isoformat(), s.strftime("%H:%M"), e.strftime("%H:%M")] for d, s, e in row.opening])
            changes.changed("venue", venue.id, plan.before)
    db.session.flush()
    rows = [
        {"venue_id": venue.id, "day": day, "start_time": start, "end_time": end}
        for venue, opening in created
        for day, start, end in opening
    ]
    if rows:
        db.session.execute(insert(VenueOpening.__table__), rows)
    changes.created("venue", [venue.id for venue, _opening in created])
    # The ORM's copies of the windows are stale after the statements above.
    for plan in venue_plans:
        if plan.record is not None:
            db.session.expire(plan.record, ["opening"])


def restore_opening(venue_id: int, windows: list[list[str]]) -> None:
    """Replace a venue's opening windows with [day, start, end] (ISO date, HH:MM), as kept for the undo."""
    db.session.execute(delete(VenueOpening.__table__).where(VenueOpening.__table__.c.venue_id == venue_id))
    rows = [
        {"venue_id": venue_id, "day": date.fromisoformat(day), "start_time": time.fromisoformat(start), "end_time": time.fromisoformat(end)}
        for day, start, end in windows
    ]
    if rows:
        db.session.execute(insert(VenueOpening.__table__), rows)


def venue_uses(created, _touched):
    """What, made since a venues import, uses a venue it created: a travel time (sessions are found by their key)."""
    venues = created["venue"]
    return [("venue", select(VenueTravel.id).where(or_(VenueTravel.venue_a_id.in_(venues), VenueTravel.venue_b_id.in_(venues))))]


VENUES = ImportKind(
    name="venues",
    label=_l("Venues"),
    description=_l("One row per venue."),
    columns=COLUMNS,
    field_help=FIELD_HELP,
    permission=VENUE_WRITE,
    planner=plan_venues,
    records=(Record(Venue, "venue", _l("venues")),),
    undo_uses=venue_uses,
    restorers={"opening": restore_opening},
    sheet_title="venues",
    example_rows=(
        ("Main Hall", "12 Church Street", "yes", "2026-03-02 09:00-12:00; 2026-03-02 13:00-17:00"),
        ("Studio B", "12 Church Street", "no", "2026-03-02 09:00-17:00"),
    ),
)
