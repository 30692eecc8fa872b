"""Moving start times only: with each unit's session kept, CP-SAT reorders sessions to cut people's waiting.

For a large festival the solver's full model (a unit may go to any of twenty sessions) spends its
time limit in presolve on a 2-core machine; this smaller model keeps the sessions of a first
schedule and looks only for better start times. Units on different days never meet, and each pair
sharing a person on one day has a known travel time, so the model is a fraction of the size.
Every rule the full model keeps about time is kept here: session spans, breaks and hours (the
same start ranges), one unit at a time per session, each person in one unit at a time with the
travel time between venues.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from datetime import timedelta
from itertools import combinations

from ortools.sat.python import cp_model

from mfo.schedule.greedy import Spot
from mfo.schedule.grid import Grid, Starts
from mfo.schedule.problem import Placement


def retime(grid: Grid, options: dict[str, dict[int, list[Starts]]], pins: dict[str, Placement], spots: dict[str, Spot], *,
           time_limit: float, idle_weight: int, long_wait_weight: int, workers: int = 2,
           progress: Callable[[float, int, float], None] | None = None, should_stop: Callable[[], bool] | None = None,
           started: float | None = None) -> tuple[dict[str, Spot], float | None]:
    """Return the spots with start times that leave people less waiting, and the waiting's cost (None when nothing was found).

    Pinned units stay where they are; `spots` are every other unit's session and start.
    """
    started = time.monotonic() if started is None else started
    problem = grid.problem
    model = cp_model.CpModel()
    fixed = {key: (pin.session_id, grid.floor(pin.start)) for key, pin in pins.items()}
    every = {**fixed, **spots}
    length = {key: grid.length(problem.units[key]) for key in every}
    for key, pin in pins.items():
        # A pin between whole minutes takes every minute it touches.
        length[key] = grid.ceil(pin.start + timedelta(seconds=problem.units[key].seconds)) - fixed[key][1]
    horizon = max((grid.ceil(session.end) for session in problem.sessions.values()), default=0) + 1
    start: dict[str, cp_model.IntVar] = {}
    by_session: dict[int, list[cp_model.IntervalVar]] = defaultdict(list)
    for key, (session_id, minute) in every.items():
        if key in fixed:
            start[key] = model.new_constant(minute)
        else:
            domain = cp_model.Domain.from_intervals([list(span) for span in options[key][session_id]])
            start[key] = model.new_int_var_from_domain(domain, key)
            model.add_hint(start[key], minute)
        by_session[session_id].append(model.new_fixed_size_interval_var(start[key], length[key], key))
    for intervals in by_session.values():
        model.add_no_overlap(intervals)
    day_of = {key: grid.day_index(problem.sessions[session_id]) for key, (session_id, _) in every.items()}
    venue_of = {key: problem.sessions[session_id].venue_id for key, (session_id, _) in every.items()}
    members: dict[tuple[int, int], list[str]] = defaultdict(list)
    for key in every:
        for person in problem.units[key].people:
            members[person, day_of[key]].append(key)
    pairs = set()
    idle_terms = []
    waits = []
    long_wait = int(problem.long_wait.total_seconds()) // 60
    for (person, _day), keys in members.items():
        if len(keys) < 2:
            continue
        pairs.update(tuple(sorted(pair)) for pair in combinations(keys, 2))
        first = model.new_int_var(0, horizon, f"{person} first")
        last = model.new_int_var(0, horizon, f"{person} last")
        for key in keys:
            model.add(first <= start[key])
            model.add(last >= start[key] + length[key])
        model.add_hint(first, min(every[key][1] for key in keys))
        model.add_hint(last, max(every[key][1] + length[key] for key in keys))
        idle = last - first - sum(length[key] for key in keys)
        idle_terms.append(idle)
        if long_wait_weight:
            wait = model.new_bool_var(f"{person} waits")
            model.add(idle <= long_wait).only_enforce_if(~wait)
            waits.append(wait)
    for a, b in sorted(pairs):
        if a in fixed and b in fixed:
            continue
        gap = grid.travel(venue_of[a], venue_of[b])
        before = model.new_bool_var(f"{a} before {b}")
        model.add(start[a] + length[a] + gap <= start[b]).only_enforce_if(before)
        model.add(start[b] + length[b] + gap <= start[a]).only_enforce_if(~before)
        model.add_hint(before, every[a][1] < every[b][1])
    total_idle = sum(idle_terms) if idle_terms else cp_model.LinearExpr.constant(0)
    model.minimize(idle_weight * total_idle + long_wait_weight * sum(waits))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.1, time_limit)
    solver.parameters.num_workers = workers
    watcher = _Watcher(total_idle, progress, should_stop, started)
    status = solver.solve(model, watcher)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return spots, None
    return {key: (session_id, solver.value(start[key])) for key, (session_id, _) in spots.items()}, solver.objective_value


class _Watcher(cp_model.CpSolverSolutionCallback):
    """Report each better set of start times, and stop when the caller asks."""

    def __init__(self, idle: cp_model.LinearExprT, progress: Callable[[float, int, float], None] | None,
                 should_stop: Callable[[], bool] | None, started: float) -> None:
        """Remember what to call."""
        super().__init__()
        self.idle, self.progress, self.should_stop, self.started = idle, progress, should_stop, started

    def on_solution_callback(self) -> None:
        """Report the objective and idle minutes; stop when asked."""
        if self.progress is not None:
            self.progress(self.objective_value, int(self.value(self.idle)), time.monotonic() - self.started)
        if self.should_stop is not None and self.should_stop():
            self.stop_search()
