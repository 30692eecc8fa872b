"""Why a festival's schedule cannot be made: quick checks run before the solver, in an organizer's words.

Each check is a necessary condition: when one fails no schedule without errors exists, and the
reason names the sessions, classes or people that make it impossible. Passing them all does not
prove a schedule exists (the solver decides that); they only catch the usual causes fast.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l

from mfo.schedule.grid import Grid
from mfo.schedule.problem import Schedule, Unit

# What each reason says, filled in with its params when shown (a function each, so the words are marked for translation).
MESSAGES: dict[str, Callable[..., Any]] = {
    "capacity": lambda **p: _l("The %(discipline)s sessions hold %(offered)s, the %(discipline)s classes need %(needed)s.", **p),
    "capacity-sessions": lambda **p: _l(
        "Classes %(units)s can only go in %(sessions)s, which hold %(offered)s; they need %(needed)s.", **p),
    "capacity-total": lambda **p: _l("The sessions hold %(offered)s, the classes need %(needed)s.", **p),
    "no-judge": lambda **p: _l("Class %(unit)s: no session's adjudicator judges %(discipline)s.", **p),
    "conflict": lambda **p: _l(
        "Class %(unit)s: every adjudicator who judges %(discipline)s has a conflict of interest with its entries.", **p),
    "no-piano": lambda **p: _l("Class %(unit)s needs a piano, and no session it could be in has one.", **p),
    "piano-conflict": lambda **p: _l(
        "Class %(unit)s needs a piano, and the adjudicator of every session with one that could take it (%(sessions)s) "
        "has a conflict of interest with its entries.", **p),
    "no-hours": lambda **p: _l(
        "Class %(unit)s: the sessions that could take it (%(sessions)s) have no time inside their adjudicator's "
        "availability and their venue's opening hours.", **p),
    "too-long": lambda **p: _l("Class %(unit)s takes %(needed)s, longer than any session it could be in (at most %(offered)s).", **p),
    "unavailable": lambda **p: _l("Class %(unit)s: its performers' unavailable times leave it no place in any session.", **p),
    "person-overbooked": lambda **p: _l(
        "%(person)s performs for %(needed)s, more than the %(offered)s of the sessions they could be in.", **p),
    "pin-refused": lambda **p: _l("Class %(unit)s is pinned in %(session)s, which cannot take it.", **p),
    "pin-outside": lambda **p: _l(
        "Class %(unit)s is pinned in %(session)s at a time outside the session's hours, breaks or its people's availability.", **p),
    "pins-clash": lambda **p: _l("Pinned classes %(unit)s and %(other)s overlap.", **p),
    "pins-person": lambda **p: _l(
        "Pinned classes %(unit)s and %(other)s both need %(person)s, without the time to get from one to the other.", **p),
    "session-no-hours": lambda **p: _l(
        "Session %(session)s lies wholly outside its adjudicator's availability or its venue's opening hours.", **p),
    "adjudicator-double": lambda **p: _l("%(person)s judges %(session)s and %(other)s at the same time.", **p),
    "unplaced": lambda **p: _l("Class %(unit)s could not be placed without a conflict.", **p),
    "no-solution": lambda **p: _l(
        "The solver found no schedule without errors in the time it was given; the hardest classes to place were %(units)s.", **p),
    "infeasible": lambda **p: _l("No schedule without errors exists, though no single session, class or person explains why.", **p),
}


@dataclass(frozen=True)
class Reason:
    """Why a schedule cannot be made: a code, the values it names, and its words for the organizer."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def message(self) -> Any:
        """Return the reason's words, translated when shown."""
        return MESSAGES[self.code](**self.params)

    def __str__(self) -> str:
        """Return the reason's words."""
        return str(self.message)


def hours(minutes: int) -> str:
    """Return minutes as an organizer reads a length: '14 h', '2 h 05', '45 min'."""
    whole, rest = divmod(minutes, 60)
    if not whole:
        return f"{rest} min"
    return f"{whole} h" if not rest else f"{whole} h {rest:02d}"


def unit_reason(grid: Grid, unit: Unit) -> Reason | None:
    """Return why no session can take a unit (None when one can), in the order an organizer would fix it.

    Each condition is checked on its own for every session (not only the first a session fails),
    and each step keeps only the sessions that pass it, so the reason given is the one that stops
    the sessions left: when the only session with a piano has an adjudicator with a conflict of
    interest, the class is told so, not that it has no piano.
    """
    problem = grid.problem
    params = {"unit": unit.label, "discipline": problem.discipline_name(unit.discipline_id)}
    sessions = list(problem.sessions.values())
    judged = [s for s in sessions if grid.judges(s, unit)]
    if not judged:
        return Reason("no-judge", params)
    candidates = judged
    if unit.needs_piano:
        candidates = [s for s in judged if grid.has_piano(s)]
        if not candidates:
            return Reason("no-piano", params)
    free = [s for s in candidates if grid.conflict_of_interest(s, unit) is None]
    if not free:
        if unit.needs_piano and len(candidates) < len(judged):
            names = some(sorted(s.name for s in candidates))
            return Reason("piano-conflict", {**params, "sessions": names})
        return Reason("conflict", params)
    timed = [s for s in free if grid.segments(s.id)]
    if not timed:
        return Reason("no-hours", {**params, "sessions": some(sorted(s.name for s in free))})
    if not any(grid.fits(s.id, unit) for s in timed):
        longest = max((hi - lo for s in timed for lo, hi in grid.segments(s.id)), default=0)
        return Reason("too-long", {**params, "needed": hours(grid.length(unit)), "offered": hours(longest)})
    if not any(grid.starts(s.id, unit) for s in timed):
        return Reason("unavailable", params)
    return None


def data_notes(grid: Grid) -> list[Reason]:
    """Return the sessions whose data cannot be right: no hours left to them, or their adjudicator twice at once."""
    problem = grid.problem
    sessions = problem.sessions.values()
    notes = [Reason("session-no-hours", {"session": session.name}) for session in sessions if not grid.segments(session.id)]
    by_judge = defaultdict(list)
    for session in problem.sessions.values():
        if session.adjudicator_id is not None:
            by_judge[session.adjudicator_id].append(session)
    for adjudicator_id, sessions in by_judge.items():
        sessions.sort(key=lambda session: session.start)
        for first, second in zip(sessions, sessions[1:], strict=False):
            if second.start < first.end:
                name = problem.adjudicators[adjudicator_id].name if adjudicator_id in problem.adjudicators else f"#{adjudicator_id}"
                notes.append(Reason("adjudicator-double", {"person": name, "session": first.name, "other": second.name}))
    return notes


def pin_reasons(grid: Grid, current: Schedule | None) -> list[Reason]:
    """Return the pinned units that are already in conflict: refused by their session, outside its time, or clashing."""
    if current is None:
        return []
    problem = grid.problem
    reasons = []
    pins = [p for p in current.placements.values() if p.pinned and p.unit_key in problem.units and p.session_id in problem.sessions]
    for pin in pins:
        unit, session = problem.units[pin.unit_key], problem.sessions[pin.session_id]
        if grid.refusal(session, unit) is not None:
            reasons.append(Reason("pin-refused", {"unit": unit.label, "session": session.name}))
            continue
        minute = grid.floor(pin.start)
        if minute * 60 != grid.seconds(pin.start) or not any(lo <= minute <= hi for lo, hi in grid.starts(session.id, unit)):
            # A start between whole minutes is checked in seconds against the session's own window.
            window = current.window(problem, pin.unit_key)
            if window is None or not _inside_seconds(grid, session.id, unit, window.start, window.end):
                reasons.append(Reason("pin-outside", {"unit": unit.label, "session": session.name}))
    for index, pin in enumerate(pins):
        for other in pins[index + 1:]:
            a, b = current.window(problem, pin.unit_key), current.window(problem, other.unit_key)
            labels = {"unit": problem.units[pin.unit_key].label, "other": problem.units[other.unit_key].label}
            if pin.session_id == other.session_id and a.overlaps(b):
                reasons.append(Reason("pins-clash", labels))
                continue
            shared = problem.units[pin.unit_key].people & problem.units[other.unit_key].people
            if not shared:
                continue
            gap = problem.travel(problem.sessions[pin.session_id].venue_id, problem.sessions[other.session_id].venue_id)
            if a.start < b.end + gap and b.start < a.end + gap:
                reasons.append(Reason("pins-person", {**labels, "person": problem.person_name(min(shared))}))
    return reasons


def _inside_seconds(grid: Grid, session_id: int, unit: Unit, start: Any, end: Any) -> bool:
    """Return whether a unit's real span lies inside one of its session's usable spans (in seconds)."""
    lo, hi = grid.seconds(start), grid.seconds(end)
    return any(a * 60 <= lo and hi <= b * 60 for a, b in grid.segments(session_id))


def capacity_reasons(grid: Grid, options: dict[str, dict[int, list]]) -> list[Reason]:
    """Return the disciplines (and the festival) whose classes need more time than their sessions hold."""
    problem = grid.problem
    reasons = []
    by_discipline: dict[int | None, list[str]] = defaultdict(list)
    for key, unit in problem.units.items():
        # A unit no session takes has its own reason; a pinned one takes only the time it holds.
        if options.get(key):
            by_discipline[unit.discipline_id].append(key)
    for discipline_id, keys in sorted(by_discipline.items(), key=lambda item: problem.discipline_name(item[0])):
        sessions = {sid for key in keys for sid in options.get(key, {})}
        offered = sum(grid.offered(sid) for sid in sessions)
        needed = sum(grid.length(problem.units[key]) for key in keys)
        if needed > offered:
            name = problem.discipline_name(discipline_id)
            reasons.append(Reason("capacity", {"discipline": name, "offered": hours(offered), "needed": hours(needed)}))
    if not reasons:
        reasons += _narrow_capacity(grid, options)
    offered = sum(grid.offered(sid) for sid in problem.sessions)
    needed = sum(grid.length(unit) for unit in problem.units.values())
    if needed > offered and not reasons:
        reasons.append(Reason("capacity-total", {"offered": hours(offered), "needed": hours(needed)}))
    return reasons


def _narrow_capacity(grid: Grid, options: dict[str, dict[int, list]]) -> list[Reason]:
    """Return the groups of units that can only go in a few sessions and need more time than those hold."""
    problem = grid.problem
    places = {key: frozenset(found) for key, found in options.items() if found}
    reasons = []
    for sessions in sorted(set(places.values()), key=len):
        keys = sorted((key for key, found in places.items() if found <= sessions), key=lambda key: problem.units[key].label)
        offered = sum(grid.offered(sid) for sid in sessions)
        needed = sum(grid.length(problem.units[key]) for key in keys)
        if needed > offered:
            names = sorted(problem.sessions[sid].name for sid in sessions)
            reasons.append(Reason("capacity-sessions", {
                "units": some([problem.units[key].label for key in keys]), "sessions": some(names),
                "offered": hours(offered), "needed": hours(needed)}))
            break
    return reasons


def some(names: list[str], shown: int = 6) -> str:
    """Return a list of names for a message, the first few and how many more."""
    if len(names) <= shown:
        return ", ".join(names)
    return f"{', '.join(names[:shown])} (+{len(names) - shown})"


def person_reasons(grid: Grid, options: dict[str, dict[int, list]]) -> list[Reason]:
    """Return the people whose units add up to more time than the sessions they could be in span together."""
    problem = grid.problem
    units_of: dict[int, list[str]] = defaultdict(list)
    for key, unit in problem.units.items():
        for person in unit.people:
            units_of[person].append(key)
    reasons = []
    for person, keys in units_of.items():
        if len(keys) < 2:
            continue
        spans = sorted(span for key in keys for sid in options.get(key, {}) for span in grid.segments(sid))
        # A person is in one place at a time: the time open to them is the union of their sessions' spans.
        offered, reach = 0, None
        for lo, hi in spans:
            if reach is None or lo >= reach:
                offered += hi - lo
                reach = hi
            elif hi > reach:
                offered += hi - reach
                reach = hi
        needed = sum(grid.length(problem.units[key]) for key in keys)
        if needed > offered:
            params = {"person": problem.person_name(person), "needed": hours(needed), "offered": hours(offered)}
            reasons.append(Reason("person-overbooked", params))
    return reasons


def prechecks(grid: Grid, current: Schedule | None, options: dict[str, dict[int, list]]) -> list[Reason]:
    """Return every reason the quick checks find that no schedule without errors exists (empty when none)."""
    pinned = {p.unit_key for p in current.placements.values() if p.pinned} if current else set()
    reasons = []
    for unit in grid.problem.units.values():
        if unit.key not in pinned and not options.get(unit.key):
            reason = unit_reason(grid, unit)
            reasons.append(reason or Reason("unavailable", {"unit": unit.label}))
    reasons += pin_reasons(grid, current)
    reasons += capacity_reasons(grid, options)
    reasons += person_reasons(grid, options)
    return reasons
