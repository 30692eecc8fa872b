"""The schedule as plain data: what the conflict checker reads and the solver places, with no database.

A `Problem` is a festival's timetable question frozen at one moment: its venues, adjudicators,
sessions, the classes (or sections) to place with their entries in draw order, the people's
requests and the travel times. A `Schedule` is one answer: where and when each unit starts. The
checker (`mfo.schedule.conflicts`) and the solver (`mfo.schedule.solver`) both read these types and
nothing else, so every schedule the solver proposes is checked by the same code as an organizer's
move, and neither needs a request or a database to be tested.

Times are naive `datetime`s in the festival's own time zone; durations are whole seconds.
A person is busy for the whole unit they take part in (from its start to the end of its closing
time): performers are called for the start of their class and stay for the adjudicator's summary.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

# A performer who waits longer than this between two performances on one day gets a `long-wait` warning.
LONG_WAIT = timedelta(hours=3)
# Travel time between two different venues when the festival sets none for the pair.
DEFAULT_TRAVEL = timedelta(minutes=15)


@dataclass(frozen=True)
class Window:
    """A span of time, start included, end excluded."""

    start: datetime
    end: datetime

    def overlaps(self, other: Window) -> bool:
        """Return whether the two spans share any instant."""
        return self.start < other.end and other.start < self.end

    def contains(self, other: Window) -> bool:
        """Return whether the other span lies wholly inside this one."""
        return self.start <= other.start and other.end <= self.end

    @property
    def day(self) -> date:
        """Return the day the span starts on."""
        return self.start.date()


def inside_any(span: Window, windows: Iterable[Window]) -> bool:
    """Return whether the span lies wholly inside one of the windows."""
    return any(window.contains(span) for window in windows)


@dataclass(frozen=True)
class Venue:
    """A room where sessions are held, with the hours it is open (each a window on one festival day)."""

    id: int
    name: str
    has_piano: bool = True
    opening: tuple[Window, ...] = ()


@dataclass(frozen=True)
class Adjudicator:
    """A judge: the person they are, the disciplines they judge, when they can, and whom they must not judge."""

    id: int
    person_id: int
    name: str
    discipline_ids: frozenset[int] = frozenset()
    available: tuple[Window, ...] = ()
    # Schools and people (teachers or performers) they must not judge.
    conflict_school_ids: frozenset[int] = frozenset()
    conflict_person_ids: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Session:
    """A block of time in one venue on one day, judged by one adjudicator, optionally for one discipline."""

    id: int
    name: str
    venue_id: int
    start: datetime
    end: datetime
    adjudicator_id: int | None = None
    discipline_id: int | None = None
    breaks: tuple[Window, ...] = ()

    @property
    def window(self) -> Window:
        """Return the session's span."""
        return Window(self.start, self.end)


@dataclass(frozen=True)
class Performance:
    """One entry of a unit: who is on stage and how long its slot takes (performance, adjudication, change-over)."""

    entry_id: int
    seconds: int
    # Every performer's person id (a group's members); the accompanist, teacher and school, when known.
    performer_ids: frozenset[int] = frozenset()
    accompanist_id: int | None = None
    teacher_id: int | None = None
    school_id: int | None = None

    @property
    def people(self) -> frozenset[int]:
        """Return whoever must be present for this performance: the performers and the accompanist."""
        if self.accompanist_id is None:
            return self.performer_ids
        return self.performer_ids | {self.accompanist_id}


@dataclass(frozen=True)
class Unit:
    """What is placed in a session: a whole class, or one section of a class an organizer split.

    `key` is stable across loads (e.g. "class-12" or "section-5"); `label` is what organizers
    write (1203 or 1203A). Entries are in their draw order; the unit ends with its closing time.
    """

    key: str
    class_id: int
    label: str
    name: str = ""
    discipline_id: int | None = None
    min_age: int | None = None
    max_age: int | None = None
    closing_seconds: int = 0
    needs_piano: bool = False
    entries: tuple[Performance, ...] = ()

    @property
    def seconds(self) -> int:
        """Return the unit's length: every entry's slot, then the closing time."""
        return sum(entry.seconds for entry in self.entries) + self.closing_seconds

    @property
    def people(self) -> frozenset[int]:
        """Return every performer and accompanist of the unit."""
        return frozenset(person for entry in self.entries for person in entry.people)


@dataclass(frozen=True)
class Unavailable:
    """A person's request not to be scheduled in a window ("not before 10:00 on Saturday", "not on Sunday")."""

    id: int
    person_id: int
    window: Window


@dataclass(frozen=True)
class KeepTogether:
    """A request that some people (siblings, a teacher's pupils) perform on the same day, or back to back."""

    id: int
    person_ids: frozenset[int]
    # "same-day": all their units on one day; "back-to-back": also consecutive in one session.
    mode: str = "same-day"
    label: str = ""


@dataclass(frozen=True)
class Placement:
    """Where one unit is: its session and its start (its order in the session follows from the starts)."""

    unit_key: str
    session_id: int
    start: datetime
    pinned: bool = False


@dataclass
class Problem:
    """Everything the checker and the solver need to know about one festival's schedule."""

    festival_id: int
    venues: dict[int, Venue] = field(default_factory=dict)
    adjudicators: dict[int, Adjudicator] = field(default_factory=dict)
    sessions: dict[int, Session] = field(default_factory=dict)
    units: dict[str, Unit] = field(default_factory=dict)
    unavailable: tuple[Unavailable, ...] = ()
    together: tuple[KeepTogether, ...] = ()
    # Travel time between two different venues: the festival's default, and the pairs it sets.
    travel_default: timedelta = DEFAULT_TRAVEL
    travel_pairs: dict[frozenset[int], timedelta] = field(default_factory=dict)
    long_wait: timedelta = LONG_WAIT
    # Names for messages: person id -> "First Last"; discipline id -> "Piano".
    person_names: dict[int, str] = field(default_factory=dict)
    discipline_names: dict[int, str] = field(default_factory=dict)

    def travel(self, venue_a: int, venue_b: int) -> timedelta:
        """Return the time a person needs between two venues (none within one venue)."""
        if venue_a == venue_b:
            return timedelta(0)
        return self.travel_pairs.get(frozenset((venue_a, venue_b)), self.travel_default)

    def person_name(self, person_id: int) -> str:
        """Return a person's name for a message (their id when no name is known)."""
        return self.person_names.get(person_id, f"#{person_id}")

    def discipline_name(self, discipline_id: int | None) -> str:
        """Return a discipline's name for a message (its id when no name is known)."""
        if discipline_id is None:
            return "-"
        return self.discipline_names.get(discipline_id, f"#{discipline_id}")


@dataclass
class Schedule:
    """One answer to a problem: a placement for each unit placed (units missing are unscheduled)."""

    placements: dict[str, Placement] = field(default_factory=dict)

    def window(self, problem: Problem, unit_key: str) -> Window | None:
        """Return when a placed unit runs, from its start to the end of its closing time (None when unplaced)."""
        placement = self.placements.get(unit_key)
        if placement is None:
            return None
        return Window(placement.start, placement.start + timedelta(seconds=problem.units[unit_key].seconds))

    def in_session(self, session_id: int) -> list[Placement]:
        """Return a session's placements in running order."""
        return sorted((p for p in self.placements.values() if p.session_id == session_id), key=lambda p: (p.start, p.unit_key))

    def performances(self, problem: Problem, unit_key: str) -> Iterator[tuple[Performance, Window]]:
        """Yield each entry of a placed unit with its own slot, in draw order."""
        placement = self.placements.get(unit_key)
        if placement is None:
            return
        start = placement.start
        for entry in problem.units[unit_key].entries:
            end = start + timedelta(seconds=entry.seconds)
            yield entry, Window(start, end)
            start = end


def fingerprint(schedule: Schedule) -> str:
    """Return a digest of a schedule's placements (unit, session, start, pin): equal digests, same schedule."""
    lines = sorted(f"{p.unit_key}|{p.session_id}|{p.start.isoformat()}|{int(p.pinned)}" for p in schedule.placements.values())
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def pack(problem: Problem, session_id: int, unit_keys: Iterable[str], pinned: frozenset[str] = frozenset()) -> list[Placement]:
    """Lay units end to end in a session in the given order from its start, each moved past any break it would cross.

    What the board does after a move: the order is the organizer's, the times follow. A unit
    longer than the time left simply runs past the session's end (the checker reports the overrun).
    """
    session = problem.sessions[session_id]
    breaks = sorted(session.breaks, key=lambda window: window.start)
    placements = []
    start = session.start
    for key in unit_keys:
        length = timedelta(seconds=problem.units[key].seconds)
        for pause in breaks:
            if start < pause.end and pause.start < start + length:
                start = max(start, pause.end)
        placements.append(Placement(key, session_id, start, key in pinned))
        start += length
    return placements
