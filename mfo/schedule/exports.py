"""The schedule as a file: one row per performance as CSV or XLSX, and one iCalendar event per performance.

The rows come from the plain schedule (`load_problem`, `load_schedule`), so a file says exactly what
the checker and the board see. Each performance is an entry's own slot inside its placed class or
section (`Schedule.performances`). CSV goes through mfo.text.csv_writer (no cell can run as a
formula); in XLSX every text cell is a string cell, never a formula, as the reports write theirs.

iCalendar: one event per performance, not per class, because the file answers "when is my child
playing?": a class of twenty entries lasts hours, a performer's slot minutes. An event's UID is
its entry's (`entry-<id>@<festival slug>.mfo`), so a calendar that imports a new copy after the
schedule changed moves the event instead of adding a second one. Times are the festival's local
times, written as "floating" times (no time zone): the festival records none.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from icalendar import Calendar, Event

from mfo.festival.models import Festival
from mfo.schedule import problem as plain
from mfo.schedule.loading import load_problem, load_schedule
from mfo.text import csv_writer
from mfo.xlsx import Workbook

FORMATS = ("csv", "xlsx", "ics")
MIMETYPES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ics": "text/calendar",
}
# The columns of the CSV and XLSX files, in order; the import reads the same names back.
COLUMNS = (
    "session", "venue", "date", "start", "end", "class", "class_name",
    "entry_id", "performers", "performer_ids", "accompanist_id", "teacher_id", "adjudicator_id",
)
# Several ids in one cell: ";" is not a CSV separator here and no spreadsheet reads "3;12" as a number.
ID_SEPARATOR = ";"


@dataclass(frozen=True)
class Row:
    """One performance: the entry's own slot, its class (or section), session, venue and people."""

    unit_key: str
    session_id: int
    session: str
    venue_id: int
    venue: str
    start: datetime
    end: datetime
    class_label: str
    class_name: str
    entry_id: int
    performer_ids: tuple[int, ...]
    performers: tuple[str, ...]
    accompanist_id: int | None
    teacher_id: int | None
    adjudicator_id: int | None
    adjudicator_person_id: int | None

    def cells(self) -> list[object]:
        """Return the row's cells in COLUMNS order: times as ISO date-times, ids as numbers or ";"-separated text."""
        return [
            self.session, self.venue, self.start.date().isoformat(), self.start.isoformat(timespec="minutes"),
            self.end.isoformat(timespec="minutes"), self.class_label, self.class_name, self.entry_id,
            ", ".join(self.performers), ID_SEPARATOR.join(str(i) for i in self.performer_ids),
            "" if self.accompanist_id is None else self.accompanist_id,
            "" if self.teacher_id is None else self.teacher_id,
            "" if self.adjudicator_person_id is None else self.adjudicator_person_id,
        ]

    def involves(self, person_id: int) -> bool:
        """Tell whether a person performs, accompanies, teaches or judges this performance."""
        return person_id in self.performer_ids or person_id in (self.accompanist_id, self.teacher_id, self.adjudicator_person_id)


def schedule_rows(problem: plain.Problem, schedule: plain.Schedule) -> list[Row]:
    """Return one row per performance of every placed unit, by start, then venue, then the draw."""
    rows = []
    for key, placement in schedule.placements.items():
        unit = problem.units.get(key)
        session = problem.sessions.get(placement.session_id)
        if unit is None or session is None:
            continue
        venue = problem.venues.get(session.venue_id)
        adjudicator = problem.adjudicators.get(session.adjudicator_id) if session.adjudicator_id is not None else None
        for performance, window in schedule.performances(problem, key):
            performers = tuple(sorted(performance.performer_ids, key=lambda p: (problem.person_name(p), p)))
            rows.append(
                Row(
                    unit_key=key, session_id=session.id, session=session.name, venue_id=session.venue_id,
                    venue=venue.name if venue else "", start=window.start, end=window.end,
                    class_label=unit.label, class_name=unit.name, entry_id=performance.entry_id,
                    performer_ids=performers, performers=tuple(problem.person_name(p) for p in performers),
                    accompanist_id=performance.accompanist_id, teacher_id=performance.teacher_id,
                    adjudicator_id=session.adjudicator_id,
                    adjudicator_person_id=adjudicator.person_id if adjudicator else None,
                )
            )
    rows.sort(key=lambda row: (row.start, row.venue, row.session_id, row.unit_key))
    return rows


def festival_rows(festival: Festival) -> list[Row]:
    """Return the festival's schedule as rows, read from the database."""
    problem = load_problem(festival)
    return schedule_rows(problem, load_schedule(festival, problem))


def to_csv(rows: Iterable[Row], *, bom: bool = True) -> bytes:
    """Return the rows as CSV in UTF-8 (with a byte-order mark for spreadsheets unless told not to)."""
    buffer = io.StringIO()
    writer = csv_writer(buffer)
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow(row.cells())
    return (("\ufeff" if bom else "") + buffer.getvalue()).encode("utf-8")


def to_xlsx(rows: Iterable[Row]) -> bytes:
    """Return the rows as a one-sheet workbook, headings in bold, the same cells as the CSV (numbers as numbers, the rest text)."""
    workbook = Workbook()
    sheet = workbook.sheet("Schedule")
    sheet.header(COLUMNS)
    for row in rows:
        sheet.row(value if isinstance(value, int) else str(value) for value in row.cells())
    return workbook.close()


def to_ics(festival: Festival, rows: Iterable[Row], name: str | None = None) -> bytes:
    """Return one VEVENT per performance: a stable UID, location = venue, summary = class and performers."""
    calendar = Calendar()
    calendar.add("prodid", "-//mfo//Music Festival Organizer//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name or festival.name)
    stamp = datetime.now(UTC).replace(microsecond=0)
    for row in rows:
        event = Event()
        event.add("uid", f"entry-{row.entry_id}@{festival.slug}.mfo")
        event.add("dtstamp", stamp)
        event.add("dtstart", row.start)
        event.add("dtend", row.end)
        event.add("summary", f"{row.class_label} {row.class_name}: {', '.join(row.performers)}".strip())
        event.add("location", row.venue)
        event.add("description", row.session)
        calendar.add_component(event)
    return calendar.to_ical()


def export(festival: Festival, rows: list[Row], fmt: str, *, bom: bool = True, name: str | None = None) -> bytes:
    """Return the rows in the format asked for (csv, xlsx or ics)."""
    writers: dict[str, Callable[[], bytes]] = {
        "csv": lambda: to_csv(rows, bom=bom),
        "xlsx": lambda: to_xlsx(rows),
        "ics": lambda: to_ics(festival, rows, name),
    }
    if fmt not in writers:
        raise ValueError(f"unknown format {fmt!r}")
    return writers[fmt]()
