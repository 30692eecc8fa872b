"""How good a schedule is for its people: idle time and days to come, one measure for the solver, the baseline and the benchmark.

Both count performers and accompanists (whoever must be present for a unit), each for the whole of
their own units, from the unit's start to the end of its closing time. Unplaced units count for
nothing (the checker reports them).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from mfo.schedule.problem import Problem, Schedule


def _days(problem: Problem, schedule: Schedule) -> dict[tuple[int, date], list[tuple[datetime, datetime]]]:
    """Return each person's own units, as (start, end), for every day they have one."""
    busy: dict[tuple[int, date], list[tuple[datetime, datetime]]] = defaultdict(list)
    for key, placement in schedule.placements.items():
        unit = problem.units.get(key)
        if unit is None:
            continue
        end = placement.start + timedelta(seconds=unit.seconds)
        for person in unit.people:
            busy[(person, placement.start.date())].append((placement.start, end))
    return busy


def _union_seconds(spans: list[tuple[datetime, datetime]]) -> float:
    """Return how long the spans cover together (time counted once where two overlap)."""
    total = 0.0
    reach: datetime | None = None
    for start, end in sorted(spans):
        if reach is None or start >= reach:
            total += (end - start).total_seconds()
            reach = end
        elif end > reach:
            total += (end - reach).total_seconds()
            reach = end
    return total


def _idle(days: dict[tuple[int, date], list[tuple[datetime, datetime]]]) -> int:
    """Return the idle seconds summed over people's days: (last end − first start) − time in their own units."""
    total = 0.0
    for spans in days.values():
        present = (max(end for _, end in spans) - min(start for start, _ in spans)).total_seconds()
        total += present - _union_seconds(spans)
    return int(total)


def idle_seconds(problem: Problem, schedule: Schedule) -> int:
    """Return the time performers and accompanists are present without performing, summed over people and days."""
    return _idle(_days(problem, schedule))


def performer_days(problem: Problem, schedule: Schedule) -> int:
    """Return the number of (person, day) pairs: how many days, summed over people, performers and accompanists must come."""
    return len(_days(problem, schedule))


@dataclass(frozen=True)
class Measures:
    """A schedule's quality in numbers, as the solver and the benchmark report it."""

    idle_seconds: int
    performer_days: int
    unplaced: int


def measure(problem: Problem, schedule: Schedule) -> Measures:
    """Return every measure of a schedule at once (people's days read once)."""
    days = _days(problem, schedule)
    unplaced = sum(1 for key in problem.units if key not in schedule.placements)
    return Measures(_idle(days), len(days), unplaced)
