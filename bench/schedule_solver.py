"""The schedule solver's speed and quality on made-up festivals: `python -m bench.schedule_solver`.

For each size (entries, venues, days, time limit) it makes a festival with
`bench.schedule_instances.make_problem`, solves it, and prints the status, the objective, the idle
hours, the performer-days, when the first schedule without errors was there and the total time,
with the number of errors an independent pairwise check finds in the answer (0 is the target)
and the machine's load. The numbers in docs/scheduling-solver-notes.md come from here.
"""

from __future__ import annotations

import argparse
import os

from bench.schedule_instances import make_problem, naive_first_fit
from mfo.schedule.solver import measures, solve

SIZES = ((1200, 4, 3, 60.0), (3000, 6, 4, 120.0))


def run(entries: int, venues: int, days: int, time_limit: float, seed: int = 0) -> dict:
    """Solve one made-up festival and return what was measured."""
    from tests.test_schedule_solver import errors  # the pairwise check the tests trust, until the checker is merged

    problem = make_problem(entries, venues, days, seed=seed)
    load = os.getloadavg()[0]
    result = solve(problem, time_limit=time_limit)
    naive_idle, naive_days = measures(problem, naive_first_fit(problem))
    return {
        "size": f"{entries} entries, {venues} venues, {days} days", "units": len(problem.units), "sessions": len(problem.sessions),
        "limit": time_limit, "status": result.status, "objective": result.objective,
        "idle_hours": round(result.idle_seconds / 3600, 1), "performer_days": result.performer_days,
        "first_s": None if result.first_solution_seconds is None else round(result.first_solution_seconds, 1),
        "total_s": round(result.wall_seconds, 1), "errors": len(errors(problem, result.schedule)) if result.schedule else None,
        "first_fit_idle_hours": round(naive_idle / 3600, 1), "first_fit_days": naive_days, "load": round(load, 1),
    }


def main() -> None:
    """Run the sizes asked for (the two of the notes by default) and print one line each."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", nargs=4, type=float, action="append", metavar=("ENTRIES", "VENUES", "DAYS", "LIMIT"))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    for entries, venues, days, limit in args.size or SIZES:
        print(run(int(entries), int(venues), int(days), limit, args.seed), flush=True)


if __name__ == "__main__":
    main()
