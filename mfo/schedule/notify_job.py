"""Emailing a version's changes as a background job ("schedule.notify"), run by the jobs service: RQ on Redis, else a thread.

A festival's changes may concern hundreds of families, one email each: sent inside the request, a
slow mail server would hold the organizer's page (and a worker) until the proxy gives up. The job
sends them with `publishing.notify` (which records the sending in the audit trail and on the
version), in the language of the organizer who asked, and keeps in its progress how many went and
who has no email on file, which the version's page shows. One live job per version: a second
click while it works starts nothing.
"""

from __future__ import annotations

from typing import Any

from flask_babel import force_locale
from sqlalchemy import update

from mfo.database import db
from mfo.database.models import User
from mfo.festival.models import Festival
from mfo.jobs import claims, runner
from mfo.jobs.models import Job
from mfo.jobs.runner import JobContext
from mfo.schedule import publishing
from mfo.schedule.models import ScheduleVersion

KIND = "schedule.notify"
# The names without an email kept in the job's progress (the page says how many more there are).
NAMES_KEPT = 50


def subject(version: ScheduleVersion) -> str:
    """Return the jobs service's subject key of a version's emails."""
    return claims.subject("schedule-version-emails", version.id)


def start(festival: Festival, version: ScheduleVersion, user_id: int | None, locale: str) -> Job | None:
    """Start emailing a version's changes in the background; None when a job is already sending them."""
    params: dict[str, Any] = {"festival_id": festival.id, "version_id": version.id, "locale": locale}
    return runner.start(KIND, subject(version), params, user_id)


def latest(version: ScheduleVersion) -> Job | None:
    """Return the latest job that sent (or is sending) a version's emails."""
    return claims.latest(subject(version))


def run_notify(context: JobContext) -> None:
    """The job kind "schedule.notify": email each person concerned by the version's changes; keep what it did."""
    festival = db.session.get(Festival, int(context.params["festival_id"]))
    version = db.session.get(ScheduleVersion, int(context.params["version_id"]))
    if festival is None or version is None or version.festival_id != festival.id:
        raise ValueError("the version no longer exists")
    actor = db.session.get(User, context.user_id) if context.user_id else None
    context.progress(state="sending")
    with force_locale(context.params.get("locale") or None):
        notice = publishing.notify(festival, version, actor=actor)
    # Written in the job's own session, not with context.progress: notify's writes (the version, the audit
    # event) hold SQLite's one write lock until the runner commits them with the job's end, and a progress
    # write on a connection of its own would wait for that lock until it timed out.
    db.session.execute(
        update(Job)
        .where(Job.id == context.job_id)
        .values(progress={
            "state": "sent", "sent": notice.sent, "without_email": notice.without_email[:NAMES_KEPT],
            "without_email_count": len(notice.without_email),
        })
        .execution_options(synchronize_session=False)
    )
