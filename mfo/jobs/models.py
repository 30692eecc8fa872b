"""Background jobs: one row per job, its claim on a subject, its heartbeat, progress, stop request and outcome."""

from __future__ import annotations

from datetime import datetime

from flask_security.utils import naive_utcnow
from sqlalchemy import JSON, Boolean, CheckConstraint, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from mfo.database import db

# queued: waiting for a worker; running: a worker runs it (and beats); done: it finished (its work kept);
# failed: it raised, or its worker stopped beating (its work rolled back); stopped: asked to stop, it did.
STATUSES = ("queued", "running", "done", "failed", "stopped")
LIVE = ("queued", "running")


class Job(db.Model):
    """One run of a feature's background work on a subject (e.g. "import-batch:12"), and how it went."""

    __tablename__ = "job"
    __table_args__ = (CheckConstraint("status IN ('" + "', '".join(STATUSES) + "')", name="status_known"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # A kind a feature declares (Feature.jobs), e.g. "imports.preview".
    kind: Mapped[str] = mapped_column(String(60))
    # What the job works on; at most one live job per subject.
    subject: Mapped[str] = mapped_column(String(120), index=True)
    # The subject while the job is queued or running, None once it ended: a unique column (NULLs never clash)
    # makes the database refuse a second live job on a subject, however close two clicks are.
    live_subject: Mapped[str | None] = mapped_column(String(120), unique=True)
    status: Mapped[str] = mapped_column(String(10), default="queued")
    # What the job needs to know beyond its subject (ids, options), as JSON.
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    # What the job last reported, e.g. {"done": 120, "rows": 5000} or {"best_idle_minutes": 412, "seconds_left": 31}.
    progress: Mapped[dict] = mapped_column(JSON, default=dict)
    stop_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    # Why it failed (the exception's class and message, for the log and the administrator; never shown to organizers).
    error: Mapped[str | None] = mapped_column(Text)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=naive_utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Written every few seconds while it runs; a running job whose heartbeat is older than MFO_JOB_EXPIRY_SECONDS is dead.
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
