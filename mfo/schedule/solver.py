"""The solver: CP-SAT proposes a schedule with no error conflicts, and the fewest warnings and idle hours it finds.

The model, on the minute grid of `mfo.schedule.grid`: each unit not pinned gets one start variable
and, per session that can take it (right discipline and adjudicator, no conflict of interest, a
piano when needed, and a start clear of breaks, hours and its people's unavailable windows), an
optional interval sharing that start; exactly one is present. Each session's intervals do not
overlap. Each person in several units has their units' intervals in one NoOverlap, and each pair
of their units that may land in different venues is kept apart by the travel time: "u before w
or w before u, with the travel time between their venues between them" (`travel x
different-venue` when the festival has one travel time, a lookup in the venue-pair table when it
sets several). Pinned units are fixed intervals.

The search starts from a whole solution: a first schedule (`mfo.schedule.greedy`, which keeps the
current schedule's places that break no rule) with the model's other variables worked out from
it. A festival too large for the full model has that schedule's times improved first
(`mfo.schedule.retime`, sessions kept), then its classes moved between a few sessions at a time,
each time the full model solved on those sessions' classes with everything around them fixed
(a large-neighbourhood search, `_neighbourhoods`).

The objective, in the order of `Weights`' defaults: the warnings (keep-together requests split
over days or, back to back, not one after the other in one session; long waits; a teacher's
pupils at the same time in two venues; a younger class after an older one of its discipline in a
session), the idle time of every performer and accompanist with more than one unit (per person
and day: last end - first start - time on stage), the days each must come, younger classes early
in their sessions, and the fullest session's fill. The checker reports whatever remains.
"""

from __future__ import annotations

import random
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from datetime import datetime, timedelta
from functools import cached_property
from itertools import combinations

from ortools.sat.python import cp_model

from mfo.schedule.feasibility import Reason, data_notes, prechecks, some
from mfo.schedule.greedy import Spot, first_fit
from mfo.schedule.grid import Grid, Starts
from mfo.schedule.problem import Placement, Problem, Schedule
from mfo.schedule.retime import retime

# Above this many (unit, session) choices the full model's presolve alone outlasts a two-minute limit on a loaded
# 2-core machine (3,000 entries: about 9,500 choices, 80,000 constraints); the solver then keeps the first
# schedule's sessions and moves only the start times (1,200 entries: about 1,600 choices, full model).
FULL_MODEL_LIMIT = 5000

# On a large festival, the share of the time left after the first schedule that retiming gets; the rest goes to the
# large-neighbourhood search, which frees the classes of a few sessions at a time and re-solves them with the rest fixed.
RETIME_SHARE = 0.5
# Sessions freed per round (0: no neighbourhood search), and the seconds one round may search.
LNS_SESSIONS = 3
LNS_ROUND_SECONDS = 4.0

# At most this many pairs of classes get a teacher-overlap or an age-order term each (the rest are left to the checker):
# a teacher with sixty pupils' classes alone would add 1,770 pairs.
SOFT_PAIRS_LIMIT = 10000

# What a progress report carries: the best objective so far, its idle minutes, the seconds since the start.
Progress = Callable[[float, int, float], None]


@dataclass(frozen=True)
class Weights:
    """How much each thing the solver avoids costs, in objective points (one point = one minute of idle time)."""

    # Warnings, each time one occurs.
    keep_together: int = 600
    long_wait: int = 300
    # Per pair of classes a teacher has pupils in, at the same time in different venues.
    teacher_overlap: int = 300
    # Per pair of classes of one discipline in one session with the younger class after the older.
    age_order: int = 300
    # Per minute a performer or accompanist waits between performances on one day.
    idle: int = 1
    # Per day a performer or accompanist must come beyond their first.
    day: int = 60
    # Per minute a class starts after its session's start, times the years its performers are younger than the oldest.
    younger_first: int = 0
    # Per percent of the fullest session's fill.
    balance: int = 1

    @classmethod
    def parse(cls, items: list[str] | tuple[str, ...]) -> Weights:
        """Return the default weights with some changed by "name=points" items (e.g. "idle=2"); raise ValueError on a bad one."""
        names = {field.name for field in fields(cls)}
        changed = {}
        for item in items:
            if len(item) > 60:
                raise ValueError(f"{item[:40]!r}...: too long for name=points")
            name, equals, value = item.partition("=")
            name = name.strip().replace("-", "_")
            if not equals or name not in names or len(value) > 7 or not value.strip().isdigit():
                raise ValueError(f"{item[:40]!r}: give name=points, a name among {', '.join(sorted(names))} and whole points")
            changed[name] = int(value)
        return replace(cls(), **changed)

    @classmethod
    def from_mapping(cls, mapping: object) -> Weights:
        """Return the weights kept as {"name": points} (a background job's parameters); raise ValueError on a bad one."""
        if not isinstance(mapping, dict):
            raise ValueError("weights are kept as {name: points}")
        return cls.parse([f"{name}={points}" for name, points in mapping.items()])


@dataclass
class SolveResult:
    """What the solver answers: its status, the schedule it proposes, why none exists, and its measures."""

    status: str
    schedule: Schedule | None = None
    reasons: list[Reason] = field(default_factory=list)
    idle_seconds: int = 0
    performer_days: int = 0
    objective: float | None = None
    wall_seconds: float = 0.0
    first_solution_seconds: float | None = None
    unplaced: list[str] = field(default_factory=list)


class _Model:
    """The CP-SAT model of one problem: its variables, kept so the answer can be read back."""

    def __init__(self, problem: Problem, grid: Grid, options: dict[str, dict[int, list[Starts]]], pins: dict[str, Placement],
                 weights: Weights, relax: bool = False) -> None:
        """Build the model; with relax, units may stay unplaced and the objective is to place as many as possible."""
        self.problem, self.grid, self.options, self.pins, self.weights = problem, grid, options, pins, weights
        self.model = cp_model.CpModel()
        self.start: dict[str, cp_model.IntVar] = {}
        self.present: dict[str, dict[int, cp_model.IntVar]] = {}
        self.placed: dict[str, cp_model.IntVar] = {}
        self.length = {key: grid.length(unit) for key, unit in problem.units.items()}
        self.relax = relax
        self._units()
        self._sessions()
        self._people()
        if relax:
            self.model.maximize(sum(self.placed.values()))
            self.idle = cp_model.LinearExpr.constant(0)
        else:
            self._objective()

    def _units(self) -> None:
        """Give each unit its start and its optional intervals, one per session that can take it."""
        model = self.model
        self.intervals: dict[int, list[cp_model.IntervalVar]] = defaultdict(list)
        self.bounds: dict[str, tuple[int, int]] = {}
        self.load: dict[tuple[int, int], list[tuple[int, cp_model.IntVar]]] = defaultdict(list)
        for key in self.problem.units:
            length = self.length[key]
            pin = self.pins.get(key)
            if pin is not None:
                lo = self.grid.floor(pin.start)
                hi = self.grid.ceil(pin.start + timedelta(seconds=self.problem.units[key].seconds))
                self.start[key] = model.new_constant(lo)
                self.bounds[key] = (lo, lo)
                self.length[key] = max(hi - lo, 1)
                self.present[key] = {pin.session_id: model.new_constant(1)}
                self.placed[key] = model.new_constant(1)
                self.intervals[pin.session_id].append(model.new_fixed_size_interval_var(lo, self.length[key], f"pin {key}"))
                continue
            options = self.options[key]
            domain = cp_model.Domain.from_intervals([list(span) for starts in options.values() for span in starts])
            start = model.new_int_var_from_domain(domain, f"start {key}")
            self.bounds[key] = (domain.min(), domain.max())
            self.start[key] = start
            self.present[key] = {}
            for session_id, starts in options.items():
                segments = self.grid.segments(session_id)
                # One choice per range of starts: its bounds are plain linear constraints, and its length counts
                # against the span of the session it lies in, a capacity the LP relaxation sees.
                choices = []
                for lo, hi in starts:
                    choice = model.new_bool_var(f"{key} in {session_id} at {lo}")
                    if lo > domain.min():
                        model.add(start >= lo).only_enforce_if(choice)
                    if hi < domain.max():
                        model.add(start <= hi).only_enforce_if(choice)
                    segment = next(index for index, (a, b) in enumerate(segments) if a <= lo < b)
                    self.load[session_id, segment].append((length, choice))
                    choices.append(choice)
                if len(choices) == 1:
                    present = choices[0]
                else:
                    present = model.new_bool_var(f"{key} in {session_id}")
                    model.add(sum(choices) == present)
                self.present[key][session_id] = present
                interval = model.new_optional_fixed_size_interval_var(start, length, present, f"{key} @ {session_id}")
                self.intervals[session_id].append(interval)
            if self.relax:
                placed = model.new_bool_var(f"placed {key}")
                model.add(sum(self.present[key].values()) == placed)
                self.placed[key] = placed
            else:
                model.add_exactly_one(self.present[key].values())
                self.placed[key] = model.new_constant(1)

    def _sessions(self) -> None:
        """Keep the units of each session from overlapping (breaks and hours are already out of their starts)."""
        for intervals in self.intervals.values():
            if len(intervals) > 1:
                self.model.add_no_overlap(intervals)
        for (session_id, segment), load in self.load.items():
            lo, hi = self.grid.segments(session_id)[segment]
            pinned = sum(self.length[key] for key, pin in self.pins.items() if pin.session_id == session_id
                         and lo <= self.bounds[key][0] < hi)
            if len(load) > 1:
                self.model.add(sum(length * choice for length, choice in load) <= hi - lo - pinned)

    def venues(self, key: str) -> set[int]:
        """Return the venues a unit may be in."""
        return {self.problem.sessions[sid].venue_id for sid in self.present[key]}

    def days(self, key: str) -> dict[int, list[int]]:
        """Return the sessions a unit may be in, by day index."""
        days: dict[int, list[int]] = defaultdict(list)
        for sid in self.present[key]:
            days[self.grid.day_index(self.problem.sessions[sid])].append(sid)
        return days

    def _people(self) -> None:
        """Keep every person in one unit at a time, with the travel time between units in different venues."""
        model = self.model
        self.units_of: dict[int, list[str]] = defaultdict(list)
        for key, unit in self.problem.units.items():
            for person in unit.people:
                self.units_of[person].append(key)
        self.busy = {person: keys for person, keys in self.units_of.items() if len(keys) > 1}
        own: dict[str, cp_model.IntervalVar] = {}
        pairs: set[tuple[str, str]] = set()
        for keys in self.busy.values():
            for key in keys:
                if key not in own:
                    own[key] = model.new_optional_fixed_size_interval_var(self.start[key], self.length[key], self.placed[key], key)
            model.add_no_overlap([own[key] for key in keys])
            pairs.update(tuple(sorted(pair)) for pair in combinations(keys, 2))
        for first, second in sorted(pairs):
            self._travel(first, second)

    def _travel(self, first: str, second: str) -> None:
        """Keep two units that share a person apart by the travel time between the venues they are in."""
        venues_a, venues_b = self.venues(first), self.venues(second)
        times = {self.grid.travel(a, b) for a in venues_a for b in venues_b if a != b}
        if not times or max(times) == 0:
            return
        model = self.model
        if len(times) == 1:
            # One travel time for every pair of venues: "different venues" is all the model needs to know.
            different = model.new_bool_var(f"apart {first} {second}")
            for venue in venues_a | venues_b:
                model.add(different >= self.in_venue(first, venue) - self.in_venue(second, venue))
            gap = times.pop() * different
        else:
            # Travel times that differ by pair: the gap is read from the table of venue pairs.
            size = len(self.venue_order)
            gap = model.new_int_var(0, max(times), f"gap {first} {second}")
            index = model.new_int_var(0, size * size - 1, f"venues {first} {second}")
            model.add(index == self.venue_index(first) * size + self.venue_index(second))
            model.add_element(index, self.travel_table, gap)
        before = model.new_bool_var(f"{first} before {second}")
        both = [self.placed[first], self.placed[second]] if self.relax else []
        start_a, start_b = self.start[first], self.start[second]
        model.add(start_a + self.length[first] + gap <= start_b).only_enforce_if([before, *both])
        model.add(start_b + self.length[second] + gap <= start_a).only_enforce_if([~before, *both])

    def in_venue(self, key: str, venue: int) -> cp_model.LinearExprT:
        """Return 1 when a unit is in a venue, 0 otherwise, as a linear expression."""
        return sum(p for sid, p in self.present[key].items() if self.problem.sessions[sid].venue_id == venue)

    def venue_index(self, key: str) -> cp_model.LinearExprT:
        """Return the position of a unit's venue among the festival's venues, as a linear expression."""
        return sum(self.venue_order.index(self.problem.sessions[sid].venue_id) * p for sid, p in self.present[key].items())

    @cached_property
    def venue_order(self) -> list[int]:
        """Return the festival's venues in a fixed order."""
        return sorted(self.problem.venues)

    @cached_property
    def travel_table(self) -> list[int]:
        """Return the travel minutes between each pair of venues, row by row in venue order."""
        return [self.grid.travel(a, b) for a in self.venue_order for b in self.venue_order]

    def _day_flag(self, key: str, day: int, sessions: list[int]) -> cp_model.IntVar:
        """Return a literal true when a unit is on a day."""
        flags = [self.present[key][sid] for sid in sessions]
        if len(flags) == 1:
            return flags[0]
        flag = self.model.new_bool_var(f"{key} on {day}")
        self.model.add(sum(flags) == flag)
        return flag

    def _objective(self) -> None:
        """Set the objective: warnings first, then idle time, days, younger first and balance, by their weights.

        Warnings: keep-together (per extra day, and per back-to-back request not kept), long waits
        (per person-day), teacher overlaps and age order (per pair of classes, up to SOFT_PAIRS_LIMIT pairs each).
        """
        model, weights = self.model, self.weights
        terms: list = []
        idle_terms: list = []
        flags: dict[tuple[str, int], cp_model.IntVar] = {}

        def on_day(key: str, day: int, sessions: list[int]) -> cp_model.IntVar:
            if (key, day) not in flags:
                flags[key, day] = self._day_flag(key, day, sessions)
            return flags[key, day]

        long_wait = int(self.problem.long_wait.total_seconds()) // 60
        for person, keys in self.busy.items():
            by_day: dict[int, list[tuple[str, cp_model.IntVar]]] = defaultdict(list)
            for key in keys:
                for day, sessions in self.days(key).items():
                    by_day[day].append((key, on_day(key, day, sessions)))
            for day, members in by_day.items():
                comes = model.new_bool_var(f"{person} comes {day}")
                for _key, flag in members:
                    model.add_implication(flag, comes)
                terms.append(weights.day * comes)
                if len(members) < 2:
                    continue
                lo = min(self.bounds[key][0] for key, _ in members)
                hi = max(self.bounds[key][1] + self.length[key] for key, _ in members)
                first = model.new_int_var(lo, hi, f"{person} first {day}")
                last = model.new_int_var(lo, hi, f"{person} last {day}")
                model.add(first <= last)
                for key, flag in members:
                    model.add(first <= self.start[key]).only_enforce_if(flag)
                    model.add(last >= self.start[key] + self.length[key]).only_enforce_if(flag)
                idle = last - first - sum(self.length[key] * flag for key, flag in members)
                idle_terms.append(idle)
                if weights.long_wait:
                    waits = model.new_bool_var(f"{person} waits {day}")
                    model.add(idle <= long_wait).only_enforce_if(~waits)
                    terms.append(weights.long_wait * waits)
            terms.append(-weights.day * (1 if by_day else 0))
        self.idle = sum(idle_terms) if idle_terms else cp_model.LinearExpr.constant(0)
        terms.append(weights.idle * self.idle)
        for request in self.problem.together:
            keys = sorted({key for person in request.person_ids for key in self.units_of.get(person, ())})
            if len(keys) < 2:
                continue
            used = []
            for day in sorted({day for key in keys for day in self.days(key)}):
                together = model.new_bool_var(f"together {request.id} on {day}")
                for key in keys:
                    sessions = self.days(key).get(day)
                    if sessions:
                        model.add_implication(on_day(key, day, sessions), together)
                used.append(together)
            terms.append(weights.keep_together * (sum(used) - 1))
            if request.mode == "back-to-back":
                terms.append(weights.keep_together * self._apart(request.id, keys))
        if weights.teacher_overlap:
            terms += self._teacher_overlaps()
        if weights.age_order:
            terms += self._age_order()
        if weights.younger_first:
            ages = {key: unit.min_age if unit.min_age is not None else unit.max_age for key, unit in self.problem.units.items()}
            oldest = max((age for age in ages.values() if age is not None), default=None)
            for key, age in ages.items():
                if age is None or oldest is None or key in self.pins or oldest == age:
                    continue
                offset = self.start[key] - sum(self.grid.ceil(self.problem.sessions[sid].start) * p for sid, p in self.present[key].items())
                terms.append(weights.younger_first * (oldest - age) * offset)
        if weights.balance and self.problem.sessions:
            fill = model.new_int_var(0, 1000, "fullest session")
            for session_id in self.problem.sessions:
                offered = self.grid.offered(session_id)
                load = sum(self.length[key] * present[session_id] for key, present in self.present.items() if session_id in present)
                if offered and not isinstance(load, int):
                    model.add(100 * load <= fill * offered)
            terms.append(weights.balance * fill)
        model.minimize(sum(terms))

    def _may_meet(self, first: str, second: str) -> bool:
        """Tell whether two units may run at the same time (their possible starts and lengths overlap)."""
        lo_a, hi_a = self.bounds[first]
        lo_b, hi_b = self.bounds[second]
        return lo_a < hi_b + self.length[second] and lo_b < hi_a + self.length[first]

    def _apart(self, request_id: int, keys: list[str]) -> cp_model.LinearExprT:
        """Return 1 unless a back-to-back request's units are all in one session with no other unit between them.

        For each session that may hold them all, `kept there` needs each of them present, and each
        other unit present in it wholly before all of them or wholly after all of them: exactly
        the checker's "one session, one after the other with no other class between".
        """
        model = self.model
        common = set.intersection(*(set(self.present[key]) for key in keys))
        kept = []
        for session_id in sorted(common):
            here = model.new_bool_var(f"back to back {request_id} in {session_id}")
            for key in keys:
                model.add_implication(here, self.present[key][session_id])
            for other, present in self.present.items():
                if other in keys or session_id not in present:
                    continue
                before = model.new_bool_var(f"{other} before {request_id}")
                after = model.new_bool_var(f"{other} after {request_id}")
                model.add_bool_or([~here, ~present[session_id], before, after])
                for key in keys:
                    model.add(self.start[other] + self.length[other] <= self.start[key]).only_enforce_if(before)
                    model.add(self.start[other] >= self.start[key] + self.length[key]).only_enforce_if(after)
            kept.append(here)
        if not kept:
            return cp_model.LinearExpr.constant(1)
        model.add(sum(kept) <= 1)
        return 1 - sum(kept)

    def _teacher_overlaps(self) -> list:
        """Return the teacher-overlap terms: per pair of a teacher's units that may meet, 1 when they run at once in two venues.

        Pairs sharing a performer or accompanist are already kept apart; at most SOFT_PAIRS_LIMIT
        pairs are modelled (the checker reports any overlap left among the others).
        """
        model, weight = self.model, self.weights.teacher_overlap
        teachers: dict[tuple[str, str], int] = defaultdict(int)
        units_of: dict[int, list[str]] = defaultdict(list)
        for key, unit in self.problem.units.items():
            for teacher in {entry.teacher_id for entry in unit.entries if entry.teacher_id is not None}:
                units_of[teacher].append(key)
        for keys in units_of.values():
            for first, second in combinations(sorted(keys), 2):
                if not self.problem.units[first].people & self.problem.units[second].people and self._may_meet(first, second) \
                        and len(self.venues(first) | self.venues(second)) > 1:
                    teachers[first, second] += 1
        terms = []
        for (first, second), shared in sorted(teachers.items())[:SOFT_PAIRS_LIMIT]:
            clash = model.new_bool_var(f"teacher clash {first} {second}")
            a_first = model.new_bool_var(f"{first} first {second}")
            b_first = model.new_bool_var(f"{second} first {first}")
            if self.venues(first) & self.venues(second):
                different = model.new_bool_var(f"venues of {first} {second}")
                for venue in self.venues(first) | self.venues(second):
                    model.add(different >= self.in_venue(first, venue) - self.in_venue(second, venue))
                model.add_bool_or([~different, clash, a_first, b_first])
            else:
                # Never in one venue: at the same time they always clash.
                model.add_bool_or([clash, a_first, b_first])
            model.add(self.start[first] + self.length[first] <= self.start[second]).only_enforce_if(a_first)
            model.add(self.start[second] + self.length[second] <= self.start[first]).only_enforce_if(b_first)
            # One warning per teacher the two units share.
            terms.append(weight * shared * clash)
        return terms

    def _age_order(self) -> list:
        """Return the age-order terms: per pair of classes of one discipline, 1 when they share a session older first.

        Classes are ranked as the checker ranks them (oldest age allowed, then youngest; classes
        without ages left out). No pair out of order in a session means no age-order warning there.
        """
        model, weight = self.model, self.weights.age_order
        ranked = {}
        for key, unit in self.problem.units.items():
            if unit.discipline_id is not None and (unit.min_age is not None or unit.max_age is not None):
                ranked[key] = (unit.max_age if unit.max_age is not None else float("inf"), unit.min_age or 0)
        pairs = []
        for first, second in combinations(sorted(ranked), 2):
            if ranked[first] == ranked[second] or self.problem.units[first].discipline_id != self.problem.units[second].discipline_id:
                continue
            young, old = (first, second) if ranked[first] < ranked[second] else (second, first)
            common = sorted(set(self.present[young]) & set(self.present[old]))
            if common:
                pairs.append((young, old, common))
        terms = []
        for young, old, common in pairs[:SOFT_PAIRS_LIMIT]:
            late = model.new_bool_var(f"{young} after {old}")
            for session_id in common:
                model.add(self.start[young] + self.length[young] <= self.start[old]).only_enforce_if(
                    [self.present[young][session_id], self.present[old][session_id], ~late])
            terms.append(weight * late)
        return terms

    def hint(self, spots: dict[str, Spot]) -> None:
        """Start the search from a first schedule (session and start minute per unit)."""
        for key, (session_id, start) in spots.items():
            if key in self.pins or session_id not in self.present.get(key, {}):
                continue
            for other, present in self.present[key].items():
                self.model.add_hint(present, other == session_id)
            self.model.add_hint(self.start[key], start)

    def schedule(self, value: Callable) -> Schedule:
        """Read the schedule from a solution (pinned units keep their own placements)."""
        placements = {}
        for key in self.problem.units:
            if key in self.pins:
                placements[key] = self.pins[key]
                continue
            for session_id, present in self.present[key].items():
                if value(present):
                    placements[key] = Placement(key, session_id, self.grid.moment(value(self.start[key])))
        return Schedule(placements)


class _Watcher(cp_model.CpSolverSolutionCallback):
    """Report each better solution to the caller, and stop the search when the caller asks."""

    def __init__(self, model: _Model, progress: Progress | None, should_stop: Callable[[], bool] | None, started: float) -> None:
        """Remember what to call."""
        super().__init__()
        self.model, self.progress, self.should_stop, self.started = model, progress, should_stop, started
        self.first: float | None = None

    def on_solution_callback(self) -> None:
        """Report the solution's objective and idle minutes; stop when asked."""
        elapsed = time.monotonic() - self.started
        if self.first is None:
            self.first = elapsed
        if self.progress is not None:
            self.progress(self.objective_value, int(self.value(self.model.idle)), elapsed)
        if self.should_stop is not None and self.should_stop():
            self.stop_search()


def measures(problem: Problem, schedule: Schedule) -> tuple[int, int]:
    """Return a schedule's idle seconds and performer-days (performers and accompanists, each day they come)."""
    spans: dict[tuple[int, object], list[tuple[int, int]]] = defaultdict(list)
    for key in schedule.placements:
        window = schedule.window(problem, key)
        start = int((window.start - datetime.min).total_seconds())
        for person in problem.units[key].people:
            spans[person, window.day].append((start, start + problem.units[key].seconds))
    idle = 0
    for windows in spans.values():
        idle += max(0, max(end for _, end in windows) - min(start for start, _ in windows) - sum(end - start for start, end in windows))
    return idle, len(spans)


def _solve_model(built: _Model, time_limit: float, progress: Progress | None, should_stop: Callable[[], bool] | None,
                 started: float, workers: int) -> tuple[cp_model.CpSolver, int, _Watcher]:
    """Run CP-SAT on a built model within the time left."""
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.1, time_limit - (time.monotonic() - started))
    solver.parameters.num_workers = workers
    watcher = _Watcher(built, progress, should_stop, started)
    status = solver.solve(built.model, watcher)
    return solver, status, watcher


def _complete_hint(built: _Model, time_limit: float, started: float, workers: int) -> cp_model.CpSolver | None:
    """Fill in every variable of a hint that gives each unit its place, so the search starts from a whole solution.

    The first schedule names only each unit's session and start; CP-SAT then has to work out the
    thousands of other variables (who is on which day, first and last times) before it holds a
    solution, which took it half a minute at 1,200 entries. Solving with the hinted places fixed
    takes about a second there and yields them all.
    """
    solver = cp_model.CpSolver()
    solver.parameters.fix_variables_to_their_hinted_value = True
    # Up to two fifths of the time: at 3,000 entries on a loaded 2-core machine it takes a dozen seconds (presolve).
    solver.parameters.max_time_in_seconds = max(0.1, 0.4 * time_limit - (time.monotonic() - started))
    solver.parameters.num_workers = workers
    if solver.solve(built.model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    built.model.clear_hints()
    for index in range(len(built.model.proto.variables)):
        variable = built.model.get_int_var_from_proto_index(index)
        built.model.add_hint(variable, solver.value(variable))
    return solver


def solve(problem: Problem, current: Schedule | None = None, *, time_limit: float = 60, weights: Weights | None = None,
          progress: Progress | None = None, should_stop: Callable[[], bool] | None = None, workers: int = 2) -> SolveResult:
    """Propose a schedule with no error conflicts for the problem, keeping the current schedule's pins and starting from it."""
    started = time.monotonic()
    weights = weights or Weights()
    grid = Grid(problem)
    placements = current.placements.items() if current else ()
    pins = {key: p for key, p in placements if p.pinned and key in problem.units and p.session_id in problem.sessions}
    options = {key: grid.options(unit) for key, unit in problem.units.items() if key not in pins}
    reasons = prechecks(grid, current, options)
    if reasons:
        return SolveResult("infeasible", reasons=reasons + data_notes(grid), wall_seconds=time.monotonic() - started)
    preferred = {key: (p.session_id, grid.floor(p.start)) for key, p in (current.placements.items() if current else ()) if key not in pins}
    spots = first_fit(grid, options, pins, preferred)
    greedy_seconds = time.monotonic() - started
    if sum(len(found) for found in options.values()) > FULL_MODEL_LIMIT and len(spots) == len(options):
        # A large festival: improve the first schedule's times (see mfo.schedule.retime), then move classes between a few
        # sessions at a time (the large-neighbourhood search) in the time left.
        share = RETIME_SHARE * (time_limit - greedy_seconds)
        spots, objective = retime(grid, options, pins, spots, time_limit=share, idle_weight=weights.idle,
                                  long_wait_weight=weights.long_wait, workers=workers, progress=progress, should_stop=should_stop,
                                  started=started)
        spots, gained = _neighbourhoods(problem, grid, options, pins, spots, weights, time_limit=time_limit, started=started,
                                        workers=workers, progress=progress, should_stop=should_stop,
                                        objective=objective or 0.0)
        placements = dict(pins) | {key: Placement(key, sid, grid.moment(start)) for key, (sid, start) in spots.items()}
        return _answer(problem, Schedule(placements), "feasible", None if objective is None else objective - gained, started,
                       greedy_seconds)
    built = _Model(problem, grid, options, pins, weights)
    built.hint(spots)
    first = _complete_hint(built, time_limit, started, workers) if len(spots) == len(options) else None
    # A whole first schedule breaks no rule: that is when the festival first had a schedule without errors.
    first_seconds = greedy_seconds if len(spots) == len(options) else None
    if first is not None:
        # The caller hears of it before the search begins.
        if progress is not None:
            progress(first.objective_value, int(first.value(built.idle)), time.monotonic() - started)
        if should_stop is not None and should_stop():
            return _answer(problem, built.schedule(first.value), "feasible", first.objective_value, started, first_seconds)
    solver, status, watcher = _solve_model(built, time_limit, progress, should_stop, started, workers)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return _answer(problem, built.schedule(solver.value), "optimal" if status == cp_model.OPTIMAL else "feasible",
                       solver.objective_value, started, first_seconds if first_seconds is not None else watcher.first)
    if status == cp_model.MODEL_INVALID:
        raise RuntimeError(f"The schedule model is invalid: {built.model.validate()}")
    if first is not None and status != cp_model.INFEASIBLE:
        # The search stopped before it had repeated the first schedule, which breaks no rule: that is the answer.
        return _answer(problem, built.schedule(first.value), "feasible", first.objective_value, started, first_seconds)
    if len(spots) == len(options) and status != cp_model.INFEASIBLE:
        # Not even the first schedule's other variables were worked out in time; its places are still right.
        placements = dict(pins) | {key: Placement(key, sid, grid.moment(start)) for key, (sid, start) in spots.items()}
        return _answer(problem, Schedule(placements), "feasible", None, started, greedy_seconds)
    if status == cp_model.INFEASIBLE:
        return _explain(problem, grid, options, pins, weights, time_limit, started, workers)
    hardest = some(sorted(problem.units[key].label for key in options if key not in spots))
    reasons = [Reason("no-solution", {"units": hardest}), *data_notes(grid)]
    return SolveResult("unknown", reasons=reasons, wall_seconds=time.monotonic() - started)


class _Related:
    """Which units share a performer, accompanist, teacher or keep-together request: what must be fixed around freed units."""

    def __init__(self, problem: Problem) -> None:
        """Index the problem's units by person and teacher, and the keep-together requests by person."""
        self.by_person: dict[int, set[str]] = defaultdict(set)
        self.by_teacher: dict[int, set[str]] = defaultdict(set)
        self.teachers: dict[str, set[int]] = {}
        for key, unit in problem.units.items():
            for person in unit.people:
                self.by_person[person].add(key)
            self.teachers[key] = {entry.teacher_id for entry in unit.entries if entry.teacher_id is not None}
            for teacher in self.teachers[key]:
                self.by_teacher[teacher].add(key)
        self.requests: dict[int, set[int]] = defaultdict(set)
        for request in problem.together:
            for person in request.person_ids:
                self.requests[person] |= request.person_ids

    def around(self, problem: Problem, keys: list[str]) -> set[str]:
        """Return the units whose terms in the objective change when the given units move."""
        people = {person for key in keys for person in problem.units[key].people}
        people |= {other for person in list(people) for other in self.requests.get(person, ())}
        found = {key for person in people for key in self.by_person.get(person, ())}
        found |= {other for key in keys for teacher in self.teachers[key] for other in self.by_teacher[teacher]}
        return found


def _pick_sessions(problem: Problem, options: dict[str, dict[int, list[Starts]]], spots: dict[str, Spot], related: _Related,
                   rng: random.Random) -> list[int]:
    """Return a few sessions whose classes could trade places: a random one, then those its classes (or their people's) could go to."""
    placed: dict[int, list[str]] = defaultdict(list)
    for key, (session_id, _start) in spots.items():
        placed[session_id].append(key)
    if not placed:
        return []
    chosen = [rng.choice(sorted(placed))]
    while len(chosen) < LNS_SESSIONS:
        score: dict[int, int] = defaultdict(int)
        keys = [key for session_id in chosen for key in placed[session_id]]
        for key in keys:
            for session_id in options[key]:
                score[session_id] += 2
        for key in related.around(problem, keys):
            if key in spots:
                score[spots[key][0]] += 1
        candidates = sorted((-points, session_id) for session_id, points in score.items() if session_id not in chosen)
        if not candidates:
            break
        chosen.append(rng.choice(candidates[:3])[1])
    return chosen


def _neighbourhoods(problem: Problem, grid: Grid, options: dict[str, dict[int, list[Starts]]], pins: dict[str, Placement],
                    spots: dict[str, Spot], weights: Weights, *, time_limit: float, started: float, workers: int,
                    progress: Progress | None, should_stop: Callable[[], bool] | None,
                    objective: float) -> tuple[dict[str, Spot], float]:
    """Improve a whole schedule a few sessions at a time until the time is up; return it and the points it gained.

    Each round frees the classes of a few sessions (`_pick_sessions`), fixes every class whose part
    of the objective they share (the same people, teachers or keep-together requests) and solves
    the full model on that small problem, starting from the current places. A round's answer is
    kept only when its objective is lower: since everything else is fixed, a lower objective there
    is a lower objective for the whole festival (the fullest-session term aside, which only sees
    the sessions of the round). Rounds stop after many in a row gain nothing.
    """
    rng = random.Random(0)
    related = _Related(problem)
    spots = dict(spots)
    gained = 0.0
    fruitless = 0
    while LNS_SESSIONS and fruitless < 2 * len(problem.sessions) + 5:
        left = time_limit - (time.monotonic() - started)
        if left < 0.5 or (should_stop is not None and should_stop()):
            break
        chosen = set(_pick_sessions(problem, options, spots, related, rng))
        freed = sorted(key for key, (session_id, _start) in spots.items() if session_id in chosen)
        fixed = (related.around(problem, freed) - set(freed)) | {key for key, pin in pins.items() if pin.session_id in chosen}
        sub_pins = {key: pins[key] if key in pins else Placement(key, spots[key][0], grid.moment(spots[key][1]), pinned=True)
                    for key in fixed}
        sub_options = {key: {sid: starts for sid, starts in options[key].items() if sid in chosen} for key in freed}
        sessions = chosen | {pin.session_id for pin in sub_pins.values()}
        sub = replace(problem, units={key: problem.units[key] for key in (*freed, *fixed)},
                      sessions={sid: problem.sessions[sid] for sid in sessions})
        built = _Model(sub, grid, sub_options, sub_pins, weights)
        built.hint({key: spots[key] for key in freed})
        # Working out the current places' objective and the search share the round's time.
        budget = min(LNS_ROUND_SECONDS, left / 2)
        before = _complete_hint(built, budget / 0.4, time.monotonic(), workers)
        if before is None:
            fruitless += 1
            continue
        solver, status, _watcher = _solve_model(built, budget, None, should_stop, time.monotonic(), workers)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) and solver.objective_value < before.objective_value - 0.5:
            gained += before.objective_value - solver.objective_value
            for key, placement in built.schedule(solver.value).placements.items():
                if key in sub_options:
                    spots[key] = (placement.session_id, grid.floor(placement.start))
            fruitless = 0
            if progress is not None:
                placements = dict(pins) | {key: Placement(key, sid, grid.moment(start)) for key, (sid, start) in spots.items()}
                progress(objective - gained, measures(problem, Schedule(placements))[0] // 60, time.monotonic() - started)
        else:
            fruitless += 1
    return spots, gained


def _answer(problem: Problem, schedule: Schedule, status: str, objective: float | None, started: float, first: float | None) -> SolveResult:
    """Return a found schedule with its measures."""
    idle, days = measures(problem, schedule)
    return SolveResult(status, schedule, [], idle, days, objective, time.monotonic() - started, first)


def _explain(problem: Problem, grid: Grid, options: dict[str, dict[int, list[Starts]]], pins: dict[str, Placement], weights: Weights,
             time_limit: float, started: float, workers: int) -> SolveResult:
    """Say why a problem the pre-checks passed has no schedule: place as many units as possible and name the rest."""
    relaxed = _Model(problem, grid, options, pins, weights, relax=True)
    # The explanation gets what is left of the time, but at least a few seconds so it can say something.
    budget = max(time_limit - (time.monotonic() - started), 5.0)
    solver, status, _ = _solve_model(relaxed, budget, None, None, time.monotonic(), workers)
    reasons: list[Reason] = []
    unplaced: list[str] = []
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        unplaced = [key for key, placed in relaxed.placed.items() if not solver.value(placed)]
        reasons = [Reason("unplaced", {"unit": problem.units[key].label}) for key in unplaced]
    if not reasons:
        reasons = [Reason("infeasible")]
    return SolveResult("infeasible", reasons=reasons + data_notes(grid), wall_seconds=time.monotonic() - started, unplaced=unplaced)
