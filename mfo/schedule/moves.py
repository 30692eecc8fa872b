"""The board's changes: move a class (or section) to a session and position, pin or unpin it, reorder its draw; save and say what changed.

Packing with pins: a pinned unit keeps its start; the session's other units are laid end to end in
the order the organizer chose, from the session's start, each moved past any break and any pinned
unit it would run into (a pinned unit is treated as a break). A pinned unit cannot be moved from
the board: unpin it first.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import timedelta

from mfo.audit.trail import record
from mfo.database import db
from mfo.festival.locks import lock_for_writing
from mfo.festival.models import Festival
from mfo.schedule import problem as plain
from mfo.schedule.codes import Conflict
from mfo.schedule.conflicts import changes
from mfo.schedule.draws import mark_manual, write_positions
from mfo.schedule.loading import load_problem, load_schedule, save_schedule, schedule_revision


class MoveRefused(Exception):
    """A move or pin the board refuses, with the HTTP status that says why (400: not this festival's, 409: pinned or stale)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass
class MoveResult:
    """What a change did: the new placements of the sessions it touched, and the conflicts it created and removed."""

    problem: plain.Problem
    schedule: plain.Schedule
    sessions: list[int] = field(default_factory=list)
    created: list[Conflict] = field(default_factory=list)
    removed: list[Conflict] = field(default_factory=list)
    revision: str = ""

    def as_dict(self) -> dict:
        """Return the result as plain data for the board's script (messages in the current language)."""
        placed = {}
        for session_id in self.sessions:
            placed[str(session_id)] = [
                {
                    "unit": placement.unit_key,
                    "start": placement.start.strftime("%H:%M"),
                    "end": (placement.start + timedelta(seconds=self.problem.units[placement.unit_key].seconds)).strftime("%H:%M"),
                    "pinned": placement.pinned,
                }
                for placement in self.schedule.in_session(session_id)
            ]
        return {
            "revision": self.revision,
            "sessions": placed,
            "created": [{**conflict.as_dict(), "title": str(conflict.title)} for conflict in self.created],
            "removed": [{**conflict.as_dict(), "title": str(conflict.title)} for conflict in self.removed],
        }


def repack(problem: plain.Problem, session_id: int, order: list[str], pinned: dict[str, plain.Placement]) -> list[plain.Placement]:
    """Return a session's placements: pinned units where they are, the others in `order` around them and the breaks."""
    session = problem.sessions[session_id]
    in_session = [key for key in order if key in pinned]
    blocked = tuple(
        plain.Window(pinned[key].start, pinned[key].start + timedelta(seconds=problem.units[key].seconds)) for key in in_session
    )
    # pack() steps over breaks; a pinned unit is one more span nothing else may run into.
    view = replace(problem, sessions={**problem.sessions, session_id: replace(session, breaks=session.breaks + blocked)})
    free = [key for key in order if key not in pinned]
    return [pinned[key] for key in in_session] + plain.pack(view, session_id, free)


def _refuse_unknown(problem: plain.Problem, unit_key: str, session_id: int | None) -> None:
    """Refuse a unit or a session that is not the festival's (the problem holds only its own)."""
    if unit_key not in problem.units:
        raise MoveRefused(400, "unknown-unit")
    if session_id is not None and session_id not in problem.sessions:
        raise MoveRefused(400, "unknown-session")


def _lock_fresh(festival: Festival, revision: str | None) -> None:
    """Refuse (409, "stale") a change made against a revision of the schedule that is no longer the festival's.

    Two organizers moving classes at once: the festival's write lock makes the second change wait for
    the first's commit, then find the revision changed, so
    the last save never silently undoes the first. A change that names no revision is refused too.
    """
    lock_for_writing(festival)
    if not revision or revision != schedule_revision(festival):
        raise MoveRefused(409, "stale")


def _commit(festival: Festival, problem: plain.Problem, before: plain.Schedule, after: plain.Schedule,
            sessions: list[int], actor) -> MoveResult:
    """Save the new schedule (recorded in the audit trail) and return what it changed.

    Placements of units the problem no longer has (a class split since it was placed) are not the
    board's to remove: they are saved as they are.
    """
    created, removed = changes(problem, before, after)
    kept = {key: placement for key, placement in load_schedule(festival).placements.items() if key not in problem.units}
    saved = plain.Schedule({**kept, **after.placements})
    save_schedule(festival, saved, actor=actor)
    db.session.commit()
    return MoveResult(problem, after, sessions, created, removed, plain.fingerprint(saved))


def move(festival: Festival, unit_key: str, session_id: int | None, position: int, revision: str | None,
         actor=None) -> MoveResult:
    """Move a unit to a position (0 = first) in a session, or to the unscheduled tray (session None); re-pack both sessions.

    `revision` is the schedule's revision the move was made on (`schedule_revision`): any other is refused.
    """
    problem = load_problem(festival)
    _refuse_unknown(problem, unit_key, session_id)
    _lock_fresh(festival, revision)
    before = load_schedule(festival, problem)
    current = before.placements.get(unit_key)
    if current is not None and current.pinned:
        raise MoveRefused(409, "pinned")
    placements = {key: placement for key, placement in before.placements.items() if key != unit_key}
    touched = [sid for sid in dict.fromkeys((current.session_id if current else None, session_id)) if sid is not None]
    for sid in touched:
        order = [placement.unit_key for placement in before.in_session(sid) if placement.unit_key != unit_key]
        if sid == session_id:
            order.insert(max(0, min(position, len(order))), unit_key)
        pinned = {key: placements[key] for key in order if key in placements and placements[key].pinned}
        for placement in repack(problem, sid, order, pinned):
            placements[placement.unit_key] = placement
    return _commit(festival, problem, before, plain.Schedule(placements), touched, actor)


def pin(festival: Festival, unit_key: str, pinned: bool, revision: str | None, actor=None) -> MoveResult:
    """Pin a placed unit where it is, or unpin it (its time does not change until the next move); refuse a stale revision."""
    problem = load_problem(festival)
    _refuse_unknown(problem, unit_key, None)
    _lock_fresh(festival, revision)
    before = load_schedule(festival, problem)
    current = before.placements.get(unit_key)
    if current is None:
        raise MoveRefused(400, "unscheduled")
    placements = dict(before.placements)
    placements[unit_key] = replace(current, pinned=pinned)
    return _commit(festival, problem, before, plain.Schedule(placements), [current.session_id], actor)


def move_in_draw(festival: Festival, unit_key: str, entry_id: int, step: int, shown: list[int] | None) -> tuple[str, list[int]]:
    """Move an entry one place up (step -1) or down (+1) in its class's draw; record it; return the class's label and new order.

    Every entry of the unit gets its position written (1, 2, ...), so the order no longer depends
    on entries not drawn yet, and the class's draw method becomes "manual". The unit's length, and
    so every placement, stays the same.
    """
    # The festival's write lock first, so the order compared below is the one this change will rewrite.
    lock_for_writing(festival)
    problem = load_problem(festival)
    unit = problem.units.get(unit_key)
    order = [entry.entry_id for entry in unit.entries] if unit else []
    if entry_id not in order or step not in (-1, 1):
        raise MoveRefused(400, "unknown-entry")
    # `shown` is the draw as the organizer saw it: changed since (someone else moved an entry), nothing changes.
    if shown != order:
        raise MoveRefused(409, "stale")
    index = order.index(entry_id)
    other = index + step
    if not 0 <= other < len(order):
        return unit.label, order
    order[index], order[other] = order[other], order[index]
    write_positions(order)
    # A reorder by hand: the class's order no longer follows from a method.
    mark_manual({unit.class_id})
    record("schedule_entry-updated", target=f"{unit_key} ({unit.label})", details={"draw": order, "method": "manual"})
    db.session.commit()
    return unit.label, order
