"""An import's background jobs (preview, confirm), run by the jobs service (mfo.jobs): RQ on Redis, else a thread.

A job claims its batch first: a job of the jobs service on the subject "import-batch:<id>" (at most
one live job per subject, so a second click cannot start a second job), and the batch's `job`
names what it does while it is claimed. It reports progress on the batch from a connection of its
own while it reads and checks the rows (nearly all of the time); the page polls it. What it finds
is written in the job's session and committed with the job's end: the preview on the batch, or the
import applied in one transaction. A job whose worker died is seen by its heartbeat's age: the
page then shows the import failed, to be tried again or cancelled.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select, update

from mfo.database import db
from mfo.database.models import User
from mfo.imports import services
from mfo.imports.models import ImportBatch
from mfo.imports.services import OPEN_STATUSES
from mfo.jobs import claims, runner
from mfo.jobs.runner import JobContext, wait_for_threads

__all__ = ["KINDS", "claim", "is_lost", "is_working", "last_action", "let_go", "working_ids", "start", "status", "wait_for_threads", "work"]

logger = logging.getLogger(__name__)

# The import's action -> the job kind the imports feature declares for it.
KINDS = {"preview": "imports.preview", "confirm": "imports.confirm"}
ACTIONS = tuple(KINDS)


def subject(batch_id: int) -> str:
    """Return the jobs service's subject key of a batch."""
    return claims.subject("import-batch", batch_id)


def claim(batch: ImportBatch, action: str, user_id: int | None = None):
    """Claim an open batch for a job (in the current transaction) and return the job; None when a live job holds it."""
    if action not in ACTIONS:
        raise ValueError(f"unknown import job {action!r}")
    opened = db.session.execute(
        update(ImportBatch)
        .where(ImportBatch.id == batch.id, ImportBatch.status.in_(OPEN_STATUSES))
        .values(job=action, job_error=None, progress=0)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.expire(batch, ["job", "job_error", "progress"])
    if not opened:
        return None
    return claims.claim(KINDS[action], subject(batch.id), {"batch_id": batch.id}, user_id)


def start(batch: ImportBatch, action: str, user_id: int | None = None) -> bool:
    """Claim the batch, commit, and run the job in the background; False when a job already works on it."""
    job = claim(batch, action, user_id)
    if job is None:
        db.session.rollback()
        return False
    db.session.commit()
    runner.dispatch(job.id)
    return True


def work(batch_id: int, action: str, user_id: int | None = None) -> None:
    """Run the job claimed on the batch for this action here and now (the command line's bench, tests)."""
    job = claims.live_job(subject(batch_id))
    if job is None or job.kind != KINDS[action]:
        return
    if user_id is not None:
        job.user_id = user_id
        db.session.commit()
    runner.run(job.id)


def report_progress(batch_id: int):
    """Return a function writing a batch's progress on a connection of its own, committed at once."""

    def report(done: int) -> None:
        with db.engine.begin() as connection:
            connection.execute(update(ImportBatch.__table__).where(ImportBatch.__table__.c.id == batch_id).values(progress=done))

    return report


def _run(context: JobContext, action: str) -> None:
    """Preview or confirm the job's batch; a failure is also kept on the batch, for its page."""
    batch_id = context.params["batch_id"]
    session = db.session
    try:
        batch = session.get(ImportBatch, batch_id)
        if batch is None or batch.job != action:
            return  # the batch was dropped, or freed and claimed for something else
        if action == "preview":
            plan = services.compute_plan(batch, progress=report_progress(batch_id))
            services.keep_preview(batch, plan)
        else:
            user = session.get(User, context.user_id) if context.user_id is not None else None
            services.confirm(batch, progress=report_progress(batch_id), actor=user)
        batch.job = None
    except Exception as error:
        session.rollback()
        _note_failure(batch_id, error)
        raise  # the jobs service logs it and keeps it as the job's error


def run_preview(context: JobContext) -> None:
    """The job kind "imports.preview": check every row of the batch and keep what the import would do."""
    _run(context, "preview")


def run_confirm(context: JobContext) -> None:
    """The job kind "imports.confirm": apply the batch (the rows left in), or refuse it if one has an error."""
    _run(context, "confirm")


def _note_failure(batch_id: int, error: Exception) -> None:
    """Free the batch and keep why the job failed (nothing else of the job is kept)."""
    message = f"{error.__class__.__name__}: {error}"[:2000]
    with db.engine.begin() as connection:
        table = ImportBatch.__table__
        connection.execute(update(table).where(table.c.id == batch_id).values(job=None, job_error=message))


def _lost(batch_id: int, action: str | None) -> bool:
    """Tell whether a batch marked as worked on (`action`) has no live job: its worker died, or its job ended badly."""
    return action is not None and not claims.is_live(claims.live_job(subject(batch_id)))


def is_lost(batch: ImportBatch) -> bool:
    """Tell whether the batch is marked as worked on but no live job works on it (to be shown failed)."""
    return _lost(batch.id, batch.job)


def is_working(batch: ImportBatch) -> bool:
    """Tell whether a live job works on the batch."""
    return batch.job is not None and not is_lost(batch)


def let_go(batch: ImportBatch) -> None:
    """Free the batch's subject from a job whose worker died (before the batch is dropped: its id may come back)."""
    claims.let_go_if_dead(subject(batch.id))


def working_ids(batch_ids: list[int]) -> set[int]:
    """Return those of the batches a live job works on (one query, for the history)."""
    live = claims.live_subjects([subject(batch_id) for batch_id in batch_ids])
    return {batch_id for batch_id in batch_ids if subject(batch_id) in live}


def last_action(batch: ImportBatch) -> str | None:
    """Return what the batch's last job did ("preview" or "confirm"), for trying it again; None if it never had one."""
    if batch.job is not None:
        return batch.job
    job = claims.latest(subject(batch.id))
    actions = {kind: action for action, kind in KINDS.items()}
    return actions.get(job.kind) if job is not None else None


def status(batch: ImportBatch) -> dict[str, Any]:
    """Return what the page polls: whether a job works on the batch, how far it is, and the batch's status."""
    values = db.session.execute(
        select(ImportBatch.status, ImportBatch.job, ImportBatch.progress, ImportBatch.rows, ImportBatch.job_error).where(
            ImportBatch.id == batch.id
        )
    ).one()
    lost = _lost(batch.id, values.job)
    return {
        "status": values.status,
        "job": None if lost else values.job,
        "progress": values.progress,
        "rows": values.rows,
        "failed": bool(values.job_error) or lost,
        "done": values.job is None or lost,
    }
