"""Previews and confirmations run in the background: an RQ job on Redis when MFO_RQ_REDIS_URL is set, else a thread.

A job claims its batch first (ImportBatch.job), so a second click cannot start a second job on the
same batch. It reports progress on the batch from a connection of its own, while it reads and checks
the rows (which is nearly all of the time); the page polls it. What it finds is written by the
job's own session: the preview on the batch, or the import applied in one transaction.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from flask import Flask, current_app, has_app_context
from sqlalchemy import select, update

from mfo.database import db
from mfo.database.models import User
from mfo.imports import services
from mfo.imports.models import ImportBatch
from mfo.imports.services import OPEN_STATUSES

logger = logging.getLogger(__name__)

ACTIONS = ("preview", "confirm")
# An RQ job that runs longer than this is stopped (a 5,000-row file takes well under a minute).
JOB_TIMEOUT = 30 * 60

_threads: list[threading.Thread] = []
_worker_app: Flask | None = None


def claim(batch: ImportBatch, action: str) -> bool:
    """Mark the batch as worked on by a job (in the current transaction); False when a job already works on it."""
    claimed = db.session.execute(
        update(ImportBatch)
        .where(ImportBatch.id == batch.id, ImportBatch.job.is_(None), ImportBatch.status.in_(OPEN_STATUSES))
        .values(job=action, job_error=None, progress=0)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.expire(batch, ["job", "job_error", "progress"])
    return bool(claimed)


def start(batch: ImportBatch, action: str, user_id: int | None = None) -> bool:
    """Claim the batch, commit, and run the job in the background; False when a job already works on it."""
    if action not in ACTIONS:
        raise ValueError(f"unknown import job {action!r}")
    if not claim(batch, action):
        db.session.rollback()
        return False
    db.session.commit()
    url = current_app.config.get("MFO_RQ_REDIS_URL")
    if url:
        try:
            _enqueue(url, batch.id, action, user_id)
            return True
        except Exception:  # Redis unreachable: the organizer's import still runs, here
            logger.exception("could not queue import job %s on batch %s; running it in this process", action, batch.id)
    app = current_app._get_current_object()
    thread = threading.Thread(target=_run_in_thread, args=(app, batch.id, action, user_id), name=f"import-{batch.id}", daemon=True)
    _threads.append(thread)
    thread.start()
    return True


def _enqueue(url: str, batch_id: int, action: str, user_id: int | None) -> None:
    """Put the job on the imports queue in Redis."""
    from redis import Redis
    from rq import Queue

    connection = Redis.from_url(url)
    try:
        queue = Queue(current_app.config["MFO_IMPORT_QUEUE"], connection=connection)
        queue.enqueue(run_job, batch_id, action, user_id, job_timeout=JOB_TIMEOUT, result_ttl=0, failure_ttl=24 * 3600)
    finally:
        connection.close()


def _run_in_thread(app: Flask, batch_id: int, action: str, user_id: int | None) -> None:
    """Run a job in a thread of the web process, in an app context of its own."""
    with app.app_context():
        work(batch_id, action, user_id)


def wait_for_threads(timeout: float = 60.0) -> None:
    """Wait for the jobs run in threads to finish (tests, and a clean shutdown)."""
    while _threads:
        _threads.pop().join(timeout)


def run_job(batch_id: int, action: str, user_id: int | None = None) -> None:
    """The RQ job: run in the app of the worker (`flask --app mfo imports worker`), or in an app made for it."""
    if has_app_context():
        work(batch_id, action, user_id)
        return
    global _worker_app
    if _worker_app is None:
        # A plain `rq worker` has no app: build one from the environment, once per worker process.
        from mfo import create_app

        _worker_app = create_app()
    with _worker_app.app_context():
        work(batch_id, action, user_id)


def report_progress(batch_id: int):
    """Return a function writing a batch's progress on a connection of its own, committed at once."""

    def report(done: int) -> None:
        with db.engine.begin() as connection:
            connection.execute(update(ImportBatch.__table__).where(ImportBatch.__table__.c.id == batch_id).values(progress=done))

    return report


def work(batch_id: int, action: str, user_id: int | None = None) -> None:
    """Preview or confirm a batch; a failure rolls everything back and is kept on the batch for the page."""
    session = db.session
    try:
        batch = session.get(ImportBatch, batch_id)
        if batch is None or batch.job != action:
            return
        if action == "preview":
            plan = services.compute_plan(batch, progress=report_progress(batch_id))
            services.keep_preview(batch, plan)
        else:
            user = session.get(User, user_id) if user_id is not None else None
            plan = services.compute_plan(batch, excluded=batch.excluded_rows or [], progress=report_progress(batch_id))
            if plan.can_apply:
                services.apply(batch, plan, actor=user)
            else:
                services.refuse(batch, plan, actor=user)
        batch.job = None
        session.commit()
    except Exception as error:  # anything at all: the batch must not stay "working" forever
        session.rollback()
        logger.exception("import job %s on batch %s failed", action, batch_id)
        _note_failure(batch_id, error)
    finally:
        session.remove()


def _note_failure(batch_id: int, error: Exception) -> None:
    """Free the batch and keep why the job failed (nothing else of the job is kept)."""
    message = f"{error.__class__.__name__}: {error}"[:2000]
    with db.engine.begin() as connection:
        table = ImportBatch.__table__
        connection.execute(update(table).where(table.c.id == batch_id).values(job=None, job_error=message))


def status(batch: ImportBatch) -> dict[str, Any]:
    """Return what the page polls: whether a job works on the batch, how far it is, and the batch's status."""
    values = db.session.execute(
        select(ImportBatch.status, ImportBatch.job, ImportBatch.progress, ImportBatch.rows, ImportBatch.job_error).where(
            ImportBatch.id == batch.id
        )
    ).one()
    return {
        "status": values.status,
        "job": values.job,
        "progress": values.progress,
        "rows": values.rows,
        "failed": bool(values.job_error),
        "done": values.job is None,
    }
