"""The printed programme: one page per session with its adjudicator, its classes and every performance's start time.

The times are the checker's: each performance is an entry's own slot inside its placed class or
section (`Schedule.performances`, the same walk the exports and the checker make), so the front
desk's sheet says what the board and the conflicts say. What the plain problem does not carry
(a group's name, the pieces, the accompanist's name) is read for the shown entries only, one
query per kind.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select

from mfo.database import db
from mfo.entries.models import Entry, EntryPiece
from mfo.people.models import Group
from mfo.schedule import problem as plain
from mfo.syllabus.models import Piece


@dataclass(frozen=True)
class PrintedPerformance:
    """One performance on the sheet: when it starts, who plays (a group's name and its members), what, and with whom."""

    entry_id: int
    start: datetime
    end: datetime
    group: str | None
    performers: tuple[str, ...]
    pieces: tuple[tuple[str, str], ...]
    accompanist: str | None


@dataclass
class PrintedClass:
    """A class (or section) of the session: its code, name, start and performances in draw order."""

    unit_key: str
    label: str
    name: str
    start: datetime
    end: datetime
    performances: list[PrintedPerformance] = field(default_factory=list)


@dataclass
class PrintedSession:
    """One printed page: a session with its venue, adjudicator, breaks and classes in running order."""

    session: plain.Session
    venue: str
    adjudicator: str | None
    classes: list[PrintedClass] = field(default_factory=list)


def days(problem: plain.Problem) -> list[date]:
    """Return the festival's days that have sessions, in order."""
    return sorted({session.start.date() for session in problem.sessions.values()})


def chosen_sessions(problem: plain.Problem, day: date | None = None, venue_id: int | None = None,
                    session_id: int | None = None) -> list[plain.Session]:
    """Return the sessions asked for: one session, or a day's sessions (of one venue, or of every venue), by venue then start."""
    if session_id is not None:
        return [problem.sessions[session_id]] if session_id in problem.sessions else []
    found = [
        session for session in problem.sessions.values()
        if session.start.date() == day and (venue_id is None or session.venue_id == venue_id)
    ]
    return sorted(found, key=lambda s: (problem.venues[s.venue_id].name, s.start, s.id))


def _details(entry_ids: list[int]) -> tuple[dict[int, str], dict[int, list[tuple[str, str]]]]:
    """Return the group name of each entry that has one, and each entry's pieces (title, composer) in performance order."""
    if not entry_ids:
        return {}, {}
    groups = dict(
        db.session.execute(select(Entry.id, Group.name).join(Group, Group.id == Entry.group_id).where(Entry.id.in_(entry_ids))).all()
    )
    pieces: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for entry_id, title, composer in db.session.execute(
        select(EntryPiece.entry_id, Piece.title, Piece.composer)
        .join(Piece, Piece.id == EntryPiece.piece_id)
        .where(EntryPiece.entry_id.in_(entry_ids))
        .order_by(EntryPiece.entry_id, EntryPiece.position, EntryPiece.id)
    ):
        pieces[entry_id].append((title, composer or ""))
    return groups, pieces


def programme(problem: plain.Problem, schedule: plain.Schedule, sessions: list[plain.Session],
              withheld: Callable[[set[int]], set[int]] | None = None, withheld_label: str = "") -> list[PrintedSession]:
    """Return one printed page per session: its classes in running order, each with its performances and their start times.

    `withheld` is given the performers shown and returns those whose names must not be printed (no
    consent to their name being published): they appear as `withheld_label`.
    """
    pages = []
    for session in sessions:
        adjudicator = problem.adjudicators.get(session.adjudicator_id) if session.adjudicator_id is not None else None
        page = PrintedSession(session, problem.venues[session.venue_id].name, adjudicator.name if adjudicator else None)
        for placement in schedule.in_session(session.id):
            unit = problem.units.get(placement.unit_key)
            if unit is None:
                continue
            printed = PrintedClass(placement.unit_key, unit.label, unit.name, placement.start, placement.start)
            for performance, window in schedule.performances(problem, placement.unit_key):
                printed.performances.append(
                    PrintedPerformance(performance.entry_id, window.start, window.end, None, (), (), None)
                )
                printed.end = window.end
            page.classes.append(printed)
        pages.append(page)
    groups, pieces = _details([p.entry_id for page in pages for c in page.classes for p in c.performances])
    by_entry = {
        performance.entry_id: performance
        for unit in problem.units.values()
        for performance in unit.entries
    }
    shown = {p for page in pages for c in page.classes for slot in c.performances for p in by_entry[slot.entry_id].performer_ids}
    hidden = withheld(shown) if withheld and shown else set()
    for page in pages:
        for printed in page.classes:
            printed.performances = [
                _filled(problem, by_entry[p.entry_id], p, groups, pieces, hidden, withheld_label) for p in printed.performances
            ]
    return pages


def _filled(problem: plain.Problem, performance: plain.Performance, slot: PrintedPerformance,
            groups: dict[int, str], pieces: dict[int, list[tuple[str, str]]], hidden: set[int] = frozenset(),
            withheld_label: str = "") -> PrintedPerformance:
    """Return a performance's slot with its names: group, performers by name (or the withheld label), pieces and accompanist."""
    names = sorted((problem.person_name(p) for p in performance.performer_ids if p not in hidden), key=str.casefold)
    performers = tuple(names + [withheld_label] * sum(1 for p in performance.performer_ids if p in hidden))
    accompanist = problem.person_name(performance.accompanist_id) if performance.accompanist_id is not None else None
    return PrintedPerformance(
        slot.entry_id, slot.start, slot.end, groups.get(slot.entry_id), performers, tuple(pieces.get(slot.entry_id, ())), accompanist
    )
