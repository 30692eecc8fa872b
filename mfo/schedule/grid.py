"""The problem on a grid of whole minutes: where each unit may start, as the solver and the pre-checks both read it.

Time is counted in minutes from the festival's first session start. Every rounding is made on the
safe side so a schedule that fits on the grid also fits in seconds, as the checker measures it:
a unit's length and the travel times are rounded up, the time a session offers is shrunk to whole
minutes (its start rounded up, its end down), and a person's unavailable window is widened.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cached_property

from mfo.schedule.problem import Problem, Session, Unit, Window

# A range of start minutes, both ends included.
Starts = tuple[int, int]


def ceil_minutes(seconds: int) -> int:
    """Return a number of seconds as whole minutes, rounded up."""
    return -(-seconds // 60)


def subtract(ranges: list[Starts], lo: int, hi: int) -> list[Starts]:
    """Return the ranges with the minutes lo..hi (both included) taken out."""
    kept = []
    for start, end in ranges:
        if hi < start or end < lo:
            kept.append((start, end))
            continue
        if start < lo:
            kept.append((start, lo - 1))
        if hi < end:
            kept.append((hi + 1, end))
    return kept


def intersect(spans: list[tuple[int, int]], windows: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Return the parts of the half-open spans that lie inside one of the half-open windows."""
    parts = []
    for start, end in spans:
        for w_start, w_end in windows:
            lo, hi = max(start, w_start), min(end, w_end)
            if lo < hi:
                parts.append((lo, hi))
    return sorted(parts)


@dataclass(frozen=True)
class Refusal:
    """Why a session cannot take a unit: a code the pre-checks turn into words (discipline, judge, conflict, piano)."""

    code: str
    person_id: int | None = None


class Grid:
    """A problem seen in whole minutes: unit lengths, the time each session offers and each unit's possible starts."""

    def __init__(self, problem: Problem) -> None:
        """Measure the problem from its first session's start."""
        self.problem = problem
        starts = [session.start for session in problem.sessions.values()]
        self.origin: datetime = min(starts).replace(second=0, microsecond=0) if starts else datetime(2000, 1, 1)
        self._starts: dict[tuple[str, int], list[Starts]] = {}

    def seconds(self, moment: datetime) -> int:
        """Return the seconds from the origin to a moment."""
        return int((moment - self.origin).total_seconds())

    def floor(self, moment: datetime) -> int:
        """Return a moment as a minute, rounded down."""
        return self.seconds(moment) // 60

    def ceil(self, moment: datetime) -> int:
        """Return a moment as a minute, rounded up."""
        return ceil_minutes(self.seconds(moment))

    def moment(self, minute: int) -> datetime:
        """Return the moment of a minute on the grid."""
        return self.origin + timedelta(minutes=minute)

    def length(self, unit: Unit) -> int:
        """Return a unit's length in minutes, rounded up."""
        return ceil_minutes(unit.seconds)

    def travel(self, venue_a: int, venue_b: int) -> int:
        """Return the travel time between two venues in minutes, rounded up."""
        return ceil_minutes(int(self.problem.travel(venue_a, venue_b).total_seconds()))

    def spans(self, windows: tuple[Window, ...]) -> list[tuple[int, int]]:
        """Return windows as half-open minute spans, shrunk to whole minutes."""
        return [(self.ceil(window.start), self.floor(window.end)) for window in windows]

    @cached_property
    def days(self) -> list[date]:
        """Return the festival's days that have a session, in order."""
        return sorted({session.start.date() for session in self.problem.sessions.values()})

    def day_index(self, session: Session) -> int:
        """Return the position of a session's day among the festival's days."""
        return self.days.index(session.start.date())

    @cached_property
    def _segments(self) -> dict[int, list[tuple[int, int]]]:
        """Return, per session, the spans a unit may use: its window without breaks, inside its judge's and venue's hours."""
        segments = {}
        for session in self.problem.sessions.values():
            spans = [(self.ceil(session.start), self.floor(session.end))]
            for pause in sorted(session.breaks, key=lambda window: window.start):
                spans = [(lo, hi) for start, end in spans for lo, hi in _cut(start, end, self.floor(pause.start), self.ceil(pause.end))]
            adjudicator = self.problem.adjudicators.get(session.adjudicator_id) if session.adjudicator_id else None
            # No hours given means no restriction: a judge or venue not yet asked is taken to be free.
            if adjudicator is not None and adjudicator.available:
                spans = intersect(spans, self.spans(adjudicator.available))
            venue = self.problem.venues.get(session.venue_id)
            if venue is not None and venue.opening:
                spans = intersect(spans, self.spans(venue.opening))
            segments[session.id] = [(lo, hi) for lo, hi in spans if lo < hi]
        return segments

    def segments(self, session_id: int) -> list[tuple[int, int]]:
        """Return the half-open minute spans a session offers to its units."""
        return self._segments[session_id]

    def offered(self, session_id: int) -> int:
        """Return the minutes a session offers."""
        return sum(hi - lo for lo, hi in self._segments[session_id])

    @cached_property
    def unavailable(self) -> dict[int, list[tuple[int, int]]]:
        """Return each person's unavailable windows as half-open minute spans, widened to whole minutes."""
        spans: dict[int, list[tuple[int, int]]] = {}
        for request in self.problem.unavailable:
            spans.setdefault(request.person_id, []).append((self.floor(request.window.start), self.ceil(request.window.end)))
        return spans

    def judges(self, session: Session, unit: Unit) -> bool:
        """Tell whether a session takes a unit's discipline and its adjudicator (if any) judges it."""
        if session.discipline_id is not None and unit.discipline_id is not None and session.discipline_id != unit.discipline_id:
            return False
        adjudicator = self.problem.adjudicators.get(session.adjudicator_id) if session.adjudicator_id else None
        return adjudicator is None or unit.discipline_id is None or unit.discipline_id in adjudicator.discipline_ids

    def conflict_of_interest(self, session: Session, unit: Unit) -> Refusal | None:
        """Return the session's adjudicator's conflict of interest with one of the unit's entries (None when there is none)."""
        adjudicator = self.problem.adjudicators.get(session.adjudicator_id) if session.adjudicator_id else None
        if adjudicator is None:
            return None
        for entry in unit.entries:
            if entry.school_id is not None and entry.school_id in adjudicator.conflict_school_ids:
                return Refusal("conflict")
            for person in (*entry.performer_ids, entry.teacher_id):
                if person is not None and person in adjudicator.conflict_person_ids:
                    return Refusal("conflict", person)
        return None

    def has_piano(self, session: Session) -> bool:
        """Tell whether a session's venue has a piano."""
        venue = self.problem.venues.get(session.venue_id)
        return venue is not None and venue.has_piano

    def refusal(self, session: Session, unit: Unit) -> Refusal | None:
        """Return why a session cannot take a unit whatever the time (None when it can)."""
        if session.discipline_id is not None and unit.discipline_id is not None and session.discipline_id != unit.discipline_id:
            return Refusal("discipline")
        if not self.judges(session, unit):
            return Refusal("judge")
        conflict = self.conflict_of_interest(session, unit)
        if conflict is not None:
            return conflict
        if unit.needs_piano and not self.has_piano(session):
            return Refusal("piano")
        return None

    def fits(self, session_id: int, unit: Unit) -> list[Starts]:
        """Return the starts at which a unit fits in a session's time, ignoring people's requests."""
        length = self.length(unit)
        return [(lo, hi - length) for lo, hi in self._segments[session_id] if hi - length >= lo]

    def starts(self, session_id: int, unit: Unit) -> list[Starts]:
        """Return the starts a unit may take in a session: inside its time, clear of its people's unavailable windows."""
        key = (unit.key, session_id)
        if key not in self._starts:
            ranges = self.fits(session_id, unit)
            length = self.length(unit)
            for person in unit.people:
                for lo, hi in self.unavailable.get(person, ()):
                    # A unit starting at t runs over [t, t + length): it meets [lo, hi) when lo - length < t < hi.
                    ranges = subtract(ranges, lo - length + 1, hi - 1)
            self._starts[key] = ranges
        return self._starts[key]

    def options(self, unit: Unit) -> dict[int, list[Starts]]:
        """Return every session that can take a unit, with the starts it may take there."""
        options = {}
        for session in self.problem.sessions.values():
            if self.refusal(session, unit) is None:
                starts = self.starts(session.id, unit)
                if starts:
                    options[session.id] = starts
        return options


def _cut(start: int, end: int, lo: int, hi: int) -> list[tuple[int, int]]:
    """Return the half-open span start..end with lo..hi taken out."""
    if hi <= start or end <= lo:
        return [(start, end)]
    return [(a, b) for a, b in ((start, lo), (hi, end)) if a < b]
