"""The solver as a background job ("schedule.solve"), run by the jobs service: RQ on Redis, else a thread.

One live job per festival (the subject "schedule:<festival id>"). The job writes nothing to the
schedule: it keeps its proposal in its own progress (the job row's JSON), which every process can
read, so the page that started it, or any other, shows it and applies it on Accept. A proposal
needs no table of its own: it lives as long as its job row, and only the latest job's counts.
"""

from __future__ import annotations

import time
from typing import Any

from flask import current_app

from mfo.database import db
from mfo.festival.models import Festival
from mfo.jobs import claims, runner
from mfo.jobs.models import Job
from mfo.jobs.runner import JobContext
from mfo.schedule import services
from mfo.schedule.solver import Weights

KIND = "schedule.solve"
# How often at most the job writes its best idle time (the solver may find hundreds of schedules a second).
REPORT_EVERY = 1.0
DEFAULT_TIME_LIMIT = 60
MAX_TIME_LIMIT = 600


def subject(festival: Festival) -> str:
    """Return the jobs service's subject key of a festival's schedule."""
    return claims.subject("schedule", festival.id)


def start(festival: Festival, time_limit: float, user_id: int | None, weights: dict[str, int] | None = None) -> Job | None:
    """Start solving the festival's schedule in the background (with some weights changed); None when a job already works on it."""
    params: dict[str, Any] = {"festival_id": festival.id, "time_limit": time_limit}
    if weights:
        params["weights"] = dict(weights)
    return runner.start(KIND, subject(festival), params, user_id)


def latest(festival: Festival) -> Job | None:
    """Return the festival's latest solver job, whatever became of it."""
    return claims.latest(subject(festival))


def run_solve(context: JobContext) -> None:
    """The job kind "schedule.solve": propose a schedule and keep the proposal in the job's progress."""
    festival = db.session.get(Festival, int(context.params["festival_id"]))
    if festival is None:
        raise ValueError("the festival no longer exists")
    time_limit = float(context.params.get("time_limit", DEFAULT_TIME_LIMIT))
    app = current_app._get_current_object()
    last = [0.0]

    def report(_objective: float, idle_minutes: int, elapsed: float) -> None:
        """Write the best idle time so far and the time left, at most once a second."""
        now = time.monotonic()
        if now - last[0] < REPORT_EVERY:
            return
        last[0] = now
        # CP-SAT may call back from a thread of its own, where the job's app context is not pushed.
        with app.app_context():
            context.progress(state="solving", best_idle_minutes=idle_minutes, seconds_left=max(0, int(time_limit - elapsed)),
                             time_limit=int(time_limit))

    context.progress(state="solving", best_idle_minutes=None, seconds_left=int(time_limit), time_limit=int(time_limit))
    weights = Weights.from_mapping(context.params["weights"]) if context.params.get("weights") else None
    proposal, _problem = services.propose(festival, time_limit=time_limit, weights=weights, progress=report,
                                          should_stop=context.stopping)
    context.progress(state="proposed", proposal=proposal.as_json())


def proposal_of(job: Job | None) -> dict[str, Any] | None:
    """Return the proposal a job kept (JSON), None when it kept none or it was already accepted or discarded."""
    if job is None or job.status not in ("done", "stopped"):
        return None
    progress = job.progress or {}
    if progress.get("closed"):
        return None
    return progress.get("proposal")


def close(job: Job, how: str) -> None:
    """Mark a job's proposal accepted or discarded (current transaction), so it is offered no more."""
    job.progress = {**(job.progress or {}), "closed": how}


def wait_for_threads(timeout: float = 60.0) -> None:
    """Wait for the solver jobs run in threads of this process (tests)."""
    runner.wait_for_threads(timeout)
