"""A quick first schedule: each unit at the earliest start where it breaks no rule, hardest units first.

The solver starts its search from this schedule (CP-SAT takes it as a hint), so a large festival
has a schedule without errors in a second, which the search then improves; when a unit finds no
place here, the search still looks for one. It works on the solver's minute grid and reads the
same starts (`Grid.options`), so it breaks no rule the solver keeps: sessions, breaks, hours,
adjudicators, pianos, people's unavailable windows, and each person in one unit at a time with the
travel time between venues.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from mfo.schedule.grid import Grid, Starts
from mfo.schedule.problem import Placement

# Where a unit goes on the grid: its session and its start minute.
Spot = tuple[int, int]


def first_fit(grid: Grid, options: dict[str, dict[int, list[Starts]]], pins: dict[str, Placement],
              preferred: dict[str, Spot] | None = None, rounds: int = 5) -> dict[str, Spot]:
    """Return a session and start minute for as many units as fit, around the pinned ones, keeping preferred spots that fit.

    A unit left without a place goes first in the next round (the "squeaky wheel"), for a few rounds.
    """
    first: list[str] = []
    best: dict[str, Spot] = {}
    for _ in range(rounds):
        spots = _one_round(grid, options, pins, preferred or {}, first)
        if len(spots) > len(best):
            best = spots
        missing = [key for key in options if key not in spots]
        if not missing:
            break
        first = missing + [key for key in first if key not in missing]
    return best


def _one_round(grid: Grid, options: dict[str, dict[int, list[Starts]]], pins: dict[str, Placement], preferred: dict[str, Spot],
               first: list[str]) -> dict[str, Spot]:
    """Place the units one by one, the given ones first, then the hardest; return the places found."""
    problem = grid.problem
    sessions: dict[int, list[tuple[int, int]]] = defaultdict(list)
    people: dict[int, list[tuple[int, int, int]]] = defaultdict(list)

    days: dict[int, dict[int, tuple[int, int, int]]] = defaultdict(dict)
    counts: dict[int, int] = defaultdict(int)
    for unit in problem.units.values():
        for person in unit.people:
            counts[person] += 1

    def book(key: str, session_id: int, start: int, length: int) -> None:
        sessions[session_id].append((start, start + length))
        venue = problem.sessions[session_id].venue_id
        day = grid.day_index(problem.sessions[session_id])
        for person in problem.units[key].people:
            people[person].append((start, start + length, venue))
            first, last, busy = days[person].get(day, (start, start + length, 0))
            days[person][day] = (min(first, start), max(last, start + length), busy + length)

    for key, pin in pins.items():
        start = grid.floor(pin.start)
        book(key, pin.session_id, start, grid.ceil(pin.start + timedelta(seconds=problem.units[key].seconds)) - start)
    spots: dict[str, Spot] = {}
    # The current schedule's places are kept where they break no rule: the organizer's work is the starting point.
    for key, (session_id, start) in sorted(preferred.items(), key=lambda item: item[1][1]):
        starts = options.get(key, {}).get(session_id, [])
        length = grid.length(problem.units[key])
        if _earliest([(start, start)], length, _blocked(grid, key, session_id, sessions, people)) is not None and any(
                lo <= start <= hi for lo, hi in starts):
            spots[key] = (session_id, start)
            book(key, session_id, start, length)
    # Units with the fewest places and the most people go first: they are the hardest to fit late.
    rank = {key: index for index, key in enumerate(first)}
    order = sorted(options, key=lambda key: (rank.get(key, len(rank)), len(options[key]), -len(problem.units[key].people),
                                             -grid.length(problem.units[key]), key))
    for key in order:
        if key in spots:
            continue
        unit = problem.units[key]
        length = grid.length(unit)
        best: tuple[int, int, int, int] | None = None
        for session_id, starts in options[key].items():
            blocked = _blocked(grid, key, session_id, sessions, people)
            day = grid.day_index(problem.sessions[session_id])
            # Beside its people's other units (where they wait least), or the earliest place the session has free.
            near = [start for start, end in blocked for start in (end, start - length)]
            for start in {_earliest(starts, length, blocked), *near}:
                if start is None or not any(lo <= start <= hi for lo, hi in starts) or _meets(start, length, blocked):
                    continue
                cost = sum(_waiting(days[person], day, start, length) for person in unit.people if counts[person] > 1)
                if best is None or (cost, start) < best[:2]:
                    best = (cost, start, session_id, day)
        if best is not None:
            cost, start, session_id, day = best
            spots[key] = (session_id, start)
            book(key, session_id, start, length)
    return spots


def _waiting(days: dict[int, tuple[int, int, int]], day: int, start: int, length: int) -> int:
    """Return how much longer a person would wait (minutes) with one more unit, or an hour for a day they would not come."""
    if day not in days:
        return 60 if days else 0
    first, last, _ = days[day]
    return max(last, start + length) - min(first, start) - (last - first) - length


def _meets(start: int, length: int, blocked: list[tuple[int, int]]) -> bool:
    """Return whether [start, start + length) meets a blocked span."""
    return any(a < start + length and start < b for a, b in blocked)


def _blocked(grid: Grid, key: str, session_id: int, sessions: dict[int, list[tuple[int, int]]],
             people: dict[int, list[tuple[int, int, int]]]) -> list[tuple[int, int]]:
    """Return the spans a unit may not meet in a session: its other units, and its people's units widened by the travel time."""
    venue = grid.problem.sessions[session_id].venue_id
    blocked = list(sessions[session_id])
    for person in grid.problem.units[key].people:
        for start, end, where in people[person]:
            gap = grid.travel(where, venue)
            blocked.append((start - gap, end + gap))
    return blocked


def _earliest(starts: list[Starts], length: int, blocked: list[tuple[int, int]]) -> int | None:
    """Return the earliest start in the ranges at which [start, start + length) meets no blocked span."""
    blocked = sorted(blocked)
    for lo, hi in starts:
        start = lo
        moved = True
        while moved and start <= hi:
            moved = False
            for a, b in blocked:
                if a < start + length and start < b:
                    start = b
                    moved = True
        if start <= hi:
            return start
    return None
