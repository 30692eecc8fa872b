"""The schedule's service layer, behind both the command line and the pages: check a festival, propose a schedule, apply it.

The checker is the truth: a proposal is error-free only when the checker finds no error in it,
whatever the solver said. A proposal is plain data that survives a round trip through JSON, so a
background job can keep it (in its progress) and a page in another process can show and apply it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from mfo.festival.locks import lock_for_writing
from mfo.festival.models import Festival
from mfo.schedule.codes import ERROR, Conflict
from mfo.schedule.conflicts import Checker, changes
from mfo.schedule.feasibility import Reason
from mfo.schedule.loading import load_problem, load_schedule, save_schedule, schedule_revision
from mfo.schedule.measures import measure
from mfo.schedule.problem import Placement, Problem, Schedule
from mfo.schedule.solver import Progress, Weights, solve


class StaleProposal(Exception):
    """Raised by apply() when the schedule changed since the proposal was made: nothing is written."""


class NotErrorFree(Exception):
    """Raised by apply() for a proposal that has no schedule, or one the checker finds errors in: nothing is written."""


def check_festival(festival: Festival) -> list[Conflict]:
    """Return every conflict of the festival's current schedule, errors first."""
    problem = load_problem(festival)
    return Checker(problem).check(load_schedule(festival, problem))


def _placements_json(schedule: Schedule) -> dict[str, list[Any]]:
    """Return a schedule's placements as JSON-ready data."""
    return {key: [p.session_id, p.start.isoformat(), p.pinned] for key, p in schedule.placements.items()}


def _schedule_from_json(data: dict[str, list[Any]], problem: Problem) -> Schedule:
    """Return the schedule of JSON placements, leaving out units the festival no longer has."""
    return Schedule(
        {key: Placement(key, int(sid), datetime.fromisoformat(start), bool(pinned)) for key, (sid, start, pinned) in data.items()
         if key in problem.units}
    )


@dataclass(frozen=True)
class Move:
    """One class or section the proposal places elsewhere: from where (None: unplaced) to where (None: unplaced)."""

    unit_key: str
    label: str
    before: Placement | None
    after: Placement | None


@dataclass
class Proposal:
    """A schedule the solver proposes for a festival, against the schedule it was made from."""

    festival_id: int
    status: str
    before: Schedule
    after: Schedule | None
    based_on: str
    reasons: list[Reason] = field(default_factory=list)
    stopped: bool = False

    def as_json(self) -> dict[str, Any]:
        """Return the proposal as JSON-ready data (kept by the background job, read back by from_json)."""
        return {
            "festival_id": self.festival_id,
            "status": self.status,
            "based_on": self.based_on,
            "before": _placements_json(self.before),
            "after": _placements_json(self.after) if self.after is not None else None,
            "reasons": [{"code": reason.code, "params": reason.params} for reason in self.reasons],
            "stopped": self.stopped,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any], problem: Problem) -> Proposal:
        """Return the proposal kept as JSON, against the festival's problem as loaded now."""
        after = data.get("after")
        return cls(
            festival_id=int(data["festival_id"]),
            status=str(data["status"]),
            before=_schedule_from_json(data["before"], problem),
            after=_schedule_from_json(after, problem) if after is not None else None,
            based_on=str(data["based_on"]),
            reasons=[Reason(item["code"], dict(item.get("params") or {})) for item in data.get("reasons", [])],
            stopped=bool(data.get("stopped")),
        )


@dataclass
class Review:
    """What a proposal would change, measured by the checker: moves, conflicts gone and new, idle time and days saved."""

    proposal: Proposal
    conflicts: list[Conflict]
    moves: list[Move]
    gone: list[Conflict]
    new: list[Conflict]
    idle_before: int
    idle_after: int
    days_before: int
    days_after: int

    @property
    def errors(self) -> list[Conflict]:
        """Return the errors the checker finds in the proposed schedule."""
        return [conflict for conflict in self.conflicts if conflict.severity == ERROR]

    @property
    def error_free(self) -> bool:
        """Tell whether the proposal has a schedule the checker finds no error in."""
        return self.proposal.after is not None and not self.errors

    @property
    def idle_seconds_saved(self) -> int:
        """Return how much idle time the proposal saves (negative: it adds some)."""
        return self.idle_before - self.idle_after

    @property
    def performer_days_saved(self) -> int:
        """Return how many performer-days the proposal saves (negative: it adds some)."""
        return self.days_before - self.days_after


def review(problem: Problem, proposal: Proposal) -> Review:
    """Compare a proposal with the schedule it was made from, with the checker's eyes."""
    before_measures = measure(problem, proposal.before)
    after = proposal.after
    if after is None:
        return Review(proposal, [], [], [], [], before_measures.idle_seconds, before_measures.idle_seconds,
                      before_measures.performer_days, before_measures.performer_days)
    checker = Checker(problem)
    new, gone = changes(problem, proposal.before, after, checker)
    moves = []
    for key in sorted(set(proposal.before.placements) | set(after.placements)):
        old, placed = proposal.before.placements.get(key), after.placements.get(key)
        where_before = (old.session_id, old.start) if old is not None else None
        where_after = (placed.session_id, placed.start) if placed is not None else None
        if where_before != where_after:
            moves.append(Move(key, problem.units[key].label, old, placed))
    after_measures = measure(problem, after)
    return Review(proposal, checker.check(after), moves, gone, new, before_measures.idle_seconds, after_measures.idle_seconds,
                  before_measures.performer_days, after_measures.performer_days)


def propose(festival: Festival, *, time_limit: float = 60, weights: Weights | None = None, progress: Progress | None = None,
            should_stop: Callable[[], bool] | None = None) -> tuple[Proposal, Problem]:
    """Run the solver on the festival, starting from its current schedule and keeping its pins; return the proposal and the problem."""
    problem = load_problem(festival)
    current = load_schedule(festival, problem)
    # Taken before the search: a change made while the solver runs makes the proposal stale.
    based_on = schedule_revision(festival)
    result = solve(problem, current, time_limit=time_limit, weights=weights, progress=progress, should_stop=should_stop)
    proposal = Proposal(
        festival_id=festival.id,
        status=result.status,
        before=current,
        after=result.schedule,
        based_on=based_on,
        reasons=list(result.reasons),
        stopped=bool(should_stop and should_stop()),
    )
    return proposal, problem


def apply(festival: Festival, proposal: Proposal, problem: Problem, actor=None, from_cli: bool = False) -> dict[str, list[str]]:
    """Write an error-free proposal as the festival's schedule (audited, in the caller's transaction); refuse a stale one."""
    if proposal.festival_id != festival.id:
        raise ValueError("the proposal is of another festival")
    # Two Accepts of one festival at once: the festival's write lock makes the second wait for the first's
    # commit, then find the placements changed.
    lock_for_writing(festival)
    if schedule_revision(festival) != proposal.based_on:
        raise StaleProposal("the schedule changed since the proposal was made")
    if not review(problem, proposal).error_free:
        raise NotErrorFree("the proposal has no schedule without errors")
    return save_schedule(festival, proposal.after, actor=actor, from_cli=from_cli)
