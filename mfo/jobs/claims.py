"""The job table's rules: a claim on a subject, a dead job seen and let go, a stop request, a job's end.

Claims and stop requests are made in the caller's transaction (db.session): a feature claims its
subject in the same commit as its own change (an import's batch marked as worked on). A running
job's own writes (heartbeat, progress) go through `mfo.jobs.runner`, on connections of their own.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_security.utils import naive_utcnow
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from mfo.database import db
from mfo.features import registry
from mfo.jobs.models import LIVE, Job

# Kept as the job's error when its heartbeat stopped: the worker process died (killed, out of memory, restarted).
DEAD = "the worker stopped answering: no heartbeat for {seconds} s"


def subject(name: str, key: object) -> str:
    """Return the subject key of one thing a job works on, e.g. subject("import-batch", 12) -> "import-batch:12"."""
    return f"{name}:{key}"


def expiry() -> timedelta:
    """Return how old a running job's heartbeat may be before the job counts as dead (MFO_JOB_EXPIRY_SECONDS)."""
    return timedelta(seconds=float(current_app.config["MFO_JOB_EXPIRY_SECONDS"]))


def is_dead(job: Job, now: datetime | None = None) -> bool:
    """Tell whether a job is marked running but its worker has stopped beating for longer than the expiry."""
    if job.status != "running":
        return False
    last = job.heartbeat_at or job.started_at or job.created_at
    return last < (now or naive_utcnow()) - expiry()


def is_live(job: Job | None) -> bool:
    """Tell whether a job is queued, or running with a fresh heartbeat."""
    return job is not None and job.status in LIVE and not is_dead(job)


def live_job(key: str) -> Job | None:
    """Return the job holding the subject (queued or running: check is_dead for one whose worker died), or None."""
    return db.session.scalar(select(Job).where(Job.live_subject == key))


def latest(key: str) -> Job | None:
    """Return the subject's most recent job, whatever became of it."""
    return db.session.scalar(select(Job).where(Job.subject == key).order_by(Job.id.desc()).limit(1))


def live_subjects(keys: list[str]) -> set[str]:
    """Return those of the subjects a live job (queued, or running with a fresh heartbeat) works on."""
    if not keys:
        return set()
    return {job.subject for job in db.session.scalars(select(Job).where(Job.live_subject.in_(keys))) if is_live(job)}


def let_go_if_dead(key: str) -> bool:
    """Mark the subject's running job failed if its heartbeat expired, freeing the subject (current transaction)."""
    now = naive_utcnow()
    seconds = int(expiry().total_seconds())
    result = db.session.execute(
        update(Job)
        .where(Job.live_subject == key, Job.status == "running", Job.heartbeat_at < now - expiry())
        .values(status="failed", live_subject=None, finished_at=now, error=DEAD.format(seconds=seconds))
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)


def claim(kind: str, key: str, params: dict[str, Any] | None = None, user_id: int | None = None) -> Job | None:
    """Add a queued job on the subject in the current transaction; None when a live job already holds it.

    A job whose worker died is failed first, so its subject is free again. When two claims race past
    the check, the unique `live_subject` refuses the second: its transaction is rolled back.
    """
    if kind not in registry().jobs:
        raise ValueError(f"no feature declares the job kind {kind!r}")
    let_go_if_dead(key)
    if db.session.scalar(select(Job.id).where(Job.live_subject == key)) is not None:
        return None
    job = Job(kind=kind, subject=key, live_subject=key, status="queued", params=params or {}, progress={}, user_id=user_id)
    db.session.add(job)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return None
    return job


def request_stop(key: str) -> bool:
    """Ask the subject's live job to stop (current transaction): a queued one stops at once, a running one at its next check."""
    now = naive_utcnow()
    queued = db.session.execute(
        update(Job)
        .where(Job.live_subject == key, Job.status == "queued")
        .values(status="stopped", stop_requested=True, live_subject=None, finished_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    running = db.session.execute(
        update(Job)
        .where(Job.live_subject == key, Job.status == "running")
        .values(stop_requested=True)
        .execution_options(synchronize_session=False)
    ).rowcount
    return bool(queued or running)


def describe(job: Job | None) -> dict[str, Any]:
    """Return what a page polls about a job: its status (a dead one is "failed"), whether it ended, its progress."""
    if job is None:
        return {"status": None, "done": True, "failed": False, "progress": {}, "stop_requested": False}
    dead = is_dead(job)
    status = "failed" if dead else job.status
    return {
        "status": status,
        "done": status not in LIVE,
        "failed": status == "failed",
        "progress": job.progress or {},
        "stop_requested": job.stop_requested,
    }
