"""The conflict checker: every problem of a schedule as a typed conflict with a stable code, for the board and the solver.

The checker is the truth, the solver proposes: one function, `check`, reads a `Problem` and a
`Schedule` (plain data, no database, no request) and returns every conflict, errors first. The
board re-checks after each move only what the move touches (`check(..., units=..., sessions=...)`,
or `changes(problem, before, after)` for what a move created and removed).

Overlaps are found with a sweep line that keeps every interval still active, per person,
adjudicator, session and venue: a long class that overlaps two later short ones is caught with
both, not only its neighbour after sorting.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta
from functools import cache
from typing import Any, NamedTuple

from mfo.festival.values import format_duration
from mfo.schedule.codes import (
    Conflict,
    age_range,
    clock,
    day_name,
    days_name,
    minutes_up,
    names_of,
    new_conflict,
    sort_key,
)
from mfo.schedule.problem import Problem, Schedule, Session, Window, inside_any

# Codes whose conflicts a scoped check finds by the people involved, not only by units and sessions.
BY_PEOPLE = frozenset({"long-wait"})

# --- finding overlaps ---------------------------------------------------------------------------


class Span(NamedTuple):
    """A busy interval in a venue, with what it belongs to (a unit key or a session id)."""

    start: datetime
    end: datetime
    venue: int
    owner: Any


def clashes(spans: Iterable[Span], gap: Callable[[int, int], timedelta] | None = None,
            longest_gap: timedelta = timedelta(0)) -> Iterator[tuple[Span, Span]]:
    """Yield every pair of spans closer than the gap their venues need (overlapping, with no gap given).

    A sweep line over the starts keeps every span that may still clash (its end plus the longest
    gap is after the current start) and compares the new span with each of them, not only with
    the previous one. Pairs come out (earlier start, later start).
    """
    active: list[Span] = []
    for span in sorted(spans, key=lambda item: (item.start, item.end)):
        active = [other for other in active if other.end + longest_gap > span.start]
        for other in active:
            needed = gap(other.venue, span.venue) if gap else timedelta(0)
            if span.start < other.end + needed and other.start < span.end + needed:
                yield other, span
        active.append(span)


# --- the checker --------------------------------------------------------------------------------


class Placed(NamedTuple):
    """A placed unit: when it runs, in which session and venue."""

    start: datetime
    end: datetime
    session: int
    venue: int


class Checker:
    """The conflict checker for one problem: what never changes between moves is indexed once, schedules are checked many times."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.unit_people: dict[str, frozenset[int]] = {}
        self.person_units: dict[int, list[str]] = defaultdict(list)
        self.teacher_units: dict[int, list[str]] = defaultdict(list)
        self.unit_teachers: dict[str, frozenset[int]] = {}
        for key, unit in problem.units.items():
            people = unit.people
            self.unit_people[key] = people
            for person in people:
                self.person_units[person].append(key)
            teachers = frozenset(entry.teacher_id for entry in unit.entries if entry.teacher_id is not None)
            self.unit_teachers[key] = teachers
            for teacher in teachers:
                self.teacher_units[teacher].append(key)
        self.requests = defaultdict(list)
        for request in problem.unavailable:
            self.requests[request.person_id].append(request)
        self.together = defaultdict(list)
        for request in problem.together:
            for person in request.person_ids:
                self.together[person].append(request)
        self.longest_travel = max([problem.travel_default, *problem.travel_pairs.values()])
        # Asked for every pair of clashing units: remembered per pair of venues.
        self.travel = cache(problem.travel)
        self.length = {key: timedelta(seconds=unit.seconds) for key, unit in problem.units.items()}

    def check(self, schedule: Schedule, *, units: Iterable[str] | None = None,
              sessions: Iterable[int] | None = None) -> list[Conflict]:
        """Return the schedule's conflicts, errors first; with `units` or `sessions`, only those involving them.

        A scoped check returns exactly the whole check's conflicts that involve one of the given
        units, one of their sessions, one of the given sessions or a unit placed in those sessions
        (and the long waits of those units' people).
        """
        run = _Run(self, schedule, units, sessions)
        found = {conflict.key: conflict for conflict in run.conflicts() if run.in_scope(conflict)}
        return sorted(found.values(), key=sort_key)


def check(problem: Problem, schedule: Schedule, *, units: Iterable[str] | None = None,
          sessions: Iterable[int] | None = None) -> list[Conflict]:
    """Return every conflict of a schedule (or only those involving some units or sessions), errors first."""
    return Checker(problem).check(schedule, units=units, sessions=sessions)


def changes(problem: Problem, before: Schedule, after: Schedule,
            checker: Checker | None = None) -> tuple[list[Conflict], list[Conflict]]:
    """Return the conflicts a change of schedule created and those it removed, checking only what changed.

    The units whose placement differs and their sessions before and after are checked in both
    schedules; conflicts elsewhere are the same in both and need no look.
    """
    checker = checker or Checker(problem)
    moved = {
        key for key in set(before.placements) | set(after.placements)
        if before.placements.get(key) != after.placements.get(key)
    }
    if not moved:
        return [], []
    touched = {
        placement.session_id for schedule in (before, after) for key in moved
        if (placement := schedule.placements.get(key)) is not None
    }
    old = {conflict.key: conflict for conflict in checker.check(before, units=moved, sessions=touched)}
    new = {conflict.key: conflict for conflict in checker.check(after, units=moved, sessions=touched)}
    created = [conflict for key, conflict in new.items() if key not in old]
    removed = [conflict for key, conflict in old.items() if key not in new]
    return sorted(created, key=sort_key), sorted(removed, key=sort_key)


class _Run:
    """One check of one schedule: the placed units' times, the scope, and each rule as a method."""

    def __init__(self, checker: Checker, schedule: Schedule, units: Iterable[str] | None,
                 sessions: Iterable[int] | None) -> None:
        self.checker = checker
        self.problem = problem = checker.problem
        self.placed: dict[str, Placed] = {}
        self.spans: dict[str, Span] = {}
        self.by_session: dict[int, list[str]] = defaultdict(list)
        for key, placement in schedule.placements.items():
            unit = problem.units.get(key)
            session = problem.sessions.get(placement.session_id)
            if unit is None or session is None:
                continue  # a placement left over from a unit or session since removed: nothing to check
            end = placement.start + checker.length[key]
            self.placed[key] = Placed(placement.start, end, session.id, session.venue_id)
            self.spans[key] = Span(placement.start, end, session.venue_id, key)
            self.by_session[session.id].append(key)
        for keys in self.by_session.values():
            keys.sort(key=lambda key: (self.placed[key].start, key))
        self.everything = units is None and sessions is None
        if self.everything:
            self.units = set(problem.units)
            self.sessions = set(problem.sessions)
        else:
            given = set(units or ())
            self.sessions = set(sessions or ()) | {self.placed[key].session for key in given if key in self.placed}
            self.units = given | {key for session in self.sessions for key in self.by_session.get(session, ())}
        self.people = {person for key in self.units for person in checker.unit_people.get(key, ())}

    def touches(self, units: Iterable[str] = (), sessions: Iterable[int] = ()) -> bool:
        """Tell whether some units or sessions are in the scope (checked before a message's values are built)."""
        return self.everything or any(key in self.units for key in units) or any(session in self.sessions for session in sessions)

    def in_scope(self, conflict: Conflict) -> bool:
        """Tell whether a conflict involves a unit or session of the scope (a long wait: one of the scope's people)."""
        return (
            self.touches(conflict.units, conflict.sessions)
            # Waits are between consecutive units: moving one unit of a person can end the wait
            # between two others of theirs, so a wait belongs to the scope by its people.
            or (conflict.code in BY_PEOPLE and any(person in self.people for person in conflict.people))
        )

    def conflicts(self) -> Iterator[Conflict]:
        """Yield every conflict the rules find in the scope (and perhaps a few outside it, filtered after)."""
        yield from self.unscheduled()
        yield from self.person_overlaps()
        yield from self.teacher_overlaps()
        yield from self.adjudicator_rules()
        yield from self.unit_adjudicator_rules()
        yield from self.session_overruns()
        yield from self.venue_rules()
        yield from self.requests()
        yield from self.together()
        yield from self.age_order()
        yield from self.long_waits()

    # --- helpers ---

    def session(self, key: str) -> Session:
        """Return the session a placed unit is in."""
        return self.problem.sessions[self.placed[key].session]

    def venue_name(self, venue_id: int) -> str:
        """Return a venue's name for a message."""
        venue = self.problem.venues.get(venue_id)
        return venue.name if venue else f"#{venue_id}"

    def unit_spans(self, keys: Iterable[str]) -> list[Span]:
        """Return the placed units among keys as spans."""
        spans = self.spans
        return [spans[key] for key in keys if key in spans]

    def pair_params(self, first: Span, second: Span) -> dict[str, Any]:
        """Return the message values that name two units and when and where they run."""
        return {
            "unit": self.problem.units[first.owner].label, "venue": self.venue_name(first.venue),
            "start": clock(first.start), "end": clock(first.end),
            "other": self.problem.units[second.owner].label, "other_venue": self.venue_name(second.venue),
            "other_start": clock(second.start), "other_end": clock(second.end),
            "day": day_name(second.start.date()),
        }

    # --- rules ---

    def unscheduled(self) -> Iterator[Conflict]:
        """class-unscheduled: a unit with no placement."""
        for key in sorted(self.units):
            if key not in self.placed and key in self.problem.units:
                yield new_conflict("class-unscheduled", units=[key], unit=self.problem.units[key].label)

    def person_overlaps(self) -> Iterator[Conflict]:
        """person-overlap: a performer or accompanist in two units too close in time (travel counted); one conflict per pair of units."""
        together: dict[tuple[str, str], set[int]] = defaultdict(set)
        pairs: dict[tuple[str, str], tuple[Span, Span]] = {}
        travel = self.checker.travel
        for person in self.people:
            spans = self.unit_spans(self.checker.person_units[person])
            for first, second in clashes(spans, travel, self.checker.longest_travel):
                pair = (first.owner, second.owner)
                if pair in pairs or self.touches(pair):
                    together[pair].add(person)
                    pairs[pair] = (first, second)
        for pair, people in together.items():
            first, second = pairs[pair]
            yield new_conflict(
                "person-overlap", units=pair, sessions=(self.placed[pair[0]].session, self.placed[pair[1]].session),
                people=people, names=names_of(self.problem, people),
                travel=minutes_up(travel(first.venue, second.venue)), **self.pair_params(first, second),
            )

    def teacher_overlaps(self) -> Iterator[Conflict]:
        """teacher-overlap: a teacher's pupils in two units in different venues at the same time."""
        teachers = {teacher for key in self.units for teacher in self.checker.unit_teachers.get(key, ())}
        for teacher in sorted(teachers):
            spans = self.unit_spans(self.checker.teacher_units[teacher])
            for first, second in clashes(spans):
                if first.venue != second.venue and self.touches((first.owner, second.owner)):
                    yield new_conflict(
                        "teacher-overlap", units=(first.owner, second.owner), people=[teacher],
                        name=self.problem.person_name(teacher), **self.pair_params(first, second),
                    )

    def adjudicator_rules(self) -> Iterator[Conflict]:
        """adjudicator-overlap and adjudicator-unavailable: an adjudicator's sessions against each other and their availability."""
        problem = self.problem
        by_adjudicator: dict[int, list[Session]] = defaultdict(list)
        for session in problem.sessions.values():
            if session.adjudicator_id is not None:
                by_adjudicator[session.adjudicator_id].append(session)
        wanted = {problem.sessions[s].adjudicator_id for s in self.sessions if s in problem.sessions}
        for adjudicator_id in sorted(a for a in wanted if a is not None):
            adjudicator = problem.adjudicators.get(adjudicator_id)
            name = adjudicator.name if adjudicator else f"#{adjudicator_id}"
            sessions = by_adjudicator[adjudicator_id]
            # No availability recorded means none was asked for: the adjudicator can come any time.
            if adjudicator and adjudicator.available:
                for session in sessions:
                    if self.touches(sessions=[session.id]) and not inside_any(session.window, adjudicator.available):
                        yield new_conflict(
                            "adjudicator-unavailable", sessions=[session.id], adjudicators=[adjudicator_id],
                            adjudicator=name, session=session.name, day=day_name(session.start.date()),
                            start=clock(session.start), end=clock(session.end, session.start.date()),
                        )
            spans = [Span(s.start, s.end, s.venue_id, s) for s in sessions]
            for first, second in clashes(spans, self.checker.travel, self.checker.longest_travel):
                one, two = first.owner, second.owner
                if not self.touches(sessions=(one.id, two.id)):
                    continue
                yield new_conflict(
                    "adjudicator-overlap", sessions=(one.id, two.id), adjudicators=[adjudicator_id], adjudicator=name,
                    travel=minutes_up(problem.travel(one.venue_id, two.venue_id)), **self.session_pair_params(one, two),
                )

    def session_pair_params(self, one: Session, two: Session) -> dict[str, Any]:
        """Return the message values that name two sessions and when and where they run."""
        return {
            "session": one.name, "venue": self.venue_name(one.venue_id), "start": clock(one.start),
            "end": clock(one.end, one.start.date()),
            "other": two.name, "other_venue": self.venue_name(two.venue_id), "other_start": clock(two.start),
            "other_end": clock(two.end, two.start.date()), "day": day_name(two.start.date()),
        }

    def unit_adjudicator_rules(self) -> Iterator[Conflict]:
        """adjudicator-discipline and adjudicator-conflict-of-interest: each placed unit against its session's adjudicator."""
        problem = self.problem
        for key in sorted(self.units):
            if key not in self.placed:
                continue
            session = self.session(key)
            adjudicator = problem.adjudicators.get(session.adjudicator_id) if session.adjudicator_id is not None else None
            if adjudicator is None:
                continue
            unit = problem.units[key]
            where = {"adjudicator": adjudicator.name, "unit": unit.label, "session": session.name}
            involved = {"units": [key], "sessions": [session.id], "adjudicators": [adjudicator.id]}
            # An adjudicator with no disciplines recorded judges any: the festival has not narrowed them down.
            if adjudicator.discipline_ids and unit.discipline_id is not None and unit.discipline_id not in adjudicator.discipline_ids:
                yield new_conflict("adjudicator-discipline", **involved, **where)
            for entry in unit.entries:
                for person in sorted(entry.performer_ids & adjudicator.conflict_person_ids):
                    yield new_conflict(
                        "adjudicator-conflict-of-interest", **involved, people=[person], variant=f"performer-{person}",
                        reason="performer", name=problem.person_name(person), **where,
                    )
                if entry.teacher_id is not None and entry.teacher_id in adjudicator.conflict_person_ids:
                    yield new_conflict(
                        "adjudicator-conflict-of-interest", **involved, people=[entry.teacher_id],
                        variant=f"teacher-{entry.teacher_id}", reason="teacher",
                        name=problem.person_name(entry.teacher_id), **where,
                    )
                if entry.school_id is not None and entry.school_id in adjudicator.conflict_school_ids:
                    yield new_conflict(
                        "adjudicator-conflict-of-interest", **involved, people=entry.performer_ids,
                        variant=f"school-{entry.entry_id}", reason="school",
                        name=names_of(problem, entry.performer_ids), **where,
                    )

    def session_overruns(self) -> Iterator[Conflict]:
        """session-overrun: a unit starting before its session, ending after it, crossing a break, or overlapping another."""
        problem = self.problem
        for session_id in sorted(self.sessions):
            session = problem.sessions.get(session_id)
            keys = self.by_session.get(session_id, ())
            if session is None or not keys:
                continue
            day = session.start.date()
            for key in keys:
                placed, label = self.placed[key], problem.units[key].label
                involved = {"units": [key], "sessions": [session_id], "unit": label, "session": session.name}
                if placed.start < session.start:
                    yield new_conflict("session-overrun", **involved, variant="early", reason="early",
                                       start=clock(placed.start), session_start=clock(session.start))
                if placed.end > session.end:
                    yield new_conflict("session-overrun", **involved, variant="late", reason="late",
                                       end=clock(placed.end, day), session_end=clock(session.end, day))
                for pause in session.breaks:
                    if Window(placed.start, placed.end).overlaps(pause):
                        yield new_conflict(
                            "session-overrun", **involved, variant=f"break-{pause.start.isoformat()}", reason="break",
                            start=clock(placed.start), end=clock(placed.end, day),
                            break_start=clock(pause.start), break_end=clock(pause.end, day),
                        )
            for first, second in clashes(self.unit_spans(keys)):
                yield new_conflict(
                    "session-overrun", units=(first.owner, second.owner), sessions=[session_id], variant="overlap",
                    reason="overlap", session=session.name, **self.pair_params(first, second),
                )

    def venue_rules(self) -> Iterator[Conflict]:
        """venue-closed and venue-overlap: a session outside its venue's opening hours, or two sessions of one venue at once."""
        problem = self.problem
        venues = {problem.sessions[s].venue_id for s in self.sessions if s in problem.sessions}
        by_venue: dict[int, list[Session]] = defaultdict(list)
        for session in problem.sessions.values():
            if session.venue_id in venues:
                by_venue[session.venue_id].append(session)
        for venue_id in sorted(venues):
            venue = problem.venues.get(venue_id)
            # A venue with no opening hours recorded is open whenever the festival runs.
            if venue and venue.opening:
                for session in by_venue[venue_id]:
                    if self.touches(sessions=[session.id]) and not inside_any(session.window, venue.opening):
                        yield new_conflict(
                            "venue-closed", sessions=[session.id], session=session.name, venue=venue.name,
                            day=day_name(session.start.date()), start=clock(session.start),
                            end=clock(session.end, session.start.date()),
                        )
            spans = [Span(s.start, s.end, venue_id, s) for s in by_venue[venue_id]]
            for first, second in clashes(spans):
                if not self.touches(sessions=(first.owner.id, second.owner.id)):
                    continue
                yield new_conflict("venue-overlap", sessions=(first.owner.id, second.owner.id),
                                   **self.session_pair_params(first.owner, second.owner))

    def requests(self) -> Iterator[Conflict]:
        """request-unavailable: a person's unit running in a window they asked to be kept free."""
        problem = self.problem
        for person in sorted(self.people):
            for request in self.checker.requests.get(person, ()):
                day = request.window.start.date()
                for key in self.checker.person_units[person]:
                    placed = self.placed.get(key)
                    if placed is None or key not in self.units:
                        continue
                    if Window(placed.start, placed.end).overlaps(request.window):
                        yield new_conflict(
                            "request-unavailable", units=[key], people=[person], variant=f"request-{request.id}",
                            name=problem.person_name(person), request_day=day_name(day),
                            request_start=clock(request.window.start), request_end=clock(request.window.end, day),
                            unit=problem.units[key].label, start=clock(placed.start),
                            end=clock(placed.end, placed.start.date()), day=day_name(placed.start.date()),
                        )

    def together(self) -> Iterator[Conflict]:
        """together-not-kept: people who asked to perform on one day (or back to back) and do not."""
        problem = self.problem
        requests = {request.id: request for person in self.people for request in self.checker.together.get(person, ())}
        for request_id in sorted(requests):
            request = requests[request_id]
            keys = sorted({key for person in request.person_ids for key in self.checker.person_units.get(person, ())
                           if key in self.placed})
            if len(keys) < 2:
                continue
            days = sorted({self.placed[key].start.date() for key in keys})
            kept = len(days) == 1
            if kept and request.mode == "back-to-back":
                sessions = {self.placed[key].session for key in keys}
                if len(sessions) != 1:
                    kept = False
                else:
                    order = self.by_session[sessions.pop()]
                    positions = sorted(order.index(key) for key in keys)
                    kept = positions[-1] - positions[0] + 1 == len(positions)
            if kept:
                continue
            labels = ", ".join(problem.units[key].label for key in sorted(keys, key=lambda key: self.placed[key]))
            yield new_conflict(
                "together-not-kept", units=keys, sessions=[self.placed[key].session for key in keys],
                people=request.person_ids, variant=f"together-{request.id}", mode=request.mode,
                who=request.label or names_of(problem, request.person_ids), classes=labels,
                days=days_name(days),
            )

    def age_order(self) -> Iterator[Conflict]:
        """age-order: in a session of one discipline, a class for younger performers after one for older ones."""
        problem = self.problem
        for session_id in sorted(self.sessions):
            keys = self.by_session.get(session_id, ())
            disciplines = {problem.units[key].discipline_id for key in keys}
            if len(disciplines) != 1 or None in disciplines:
                continue
            oldest: tuple[tuple[float, float], str] | None = None
            for key in keys:
                unit = problem.units[key]
                if unit.min_age is None and unit.max_age is None:
                    continue
                # Compared by the oldest age allowed, then the youngest: "up to 8" before "up to 10" before "11 and over".
                rank = (unit.max_age if unit.max_age is not None else float("inf"), unit.min_age or 0)
                if oldest is not None and rank < oldest[0]:
                    other = problem.units[oldest[1]]
                    yield new_conflict(
                        "age-order", units=(key, oldest[1]), sessions=[session_id], variant=key,
                        session=problem.sessions[session_id].name, unit=unit.label, ages=age_range(unit),
                        other=other.label, other_ages=age_range(other),
                    )
                if oldest is None or rank > oldest[0]:
                    oldest = (rank, key)

    def long_waits(self) -> Iterator[Conflict]:
        """long-wait: a performer or accompanist waiting longer than the festival's limit between two units on one day.

        One conflict per person (not per pair of units, as overlaps are): whether two units are
        consecutive is each person's own, so a scoped check finds exactly the whole check's waits.
        """
        problem = self.problem
        for person in sorted(self.people):
            previous: Span | None = None
            for span in sorted(self.unit_spans(self.checker.person_units[person])):
                same_day = previous is not None and previous.start.date() == span.start.date()
                if same_day and span.start - previous.end > problem.long_wait:
                    yield new_conflict(
                        "long-wait", units=(previous.owner, span.owner), people=[person], name=problem.person_name(person),
                        wait=format_duration(int((span.start - previous.end).total_seconds())),
                        unit=problem.units[previous.owner].label, end=clock(previous.end),
                        other=problem.units[span.owner].label, other_start=clock(span.start), day=day_name(span.start.date()),
                    )
                if not same_day or span.end > previous.end:
                    previous = span
