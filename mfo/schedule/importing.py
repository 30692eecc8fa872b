"""The schedule's file coming back: rows of the export's columns turned into placements and draws, all or nothing.

This module reads no file: it takes the rows as text (the imports feature, above this one, reads
and bounds the file and hands its header and rows over), so the rules stay with the schedule.

Rows are grouped by their `class` (a class's code, or a section's: 1203, 1203A). Each class goes
to the session its rows name (matched by name within the festival) and starts at the earliest
`start` of its rows; its entries' draw follows the rows' order. Classes the file does not mention
stay where they are. Any error (an unknown session, class or entry, an unreadable time) refuses
the whole file with a stable code and the row's number; nothing is written then, nor on a dry run.
The resulting schedule is checked by the one conflict checker, as `schedule check` does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from mfo.audit.trail import record
from mfo.database import db
from mfo.entries.models import Entry
from mfo.festival.models import Festival
from mfo.schedule import problem as plain
from mfo.schedule.codes import Conflict
from mfo.schedule.conflicts import check
from mfo.schedule.draws import mark_manual
from mfo.schedule.loading import load_problem, load_schedule, save_schedule
from mfo.schedule.models import ScheduleEntry
from mfo.text import normalise_name

REQUIRED = ("session", "start", "class", "entry_id")
# The stable codes of a refused row, and what each means (the command prints the text; scripts read the code).
# Messages in the reader's language (lazy: English on the command line, the visitor's on the page).
ERRORS = {
    "schedule-column-missing": _l("the file has no column “{column}”"),
    "schedule-session-unknown": _l("no session of this festival is named “{value}”"),
    "schedule-session-ambiguous": _l("several sessions of this festival are named “{value}”"),
    "schedule-session-mixed": _l("class “{value}” is given more than one session"),
    "schedule-class-unknown": _l("no class or section of this festival has the code “{value}”"),
    "schedule-entry-unknown": _l("entry “{value}” is not an active entry of class “{unit}”"),
    "schedule-entry-repeated": _l("entry “{value}” is listed twice"),
    "schedule-start-invalid": _l("“{value}” is not a date and time (YYYY-MM-DDTHH:MM)"),
}


@dataclass(frozen=True)
class RowError:
    """A row the file cannot be imported with: its number as the spreadsheet shows it, a stable code, the value."""

    row: int
    code: str
    value: str = ""
    unit: str = ""

    @property
    def message(self) -> str:
        """Return the error in the reader's language (English on the command line)."""
        return str(ERRORS[self.code]).format(value=self.value, unit=self.unit, column=self.value)

    def as_dict(self) -> dict[str, object]:
        """Return the error as JSON data."""
        return {"row": self.row, "code": self.code, "value": self.value, "message": self.message}


@dataclass
class ImportResult:
    """What a file would do (or did): the placements it sets, the draws it changes, its errors and the conflicts left."""

    errors: list[RowError] = field(default_factory=list)
    placed: dict[str, plain.Placement] = field(default_factory=dict)
    draws: dict[str, list[int]] = field(default_factory=dict)
    conflicts: list[Conflict] = field(default_factory=list)
    changes: dict[str, list[str]] = field(default_factory=dict)
    applied: bool = False

    @property
    def can_apply(self) -> bool:
        """Tell whether the file has no error (conflicts do not refuse it: the organizer sees them)."""
        return not self.errors


def _parse_start(text: str) -> datetime | None:
    """Return an ISO date-time ("2027-04-10T09:30", a space instead of the T too), or None."""
    try:
        return datetime.fromisoformat(text.strip()).replace(tzinfo=None, microsecond=0)
    except ValueError:
        return None


def plan_import(
    festival: Festival, headers: Sequence[str], rows: Sequence[tuple[int, Sequence[str]]]
) -> tuple[ImportResult, plain.Problem, plain.Schedule]:
    """Read the rows (their number and cells, under `headers`) into a result and the schedule they give; write nothing."""
    result = ImportResult()
    problem = load_problem(festival)
    schedule = load_schedule(festival, problem)
    index = {normalise_name(name): i for i, name in enumerate(headers)}
    for column in REQUIRED:
        if normalise_name(column) not in index:
            result.errors.append(RowError(1, "schedule-column-missing", column))
    if result.errors:
        return result, problem, schedule

    sessions: dict[str, list[int]] = {}
    for session in problem.sessions.values():
        sessions.setdefault(normalise_name(session.name), []).append(session.id)
    units: dict[str, list[str]] = {}
    for key, unit in problem.units.items():
        units.setdefault(normalise_name(unit.label), []).append(key)

    def cell(values: Sequence[str], column: str) -> str:
        """Return a row's text under a column."""
        i = index[normalise_name(column)]
        return values[i].strip() if i < len(values) and values[i] is not None else ""

    chosen: dict[str, tuple[int, datetime]] = {}
    order: dict[str, list[int]] = {}
    seen: set[int] = set()
    for number, values in rows:
        label, session_name, start_text, entry_text = (cell(values, c) for c in ("class", "session", "start", "entry_id"))
        if not any((label, session_name, start_text, entry_text)):
            continue
        keys = units.get(normalise_name(label), [])
        if len(keys) != 1:
            result.errors.append(RowError(number, "schedule-class-unknown", label))
            continue
        key = keys[0]
        session_ids = sessions.get(normalise_name(session_name), [])
        if len(session_ids) != 1:
            code = "schedule-session-ambiguous" if session_ids else "schedule-session-unknown"
            result.errors.append(RowError(number, code, session_name))
            continue
        start = _parse_start(start_text)
        if start is None:
            result.errors.append(RowError(number, "schedule-start-invalid", start_text))
            continue
        entry_ids = {performance.entry_id for performance in problem.units[key].entries}
        entry_id = int(entry_text) if entry_text.isdigit() else None
        if entry_id is None or entry_id not in entry_ids:
            result.errors.append(RowError(number, "schedule-entry-unknown", entry_text, label))
            continue
        if entry_id in seen:
            result.errors.append(RowError(number, "schedule-entry-repeated", entry_text))
            continue
        seen.add(entry_id)
        previous = chosen.get(key)
        if previous is not None and previous[0] != session_ids[0]:
            result.errors.append(RowError(number, "schedule-session-mixed", label))
            continue
        chosen[key] = (session_ids[0], start if previous is None else min(previous[1], start))
        order.setdefault(key, []).append(entry_id)
    if result.errors:
        return result, problem, schedule

    for key, (session_id, start) in chosen.items():
        before = schedule.placements.get(key)
        result.placed[key] = plain.Placement(key, session_id, start, before.pinned if before else False)
    placements = dict(schedule.placements) | result.placed
    planned = plain.Schedule(placements)
    # The draw changes only where the file's order differs from the recorded one (entries it leaves out keep their place after).
    for key, entry_ids in order.items():
        current = [performance.entry_id for performance in problem.units[key].entries]
        wanted = entry_ids + [entry_id for entry_id in current if entry_id not in entry_ids]
        if wanted != current:
            result.draws[key] = wanted
    result.conflicts = check(problem, planned)
    return result, problem, planned


def apply_import(festival: Festival, result: ImportResult, schedule: plain.Schedule, actor=None, from_cli: bool = False) -> None:
    """Write a result without errors: the placements (through save_schedule, audited) and the draws; the caller commits."""
    if result.errors:
        raise ValueError("a file with errors is never applied")
    result.changes = save_schedule(festival, schedule, actor=actor)
    if result.draws:
        existing = {
            row.entry_id: row
            for row in db.session.scalars(
                select(ScheduleEntry).where(ScheduleEntry.entry_id.in_([e for ids in result.draws.values() for e in ids]))
            )
        }
        for entry_ids in result.draws.values():
            for position, entry_id in enumerate(entry_ids, start=1):
                row = existing.get(entry_id)
                if row is None:
                    db.session.add(ScheduleEntry(entry_id=entry_id, position=position))
                else:
                    row.position = position
        # A file's order is set by hand: the classes' draws no longer follow from a method.
        drawn = [e for ids in result.draws.values() for e in ids]
        mark_manual(set(db.session.scalars(select(Entry.class_id).where(Entry.id.in_(drawn)))))
        db.session.flush()
        record(
            "schedule_entry-updated",
            target=f"festival {festival.slug} (#{festival.id})",
            details={"draws": {key: ids for key, ids in sorted(result.draws.items())}},
            actor=actor,
            from_cli=from_cli,
        )
    result.applied = True
