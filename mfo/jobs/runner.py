"""Running jobs: dispatch (an RQ job when MFO_RQ_REDIS_URL is set, else a thread), one job run to its end, its heartbeat.

A job function gets a `JobContext`: its subject and params, `progress(...)` to report how far it is
(written at once on a connection of its own, so the page polling it sees it), and `stopping()` /
`check_stop()` for a cooperative stop. It works in db.session and does not commit: the runner
commits its work together with the job's end, so a job is "done" exactly when its work is kept,
and a job that raised leaves nothing but its error.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app, has_app_context
from flask_security.utils import naive_utcnow
from sqlalchemy import select, update

from mfo.database import db
from mfo.features import registry
from mfo.jobs.claims import claim, expiry
from mfo.jobs.models import Job

logger = logging.getLogger(__name__)

# An RQ job that runs longer than this is stopped by the worker (an import of 5,000 rows takes well under a minute).
JOB_TIMEOUT = 30 * 60
# The heartbeat's period: a few beats fit in the expiry, so one slow write (a busy SQLite) does not kill a job.
BEATS_PER_EXPIRY = 4
MAX_BEAT_SECONDS = 10.0

_threads: list[threading.Thread] = []
_worker_app: Flask | None = None


class JobStopped(Exception):
    """Raised by JobContext.check_stop() when the job was asked to stop: its work is rolled back, it ends "stopped"."""


@dataclass
class JobContext:
    """What a running job knows of itself, and its ways to report progress and hear a stop request."""

    job_id: int
    kind: str
    subject: str
    params: dict[str, Any]
    user_id: int | None
    _stop: threading.Event = field(default_factory=threading.Event, repr=False)

    def progress(self, **values: Any) -> None:
        """Replace the job's progress with these values (JSON), written and committed at once; also hears a stop request."""
        if _write(self.job_id, progress=values):
            self._stop.set()

    def stopping(self) -> bool:
        """Tell whether the job was asked to stop (cheap: read from memory, kept current by the heartbeat)."""
        return self._stop.is_set()

    def check_stop(self) -> None:
        """Raise JobStopped if the job was asked to stop (call it between steps)."""
        if self._stop.is_set():
            raise JobStopped


JobFunction = Callable[[JobContext], None]


def _write(job_id: int, **values: Any) -> bool:
    """Refresh a running job's heartbeat (and any other values) on a connection of its own; return its stop request."""
    table = Job.__table__
    with db.engine.begin() as connection:
        connection.execute(
            update(table).where(table.c.id == job_id, table.c.status == "running").values(heartbeat_at=naive_utcnow(), **values)
        )
        return bool(connection.execute(select(table.c.stop_requested).where(table.c.id == job_id)).scalar())


class Heartbeat(threading.Thread):
    """Beats for a running job every few seconds, beside it, and passes on a stop request.

    A thread rather than the job's own progress reports: an import reports progress every few dozen
    rows, but one step of a solver may run for minutes without a word, and would be taken for dead.
    The thread lives and dies with the job's process, so a killed worker stops beating at once,
    which is what the expiry detects. (A job stuck in an endless loop keeps beating: RQ's job timeout
    ends that one.)
    """

    def __init__(self, app: Flask, context: JobContext, interval: float) -> None:
        """Prepare the heartbeat of one job; start() starts it."""
        super().__init__(name=f"job-{context.job_id}-heartbeat", daemon=True)
        self.app = app
        self.context = context
        self.interval = interval
        self._ended = threading.Event()

    def run(self) -> None:
        """Beat until the job ends."""
        with self.app.app_context():
            while not self._ended.wait(self.interval):
                try:
                    if _write(self.context.job_id):
                        self.context._stop.set()
                except Exception as error:  # a locked or lost database: try at the next beat; missing many is dying
                    logger.warning("heartbeat of job %s not written: %s", self.context.job_id, error)

    def end(self) -> None:
        """Stop beating, and wait for the last beat to finish (before the job's end is written)."""
        self._ended.set()
        self.join()


def beat_interval() -> float:
    """Return the heartbeat's period in seconds."""
    return min(MAX_BEAT_SECONDS, expiry().total_seconds() / BEATS_PER_EXPIRY)


def _begin(job_id: int) -> JobContext | None:
    """Mark a queued job running (with its first heartbeat) and return its context; None if it is no longer queued."""
    table = Job.__table__
    now = naive_utcnow()
    with db.engine.begin() as connection:
        started = connection.execute(
            update(table).where(table.c.id == job_id, table.c.status == "queued").values(status="running", started_at=now, heartbeat_at=now)
        ).rowcount
        if not started:
            return None
        row = connection.execute(select(table).where(table.c.id == job_id)).one()
    context = JobContext(job_id, row.kind, row.subject, dict(row.params or {}), row.user_id)
    if row.stop_requested:
        context._stop.set()
    return context


def _end(job_id: int, status: str, error: str | None = None) -> None:
    """Write the job's end in the job's own session and commit it with the job's work.

    Only a job still marked running ends so: one whose claim was taken from it (seen dead, failed,
    its subject claimed again) has its work rolled back, since another job may now own the subject.
    """
    session = db.session
    ended = session.execute(
        update(Job)
        .where(Job.id == job_id, Job.status == "running")
        .values(status=status, error=error, live_subject=None, finished_at=naive_utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if ended:
        session.commit()
    else:
        session.rollback()
        logger.warning("job %s was no longer running when it ended (%s): its work was not kept", job_id, status)


def run(job_id: int) -> None:
    """Run one queued job to its end, in the current app context: done, stopped or failed."""
    session = db.session
    try:
        context = _begin(job_id)
        if context is None:
            return  # stopped while queued, or already run: nothing to do
        function = registry().jobs.get(context.kind)
        if function is None:
            _end(job_id, "failed", f"no installed feature declares the job kind {context.kind!r}")
            return
        heartbeat = Heartbeat(current_app._get_current_object(), context, beat_interval())
        heartbeat.start()
        try:
            function(context)
        except JobStopped:
            outcome, error = "stopped", None
            session.rollback()
        except Exception as problem:  # anything at all: the job must end, and say why
            session.rollback()
            logger.exception("job %s (%s on %s) failed", job_id, context.kind, context.subject)
            outcome, error = "failed", f"{problem.__class__.__name__}: {problem}"[:2000]
        else:
            outcome, error = ("stopped" if context.stopping() else "done"), None
        finally:
            heartbeat.end()
        try:
            _end(job_id, outcome, error)
        except Exception as problem:  # the work could not be committed (a constraint, a lost connection)
            session.rollback()
            logger.exception("job %s (%s on %s) could not be kept", job_id, context.kind, context.subject)
            _end(job_id, "failed", f"{problem.__class__.__name__}: {problem}"[:2000])
    finally:
        session.remove()


def dispatch(job_id: int) -> None:
    """Run a claimed (committed) job in the background: on the RQ queue when Redis is configured, else in a thread."""
    url = current_app.config.get("MFO_RQ_REDIS_URL")
    if url:
        try:
            _enqueue(url, job_id)
            return
        except Exception:  # Redis unreachable: the job still runs, here
            logger.exception("could not queue job %s; running it in this process", job_id)
    app = current_app._get_current_object()
    thread = threading.Thread(target=_run_in_thread, args=(app, job_id), name=f"job-{job_id}", daemon=True)
    _threads.append(thread)
    thread.start()


def start(kind: str, key: str, params: dict[str, Any] | None = None, user_id: int | None = None) -> Job | None:
    """Claim the subject, commit, and run the job in the background; None (nothing started) when a live job holds it."""
    job = claim(kind, key, params, user_id)
    if job is None:
        db.session.rollback()
        return None
    db.session.commit()
    dispatch(job.id)
    return job


def _enqueue(url: str, job_id: int) -> None:
    """Put the job on the jobs' queue in Redis."""
    from redis import Redis
    from rq import Queue

    connection = Redis.from_url(url)
    try:
        queue = Queue(current_app.config["MFO_JOB_QUEUE"], connection=connection)
        queue.enqueue(run_queued, job_id, job_timeout=JOB_TIMEOUT, result_ttl=0, failure_ttl=24 * 3600)
    finally:
        connection.close()


def _run_in_thread(app: Flask, job_id: int) -> None:
    """Run a job in a thread of the web process, in an app context of its own."""
    with app.app_context():
        run(job_id)


def wait_for_threads(timeout: float = 60.0) -> None:
    """Wait for the jobs run in threads of this process to finish (tests, and a clean shutdown)."""
    while _threads:
        _threads.pop().join(timeout)


def run_queued(job_id: int) -> None:
    """The RQ job: run in the app of the worker (`flask --app mfo jobs worker`), or in an app made for it."""
    if has_app_context():
        run(job_id)
        return
    global _worker_app
    if _worker_app is None:
        # A plain `rq worker` has no app: build one from the environment, once per worker process.
        from mfo import create_app

        _worker_app = create_app()
    with _worker_app.app_context():
        run(job_id)
