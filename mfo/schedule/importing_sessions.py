"""A sessions import: one row per session (a venue, a day, its hours, its adjudicator and discipline, its breaks); declared as a kind.

A session is matched by its venue, day and start within the festival. A row describing a session on
file as it is matches it; one that says something else changes it (its end, name, adjudicator,
discipline or breaks; the values before are kept for the undo). A blank optional cell leaves the
session's value as it is (a new session: no name, adjudicator, discipline or break).

The venue is found by name, the adjudicator by email (one who judges at the festival), the
discipline by name in the festival's syllabus: each must be on file (`not-on-file`). Two sessions
of the festival in one venue, or judged by one adjudicator, at the same time are an error
(`session-overlap`) whether both come from the file or one is on file; a session outside its
venue's opening hours or its adjudicator's availability is a warning (`outside-hours`), as the
schedule's checker would say once classes are placed there; so is a session for a discipline its
adjudicator does not judge (`discipline-not-judged`), and a change that shortens a session (an
earlier end, other breaks) so that the classes placed in it no longer fit (`session-shortened`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_security.utils import naive_utcnow
from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import selectinload

from mfo.adjudicators.models import Adjudicator
from mfo.database import db
from mfo.festival.models import Festival
from mfo.festival.windows import format_breaks, within
from mfo.imports.cells import Cells
from mfo.imports.changes import ChangeLog, snapshot
from mfo.imports.kinds import ImportKind, Record
from mfo.imports.plan import BLOCKED, CHANGED, CREATED, EXCLUDED, MATCHED, PROGRESS_STEP, Plan, Progress, RowResult, no_progress
from mfo.imports.tabular import Column, ColumnMatch, Table
from mfo.issues.codes import Issue
from mfo.people.models import Person
from mfo.schedule.conflicts import check
from mfo.schedule.loading import load_problem, load_schedule
from mfo.schedule.models import Placement, Session, SessionBreak
from mfo.schedule.permissions import SCHEDULE_WRITE
from mfo.schedule.problem import Window
from mfo.syllabus.models import Discipline
from mfo.text import normalise_name
from mfo.venues.models import Venue

COLUMNS: tuple[Column, ...] = (
    Column("name", aliases=("session", "session name", "nom", "séance", "seance")),
    Column("date", required=True, aliases=("day", "jour")),
    Column("venue", required=True, aliases=("venue name", "hall", "room", "salle", "lieu")),
    Column("start", required=True, aliases=("start time", "from", "starts", "début", "debut")),
    Column("end", required=True, aliases=("end time", "to", "ends", "fin")),
    Column("adjudicator_email", aliases=("adjudicator", "adjudicator email", "judge", "judge email", "juge")),
    Column("discipline", aliases=("disciplines",)),
    Column("breaks", aliases=("break", "pauses", "pause")),
)

FIELD_HELP = {
    "name": _l("The session's name, e.g. Saturday morning (blank: unchanged; none for a new session)"),
    "date": _l("Its day, as YYYY-MM-DD: one of the festival's days"),
    "venue": _l("The venue's name, as on file: a session is found by its venue, date and start"),
    "start": _l("When it starts, as HH:MM"),
    "end": _l("When it ends, as HH:MM (after the start)"),
    "adjudicator_email": _l("The email of the adjudicator who judges it, one of the festival's (blank: unchanged)"),
    "discipline": _l("The discipline it is for, by name (blank: unchanged; any for a new session)"),
    "breaks": _l("Its breaks, as HH:MM-HH:MM, several separated by ;, within the session (replace its breaks; blank: unchanged)"),
}

# The column length of the session's name.
NAME_LENGTH = 120

Span = tuple[time, time]


@dataclass
class SessionRow:
    """A session as one row describes it (None: the optional cell is blank, the value stays as it is)."""

    row: int
    name: str | None
    day: date
    venue: Venue
    start: time
    end: time
    adjudicator: Adjudicator | None
    discipline: Discipline | None
    breaks: list[Span] | None

    @property
    def key(self) -> tuple[int, date, time]:
        """Return what finds a session: its venue, day and start."""
        return self.venue.id, self.day, self.start

    @property
    def when(self) -> str:
        """Return "YYYY-MM-DD HH:MM–HH:MM"."""
        return _when(self.day, self.start, self.end)


@dataclass
class SessionPlan:
    """What one row does to its session: create it, or change it (with its values before)."""

    row: SessionRow
    outcome: str
    record: Session | None = None
    before: dict[str, Any] = field(default_factory=dict)


@dataclass
class OnFile:
    """What the rows are checked against: the festival's venues, adjudicators, disciplines and sessions."""

    venues: dict[str, Venue]
    adjudicators: dict[str, Adjudicator]
    disciplines: dict[str, Discipline]
    sessions: dict[tuple[int, date, time], Session]


def _when(day: date, start: time, end: time) -> str:
    """Return a day and hours as "YYYY-MM-DD HH:MM–HH:MM"."""
    return f"{day.isoformat()} {start:%H:%M}–{end:%H:%M}"


def _load(festival: Festival) -> OnFile:
    """Load the festival's venues (with their hours), adjudicators (by email), disciplines and sessions."""
    venues = db.session.scalars(select(Venue).where(Venue.festival_id == festival.id).options(selectinload(Venue.opening)))
    adjudicators = db.session.scalars(
        select(Adjudicator)
        .join(Person, Adjudicator.person_id == Person.id)
        .where(Adjudicator.festival_id == festival.id, Person.email.is_not(None))
        .options(selectinload(Adjudicator.person), selectinload(Adjudicator.availability), selectinload(Adjudicator.disciplines))
        .order_by(Adjudicator.id.desc())
    )
    disciplines = db.session.scalars(select(Discipline).where(Discipline.festival_id == festival.id))
    sessions = db.session.scalars(
        select(Session).where(Session.festival_id == festival.id).options(selectinload(Session.breaks), selectinload(Session.venue),
                                                                          selectinload(Session.adjudicator))
    )
    return OnFile(
        venues={normalise_name(venue.name): venue for venue in venues},
        # Two adjudicators whose people share an email: the one added first is the one the email finds.
        adjudicators={adjudicator.person.email.casefold(): adjudicator for adjudicator in adjudicators},
        disciplines={normalise_name(discipline.name): discipline for discipline in disciplines},
        sessions={(session.venue_id, session.day, session.start): session for session in sessions},
    )


def _not_on_file(cells: Cells, name: str, reason: Any) -> None:
    """Note that a cell names nothing on file."""
    cells.issue("not-on-file", field=cells.header(name), value=cells.text(name), reason=reason)


def read_row(cells: Cells, festival: Festival, on_file: OnFile) -> SessionRow | None:
    """Read a session row; return None when a value is missing, unreadable, names nothing on file or does not fit."""
    name = " ".join(cells.text("name").split()) or None
    if name is not None and len(name) > NAME_LENGTH:
        cells.too_long("name", NAME_LENGTH, name)
    day = cells.date("date") if cells.required("date") else None
    if day is not None and not festival.start_date <= day <= festival.end_date:
        cells.not_a_festival_day("date", day, festival.start_date, festival.end_date)
    venue = None
    if cells.required("venue"):
        venue = on_file.venues.get(normalise_name(cells.text("venue")))
        if venue is None:
            _not_on_file(cells, "venue", _l("this festival has no venue of this name"))
    start = cells.time("start") if cells.required("start") else None
    end = cells.time("end") if cells.required("end") else None
    if start is not None and end is not None and end <= start:
        cells.issue("bad-value", field=cells.header("end"), value=cells.text("end"),
                    reason=_l("the end must be after the start (%(start)s)", start=f"{start:%H:%M}"))
    adjudicator = None
    if cells.text("adjudicator_email") and (email := cells.email("adjudicator_email")) is not None:
        adjudicator = on_file.adjudicators.get(email)
        if adjudicator is None:
            _not_on_file(cells, "adjudicator_email", _l("no adjudicator of this festival has this email address"))
    discipline = None
    if cells.text("discipline"):
        discipline = on_file.disciplines.get(normalise_name(cells.text("discipline")))
        if discipline is None:
            _not_on_file(cells, "discipline", _l("this festival's syllabus has no discipline of this name"))
    breaks = cells.breaks("breaks")
    if breaks and start is not None and end is not None and end > start:
        for break_start, break_end in breaks:
            if not (start <= break_start and break_end <= end):
                cells.issue("bad-value", field=cells.header("breaks"), value=cells.text("breaks"), reason=_l(
                    "%(item)s is not within the session (%(start)s–%(end)s)",
                    item=f"{break_start:%H:%M}-{break_end:%H:%M}", start=f"{start:%H:%M}", end=f"{end:%H:%M}",
                ))
                break
    if cells.result.errors:
        return None
    return SessionRow(cells.row.number, name, day, venue, start, end, adjudicator, discipline, breaks)


def _breaks(session: Session) -> list[Span]:
    """Return a session's breaks, in order."""
    return sorted((b.start, b.end) for b in session.breaks)


def _differs(session: Session, row: SessionRow) -> bool:
    """Tell whether a row says something else than the session on file (a blank optional cell says nothing)."""
    return (
        row.end != session.end
        or (row.name is not None and row.name != session.name)
        or (row.adjudicator is not None and row.adjudicator.id != session.adjudicator_id)
        or (row.discipline is not None and row.discipline.id != session.discipline_id)
        or (row.breaks is not None and row.breaks != _breaks(session))
    )


@dataclass
class _Booked:
    """A session as it will be once the file is imported: what the overlap check compares."""

    label: str
    day: date
    start: time
    end: time
    venue: Venue
    adjudicator: Adjudicator | None
    row: int | None = None


def _booked_from_row(row: SessionRow, session: Session | None) -> _Booked:
    """Return a row's session as it will be (an adjudicator left blank keeps the one on file)."""
    adjudicator = row.adjudicator or (session.adjudicator if session is not None else None)
    label = row.name or (session.name if session is not None and session.name else row.venue.name)
    return _Booked(label, row.day, row.start, row.end, row.venue, adjudicator, row.row)


def _overlaps(rows: list[tuple[RowResult, SessionRow]], on_file: OnFile) -> None:
    """Add a session-overlap error to each row whose session shares a venue or adjudicator at the same time with another.

    A pair of rows is reported on the later row; a row and a session on file (one no row describes) on the row.
    """
    described = {row.key for _result, row in rows}
    by_day: dict[date, list[_Booked]] = defaultdict(list)
    for key, session in on_file.sessions.items():
        if key not in described:
            by_day[session.day].append(
                _Booked(session.name or session.venue.name, session.day, session.start, session.end, session.venue, session.adjudicator)
            )
    for result, row in rows:
        booked = _booked_from_row(row, on_file.sessions.get(row.key))
        for other in by_day[row.day]:
            if not (booked.start < other.end and other.start < booked.end):
                continue
            shared = None
            if other.venue.id == booked.venue.id:
                shared = booked.venue.name
            elif booked.adjudicator is not None and other.adjudicator is not None and booked.adjudicator.id == other.adjudicator.id:
                shared = str(booked.adjudicator)
            if shared is not None:
                result.issues.append(Issue("session-overlap", {
                    "name": booked.label, "when": row.when, "other": other.label,
                    "other_when": _when(other.day, other.start, other.end), "shared": shared,
                }, row=row.row))
                break
        by_day[row.day].append(booked)


def _session_warnings(result: RowResult, row: SessionRow, session: Session | None) -> None:
    """Warn when the session is outside its venue's opening hours or its adjudicator's availability (when they have any),
    or is for a discipline its adjudicator does not judge (one with no disciplines recorded judges any, as on the board)."""
    booked = _booked_from_row(row, session)
    span = (row.start, row.end)
    venue_hours = [(w.start, w.end) for w in row.venue.opening]
    if venue_hours and not within(span, [(w.start, w.end) for w in row.venue.opening if w.day == row.day]):
        result.issues.append(Issue("outside-hours", {
            "name": booked.label, "when": row.when, "hours": _l("opening hours"), "whom": row.venue.name}, row=row.row))
    adjudicator = booked.adjudicator
    if adjudicator is not None and adjudicator.availability and not within(
        span, [(w.start, w.end) for w in adjudicator.availability if w.day == row.day]
    ):
        result.issues.append(Issue("outside-hours", {
            "name": booked.label, "when": row.when, "hours": _l("availability"), "whom": str(adjudicator)}, row=row.row))
    discipline = row.discipline or (session.discipline if session is not None else None)
    if adjudicator is not None and discipline is not None and adjudicator.disciplines and discipline not in adjudicator.disciplines:
        result.issues.append(Issue("discipline-not-judged", {
            "name": booked.label, "when": row.when, "discipline": discipline.name, "whom": str(adjudicator)}, row=row.row))


def _shortened_warnings(festival: Festival, changed: list[tuple[RowResult, SessionRow, Session]]) -> None:
    """Warn on each row that shortens a session (an earlier end, other breaks) so that classes placed in it no longer fit.

    The schedule's own checker decides, on the schedule as it is with the sessions as the file makes
    them: a session-overrun it finds then that it did not find before is the file's doing. Only
    sessions with placements are looked at, so a file of new sessions costs no schedule loading.
    """
    changed = [
        (result, row, session) for result, row, session in changed
        if row.end < session.end or (row.breaks is not None and row.breaks != _breaks(session))
    ]
    if not changed:
        return
    with_classes = set(db.session.scalars(select(Placement.session_id).where(Placement.session_id.in_([s.id for _r, _w, s in changed]))))
    changed = [item for item in changed if item[2].id in with_classes]
    if not changed:
        return
    problem = load_problem(festival)
    schedule = load_schedule(festival, problem)
    ids = [session.id for _result, _row, session in changed]
    before = {c.key for c in check(problem, schedule, sessions=ids) if c.code == "session-overrun"}
    for _result, row, session in changed:
        planned = problem.sessions[session.id]
        breaks = planned.breaks if row.breaks is None else tuple(
            Window(datetime.combine(row.day, start), datetime.combine(row.day, end)) for start, end in row.breaks
        )
        problem.sessions[session.id] = replace(planned, end=datetime.combine(row.day, row.end), breaks=breaks)
    overruns: dict[int, list[str]] = defaultdict(list)
    for conflict in check(problem, schedule, sessions=ids):
        if conflict.code == "session-overrun" and conflict.key not in before:
            for session_id in conflict.sessions:
                overruns[session_id] += [problem.units[key].label for key in conflict.units if key in problem.units]
    for result, row, session in changed:
        if overruns.get(session.id):
            labels = sorted(set(overruns[session.id]))
            result.issues.append(Issue("session-shortened", {
                "name": row.name or session.name or row.venue.name, "when": row.when, "classes": ", ".join(labels)}, row=row.row))


def plan_sessions(
    festival: Festival,
    table: Table,
    match: ColumnMatch,
    *,
    excluded: Collection[int] = (),
    progress: Progress = no_progress,
) -> Plan:
    """Check a sessions file against the festival's sessions, venues and adjudicators; return what importing it would do."""
    excluded = set(excluded)
    on_file = _load(festival)
    plan = Plan(kind="sessions", results=[], excluded=sorted(excluded), extra_cells=list(table.extra_cells))
    first_row: dict[tuple[int, date, time], int] = {}
    readable: list[tuple[RowResult, SessionRow]] = []
    for position, row in enumerate(table.rows, start=1):
        result = RowResult(row.number)
        plan.results.append(result)
        cells = Cells(match, row, result)
        session_row = read_row(cells, festival, on_file)
        result.label = " ".join(
            " ".join(cells.text(name).split()) for name in ("name", "venue", "date", "start") if cells.text(name)
        )[:200]
        if session_row is not None:
            other = first_row.setdefault(session_row.key, row.number)
            if other != row.number:
                label = f"{session_row.venue.name} {session_row.day.isoformat()} {session_row.start:%H:%M}"
                result.issues.append(Issue("duplicate-row", {"name": label, "other": other}, row=row.number))
            elif row.number not in excluded:
                readable.append((result, session_row))
        if position % PROGRESS_STEP == 0:
            progress(position)
    _overlaps(readable, on_file)
    rows = {result.row: session_row for result, session_row in readable}
    session_plans: list[SessionPlan] = []
    changed: list[tuple[RowResult, SessionRow, Session]] = []
    for result in plan.results:
        if result.row in excluded:
            result.outcome = EXCLUDED
        elif result.errors:
            result.outcome = BLOCKED
        else:
            session_row = rows[result.row]
            session = on_file.sessions.get(session_row.key)
            _session_warnings(result, session_row, session)
            session_plans.append(_plan_row(plan, result, session_row, session))
            if session_plans[-1].outcome == CHANGED:
                changed.append((result, session_row, session))
    _shortened_warnings(festival, changed)
    plan.writer = lambda batch, changes: _write(festival, session_plans, changes)
    progress(len(plan.results))
    return plan


def _plan_row(plan: Plan, result: RowResult, row: SessionRow, session: Session | None) -> SessionPlan:
    """Decide what a readable row does to its session, and count it."""
    if session is None:
        outcome, before = CREATED, {}
        plan.created["session"] += 1
    elif _differs(session, row):
        outcome = CHANGED
        before = {
            **snapshot(session, ("name", "adjudicator_id", "discipline_id", "updated_at")),
            "end": session.end.strftime("%H:%M"),
            "breaks": [[start.strftime("%H:%M"), end.strftime("%H:%M")] for start, end in _breaks(session)],
        }
        plan.changed["session"] += 1
    else:
        outcome, before = MATCHED, {}
        plan.matched["session"] += 1
    result.outcome = outcome
    label = f"{row.name or row.venue.name} ({row.venue.name}, {row.when})"
    if row.breaks:
        label = f"{label}, {format_breaks(row.breaks)}"
    result.records.insert(0, ("session", outcome, label))
    return SessionPlan(row, outcome, session, before)


def _write(festival: Festival, session_plans: list[SessionPlan], changes: ChangeLog) -> None:
    """Write the sessions plan in the current transaction, noting every session created or changed."""
    created = []
    for plan in session_plans:
        row = plan.row
        if plan.outcome == CREATED:
            session = Session(
                festival_id=festival.id,
                name=row.name or "",
                day=row.day,
                start=row.start,
                end=row.end,
                venue_id=row.venue.id,
                adjudicator_id=row.adjudicator.id if row.adjudicator else None,
                discipline_id=row.discipline.id if row.discipline else None,
            )
            db.session.add(session)
            created.append((session, row.breaks or []))
        elif plan.outcome == CHANGED:
            session = plan.record
            session.end = row.end
            if row.name is not None:
                session.name = row.name
            if row.adjudicator is not None:
                session.adjudicator_id = row.adjudicator.id
            if row.discipline is not None:
                session.discipline_id = row.discipline.id
            # Set by hand: a change of breaks alone changes no column of the session itself.
            session.updated_at = naive_utcnow()
            db.session.flush()
            if row.breaks is not None:
                restore_breaks(session.id, [[s.strftime("%H:%M"), e.strftime("%H:%M")] for s, e in row.breaks])
            changes.changed("schedule_session", session.id, plan.before)
    db.session.flush()
    rows = [{"session_id": session.id, "start_time": start, "end_time": end} for session, breaks in created for start, end in breaks]
    if rows:
        db.session.execute(insert(SessionBreak.__table__), rows)
    changes.created("schedule_session", [session.id for session, _breaks in created])
    # The ORM's copies of the breaks are stale after the statements above.
    for plan in session_plans:
        if plan.record is not None:
            db.session.expire(plan.record, ["breaks"])


def restore_breaks(session_id: int, breaks: list[list[str]]) -> None:
    """Replace a session's breaks with [start, end] (HH:MM), as kept for the undo."""
    table = SessionBreak.__table__
    db.session.execute(delete(table).where(table.c.session_id == session_id))
    rows = [
        {"session_id": session_id, "start_time": time.fromisoformat(start), "end_time": time.fromisoformat(end)} for start, end in breaks
    ]
    if rows:
        db.session.execute(insert(table), rows)


def restore_end(session_id: int, end: str) -> None:
    """Put back a session's end (HH:MM): a time, which the undo's generic restore of columns does not read back."""
    db.session.execute(update(Session.__table__).where(Session.__table__.c.id == session_id).values(end_time=time.fromisoformat(end)))


def session_uses(created, touched):
    """What, made since an import, uses a session it created (a class placed there) or an adjudicator it created (a session judged).

    Both keys are kept by ON DELETE rules (a placement goes with its session, a session loses its adjudicator), so the undo
    would not find them by itself.
    """
    return [
        ("schedule_session", select(Placement.id).where(Placement.session_id.in_(created["schedule_session"]))),
        ("adjudicator", select(Session.id).where(
            Session.adjudicator_id.in_(created["adjudicator"]), Session.id.not_in(touched["schedule_session"]))),
    ]


SESSIONS = ImportKind(
    name="sessions",
    label=_l("Schedule sessions"),
    description=_l("One row per session."),
    columns=COLUMNS,
    field_help=FIELD_HELP,
    permission=SCHEDULE_WRITE,
    planner=plan_sessions,
    records=(Record(Session, "session", _l("sessions")),),
    undo_uses=session_uses,
    restorers={"end": restore_end, "breaks": restore_breaks},
    personal_fields=("adjudicator_email",),
    sheet_title="sessions",
    example_rows=(
        ("Saturday morning", "2026-03-07", "Main Hall", "09:00", "12:30", "clara.wieck@example.org", "Piano", "10:30-10:45"),
        ("Saturday afternoon", "2026-03-07", "Main Hall", "13:30", "17:00", "clara.wieck@example.org", "Piano", ""),
    ),
)
