"""`python -m bench.conflicts`: how fast the conflict checker reads a whole festival, and re-checks one move.

A festival of --entries entries (default 3,000: about 450 classes over 40 sessions in 6 venues on
7 days, about 2,500 people with accompanists, teachers and sibling requests) is built as plain data,
its classes packed into sessions in order. Timed, --runs times each (median and slowest kept):
indexing the problem (`Checker`), the whole check, a scoped check of one moved class, `changes`
for that move (two scoped checks), and the measures, each in wall time and in CPU time (on a
shared machine the wall time includes waiting for a core). The target: the whole check, indexing
included, well under 300 ms of CPU.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from mfo.schedule.conflicts import Checker, changes
from mfo.schedule.measures import measure
from mfo.schedule.problem import (
    Adjudicator,
    KeepTogether,
    Performance,
    Placement,
    Problem,
    Schedule,
    Session,
    Unavailable,
    Unit,
    Venue,
    Window,
    pack,
)

FIRST_DAY = datetime(2026, 3, 14)


def festival(entries: int, seed: int = 1) -> tuple[Problem, Schedule]:
    """Return a festival of about `entries` entries and a schedule with every class packed into a session."""
    rng = random.Random(seed)
    people = int(entries * 0.8)
    units: dict[str, Unit] = {}
    entry_id = 0
    for number in range(entries * 3 // 20):
        count = rng.randrange(2, 13)
        performances = []
        for _ in range(count):
            entry_id += 1
            group = rng.sample(range(people), rng.choice([1, 1, 1, 1, 2, 4]))
            performances.append(
                Performance(entry_id, rng.randrange(3, 7) * 60, frozenset(group), rng.choice([None, None, *range(people, people + 40)]),
                            rng.randrange(people + 40, people + 240), rng.randrange(60))
            )
        low = rng.choice([6, 9, 12, 15, None])
        units[f"class-{number}"] = Unit(
            f"class-{number}", number, str(1000 + number), discipline_id=rng.randrange(6), min_age=low,
            max_age=None if low is None else low + 2, closing_seconds=300, entries=tuple(performances),
        )
    venues = {v: Venue(v, f"Venue {v}") for v in range(1, 7)}
    sessions = {}
    # 40 full days of a venue (6 venues over 7 days, less two), each with a lunch break.
    for index in range(40):
        venue, day = index % 6 + 1, index // 6
        start = FIRST_DAY + timedelta(days=day, hours=9)
        lunch = Window(start + timedelta(hours=3), start + timedelta(hours=4))
        sessions[index + 1] = Session(index + 1, f"Session {index + 1}", venue, start, start + timedelta(hours=9),
                                      adjudicator_id=index % 12 + 1, breaks=(lunch,))
    adjudicators = {a: Adjudicator(a, 10_000 + a, f"Judge {a}", frozenset(range(6))) for a in range(1, 13)}
    problem = Problem(
        festival_id=1, venues=venues, adjudicators=adjudicators, sessions=sessions, units=units,
        unavailable=tuple(Unavailable(i, rng.randrange(people), Window(FIRST_DAY + timedelta(hours=9), FIRST_DAY + timedelta(hours=12)))
                          for i in range(100)),
        together=tuple(KeepTogether(i, frozenset(rng.sample(range(people), 2)), rng.choice(["same-day", "back-to-back"]))
                       for i in range(150)),
    )
    keys = list(units)
    placements = {}
    for index, session_id in enumerate(sessions):
        chunk = keys[index::len(sessions)]
        placements.update({p.unit_key: p for p in pack(problem, session_id, chunk)})
    return problem, Schedule(placements)


def timed(run: Callable[[], object], runs: int) -> tuple[float, float, float]:
    """Return the median wall time, the median CPU time and the slowest wall time of a call, in ms, after a warm-up call.

    On a shared machine the wall time includes waiting for a core; the CPU time is the work itself.
    """
    run()
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        run()
        cpus.append((time.process_time() - cpu) * 1000)
        walls.append((time.perf_counter() - wall) * 1000)
    return statistics.median(walls), statistics.median(cpus), max(walls)


def main(argv: Sequence[str] | None = None) -> int:
    """Build the festival, time each step and print a table; fail when the whole check misses its target."""
    parser = argparse.ArgumentParser(prog="python -m bench.conflicts", description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--target-ms", type=float, default=300.0)
    arguments = parser.parse_args(argv)
    problem, plan = festival(arguments.entries)
    checker = Checker(problem)
    conflicts = checker.check(plan)
    key = next(iter(problem.units))
    moved_session = problem.sessions[len(problem.sessions)]
    moved = Schedule({**plan.placements, key: Placement(key, moved_session.id, moved_session.start)})
    people = {person for unit in problem.units.values() for person in unit.people}
    print(f"{sum(len(u.entries) for u in problem.units.values())} entries, {len(problem.units)} classes, "
          f"{len(problem.sessions)} sessions, {len(people)} performers and accompanists; {len(conflicts)} conflicts")
    rows = [
        ("index the problem (Checker)", lambda: Checker(problem)),
        ("whole check", lambda: checker.check(plan)),
        ("whole check, with indexing", lambda: Checker(problem).check(plan)),
        ("one class and its sessions", lambda: checker.check(moved, units={key}, sessions={moved_session.id})),
        ("changes of one move", lambda: changes(problem, plan, moved, checker)),
        ("measures", lambda: measure(problem, plan)),
    ]
    print(f"{'step':<32}{'median ms':>12}{'CPU ms':>10}{'slowest ms':>12}")
    whole = 0.0
    for label, run in rows:
        median, cpu, slowest = timed(run, arguments.runs)
        if label == "whole check, with indexing":
            whole = cpu
        print(f"{label:<32}{median:>12.1f}{cpu:>10.1f}{slowest:>12.1f}")
    ok = whole < arguments.target_ms
    print(f"whole check with indexing under {arguments.target_ms:.0f} ms of CPU: {'yes' if ok else 'NO'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
