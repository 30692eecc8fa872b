"""Background jobs: RQ on a real Redis when configured (a worker in burst mode), a thread otherwise; progress; failures."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from flask_security.utils import naive_utcnow
from sqlalchemy import select, update

from mfo.database import db
from mfo.imports import jobs, plan, services
from mfo.imports.models import ImportBatch
from mfo.jobs import claims, runner
from mfo.jobs.models import Job
from tests import services as test_services
from tests.admin_helpers import flashed, page
from tests.helpers import post_form
from tests.import_helpers import entries_csv, entry, imports_url, small_festival, upload, uploaded_batch_id

ROWS = [entry(performer_first_name=f"Pupil{i}", performer_birth_date="2016-05-01") for i in range(12)]


@pytest.fixture(autouse=True)
def _jobs_finish():
    """Every thread a test starts ends before its database is emptied."""
    yield
    jobs.wait_for_threads()


def uploaded(festival, rows=ROWS) -> ImportBatch:
    """Upload a file as a batch (committed), as the page does."""
    data = entries_csv(rows)
    batch = services.upload(festival, "entries", "entries.csv", data, services.read_file(data, "entries.csv"))
    db.session.commit()
    return batch


def fresh(batch_id: int) -> ImportBatch:
    """Read a batch again from the database."""
    db.session.expire_all()
    return db.session.get(ImportBatch, batch_id)


@pytest.fixture
def redis_url() -> str:
    """The test Redis (database 15), or a skip when none answers (a failure when services are required)."""
    if not test_services.redis_answers():
        if test_services.required():
            pytest.fail(f"Redis does not answer at {test_services.REDIS_URL}")
        pytest.skip("Redis does not answer on 127.0.0.1:6379")
    return test_services.REDIS_URL


def test_without_redis_a_job_runs_in_a_thread(app):
    """No MFO_RQ_REDIS_URL: the preview runs in a thread of the web process and keeps its result on the batch."""
    assert app.config["MFO_RQ_REDIS_URL"] is None
    festival = small_festival()
    batch = uploaded(festival)
    batch_id = batch.id
    assert jobs.start(batch, "preview")
    jobs.wait_for_threads()
    done = fresh(batch_id)
    assert (done.status, done.job, done.progress, done.rows) == ("previewed", None, 12, 12)
    assert len(done.preview) == 12 and done.counts["created"]["entry"] == 12


def test_with_redis_a_job_waits_on_the_queue_for_a_worker(app, redis_url, monkeypatch):
    """With MFO_RQ_REDIS_URL the page's job goes to RQ; a worker (here in burst mode) runs it in the app."""
    from redis import Redis
    from rq import Queue, SimpleWorker

    queue_name = f"mfo-test-{uuid.uuid4().hex[:8]}"
    monkeypatch.setitem(app.config, "MFO_RQ_REDIS_URL", redis_url)
    monkeypatch.setitem(app.config, "MFO_JOB_QUEUE", queue_name)
    festival = small_festival()
    batch = uploaded(festival)
    batch_id = batch.id
    assert jobs.start(batch, "preview")
    assert runner._threads == []  # nothing runs in the web process
    waiting = fresh(batch_id)
    assert waiting.job == "preview" and waiting.status == "uploaded"
    connection = Redis.from_url(redis_url)
    try:
        queue = Queue(queue_name, connection=connection)
        assert queue.count == 1
        assert SimpleWorker([queue], connection=connection).work(burst=True)
        assert queue.count == 0
        done = fresh(batch_id)
        assert (done.status, done.job, done.progress) == ("previewed", None, 12)

        done.excluded_rows = []
        db.session.commit()
        assert jobs.start(fresh(batch_id), "confirm")
        SimpleWorker([queue], connection=connection).work(burst=True)
        assert fresh(batch_id).status == "applied"
    finally:
        Queue(queue_name, connection=connection).delete(delete_jobs=True)
        connection.close()


def test_the_worker_command_runs_the_queued_jobs(app, redis_url, monkeypatch):
    """`flask imports worker --burst` runs what the pages queued, then stops."""
    from redis import Redis
    from rq import Queue

    queue_name = f"mfo-test-{uuid.uuid4().hex[:8]}"
    monkeypatch.setitem(app.config, "MFO_RQ_REDIS_URL", redis_url)
    monkeypatch.setitem(app.config, "MFO_JOB_QUEUE", queue_name)
    batch = uploaded(small_festival())
    batch_id = batch.id
    jobs.start(batch, "preview")
    try:
        result = app.test_cli_runner().invoke(args=["imports", "worker", "--burst"])
        assert result.exit_code == 0, result.output
        assert fresh(batch_id).status == "previewed"
    finally:
        connection = Redis.from_url(redis_url)
        Queue(queue_name, connection=connection).delete(delete_jobs=True)
        connection.close()


def test_the_worker_command_needs_redis(app):
    """Without MFO_RQ_REDIS_URL there is nothing to work on: exit 2."""
    result = app.test_cli_runner().invoke(args=["imports", "worker", "--burst"])
    assert result.exit_code == 2 and "MFO_RQ_REDIS_URL is not set" in result.output


def test_progress_is_written_as_the_rows_are_checked(app, monkeypatch):
    """The job reports how many rows it has checked, on a connection of its own, as it goes."""
    monkeypatch.setattr(plan, "PROGRESS_STEP", 5)
    monkeypatch.setattr("mfo.imports.entries.PROGRESS_STEP", 5)
    batch = uploaded(small_festival())
    batch_id = batch.id
    seen: list[int] = []
    real = jobs.report_progress

    def spy(batch_id: int):
        report = real(batch_id)

        def wrapped(done: int) -> None:
            report(done)
            with db.engine.connect() as connection:  # another connection sees it at once
                seen.append(connection.execute(select(ImportBatch.progress).where(ImportBatch.id == batch_id)).scalar_one())

        return wrapped

    monkeypatch.setattr(jobs, "report_progress", spy)
    jobs.claim(batch, "preview")
    db.session.commit()
    jobs.work(batch_id, "preview")
    assert seen == sorted(seen) and seen[-1] == 12 and len(seen) >= 3 and seen[0] < 12


def test_a_failed_job_frees_the_batch_and_the_page_says_so(app, organizer_client, monkeypatch):
    """An exception in the job: nothing is kept of it but the failure; the batch can be worked on again."""
    small_festival()
    batch_id = uploaded_batch_id(upload(organizer_client, entries_csv(ROWS)))

    def broken(*_args, **_kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(services, "compute_plan", broken)
    batch = db.session.get(ImportBatch, batch_id)
    assert jobs.start(batch, "preview")
    jobs.wait_for_threads()
    failed = fresh(batch_id)
    assert failed.job is None and "the database went away" in failed.job_error and failed.status == "uploaded"
    shown = page(organizer_client.get(imports_url(str(batch_id))))
    assert 'id="job-failed"' in shown and "the database went away" not in shown
    status = organizer_client.get(imports_url(f"{batch_id}/status")).json
    assert status["failed"] is True and status["done"] is True
    monkeypatch.undo()
    assert jobs.start(fresh(batch_id), "preview")
    jobs.wait_for_threads()
    assert fresh(batch_id).status == "previewed" and fresh(batch_id).job_error is None


def test_a_job_for_a_batch_no_longer_claimed_does_nothing(app):
    """A job whose batch was freed (or taken by another job) leaves it alone."""
    batch = uploaded(small_festival())
    batch_id = batch.id
    jobs.claim(batch, "preview")
    db.session.commit()
    db.session.execute(update(ImportBatch).where(ImportBatch.id == batch_id).values(job=None))
    db.session.commit()
    jobs.work(batch_id, "preview")
    assert fresh(batch_id).status == "uploaded" and fresh(batch_id).preview is None


def test_a_batch_already_applied_cannot_be_claimed(app):
    """Only an open batch (uploaded, previewed or refused) can get a job."""
    batch = uploaded(small_festival())
    batch.status = "applied"
    db.session.commit()
    assert not jobs.claim(batch, "confirm")


@pytest.mark.settings(MFO_RQ_REDIS_URL="redis://127.0.0.1:1/0")
def test_when_redis_cannot_be_reached_the_job_runs_in_a_thread(app, caplog):
    """A queue that cannot be reached does not leave the batch waiting forever: the job runs in the web process."""
    batch = uploaded(small_festival())
    batch_id = batch.id
    assert jobs.start(batch, "preview")
    jobs.wait_for_threads()
    assert fresh(batch_id).status == "previewed"
    assert "could not queue job" in caplog.text


# --- A worker that died -------------------------------------------------------------------------------------------


def picked_up_then_died(batch_id: int, action: str, seconds_ago: float) -> int:
    """Claim the batch for a job, as a page does, and make it look run by a worker that last beat `seconds_ago`."""
    assert jobs.claim(db.session.get(ImportBatch, batch_id), action)
    db.session.commit()
    beat = naive_utcnow() - timedelta(seconds=seconds_ago)
    job_id = db.session.scalar(select(Job.id).where(Job.live_subject == f"import-batch:{batch_id}"))
    db.session.execute(update(Job).where(Job.id == job_id).values(status="running", started_at=beat, heartbeat_at=beat))
    db.session.commit()
    return job_id


def test_an_import_whose_worker_died_is_shown_failed_and_can_be_tried_again(app, organizer_client):
    """Working while its heartbeat is fresh; once it expired: failed, with "Try again", which runs the preview again."""
    small_festival()
    batch_id = uploaded_batch_id(upload(organizer_client, entries_csv(ROWS)))
    job_id = picked_up_then_died(batch_id, "preview", seconds_ago=30)
    assert 'id="import-progress"' in page(organizer_client.get(imports_url(str(batch_id))))
    assert "working…" in page(organizer_client.get(imports_url()))

    db.session.execute(update(Job).where(Job.id == job_id).values(heartbeat_at=naive_utcnow() - timedelta(minutes=3)))
    db.session.commit()
    shown = page(organizer_client.get(imports_url(str(batch_id))))
    assert 'id="import-progress"' not in shown
    assert 'id="job-failed"' in shown and 'id="retry-form"' in shown and 'id="discard-form"' in shown
    assert "working…" not in page(organizer_client.get(imports_url()))
    status = organizer_client.get(imports_url(f"{batch_id}/status")).json
    assert (status["failed"], status["done"], status["job"]) == (True, True, None)

    response = post_form(organizer_client, imports_url(f"{batch_id}/retry"), token_from=imports_url(str(batch_id)))
    assert response.status_code == 302
    jobs.wait_for_threads()
    done = fresh(batch_id)
    assert (done.status, done.job, done.job_error) == ("previewed", None, None)
    old = db.session.get(Job, job_id)
    assert old.status == "failed" and "no heartbeat" in old.error
    assert 'id="job-failed"' not in page(organizer_client.get(imports_url(str(batch_id))))


def test_a_confirmation_whose_worker_died_is_tried_again_as_a_confirmation(app, organizer_client):
    """"Try again" after a dead confirmation applies the import (the rows left out as chosen before)."""
    small_festival()
    batch_id = uploaded_batch_id(upload(organizer_client, entries_csv(ROWS)))
    batch = db.session.get(ImportBatch, batch_id)
    services.keep_preview(batch, services.compute_plan(batch))
    batch.excluded_rows = []
    db.session.commit()
    picked_up_then_died(batch_id, "confirm", seconds_ago=600)
    assert 'id="retry-form"' in page(organizer_client.get(imports_url(str(batch_id))))
    post_form(organizer_client, imports_url(f"{batch_id}/retry"), token_from=imports_url(str(batch_id)))
    jobs.wait_for_threads()
    assert fresh(batch_id).status == "applied"


def test_an_import_whose_worker_died_can_be_cancelled(app, organizer_client):
    """Cancel is refused while a job really works on the import, and allowed once its worker is dead."""
    small_festival()
    batch_id = uploaded_batch_id(upload(organizer_client, entries_csv(ROWS)))
    job_id = picked_up_then_died(batch_id, "preview", seconds_ago=1)
    discard_url = imports_url(f"{batch_id}/discard")
    refused = post_form(organizer_client, discard_url, token_from=imports_url(), follow_redirects=True)
    assert "Only an import that was not applied can be cancelled." in flashed(refused)
    assert fresh(batch_id) is not None

    db.session.execute(update(Job).where(Job.id == job_id).values(heartbeat_at=naive_utcnow() - timedelta(minutes=3)))
    db.session.commit()
    response = post_form(organizer_client, discard_url, token_from=imports_url(str(batch_id)))
    assert response.status_code == 302 and response.headers["Location"].endswith(imports_url())
    assert fresh(batch_id) is None
    old = db.session.get(Job, job_id)
    assert old.status == "failed" and old.live_subject is None


def test_a_job_that_ended_without_freeing_its_batch_is_shown_failed(app, organizer_client):
    """The batch still marked as worked on, but its job gone (it ended badly): failed, with "Try again"."""
    small_festival()
    batch_id = uploaded_batch_id(upload(organizer_client, entries_csv(ROWS)))
    job_id = picked_up_then_died(batch_id, "preview", seconds_ago=1)
    db.session.execute(update(Job).where(Job.id == job_id).values(status="failed", live_subject=None))
    db.session.commit()
    assert jobs.is_lost(fresh(batch_id)) and not jobs.is_working(fresh(batch_id))
    assert 'id="retry-form"' in page(organizer_client.get(imports_url(str(batch_id))))


def test_retry_needs_a_job_that_failed(app, organizer_client):
    """A batch that never had a job, or whose job works, is not tried again."""
    small_festival()
    batch_id = uploaded_batch_id(upload(organizer_client, entries_csv(ROWS)))
    response = post_form(organizer_client, imports_url(f"{batch_id}/retry"), token_from=imports_url(), follow_redirects=True)
    assert "This import cannot be tried again now." in flashed(response)
    picked_up_then_died(batch_id, "preview", seconds_ago=1)
    response = post_form(organizer_client, imports_url(f"{batch_id}/retry"), token_from=imports_url(), follow_redirects=True)
    assert "This import cannot be tried again now." in flashed(response)
    assert claims.live_job(f"import-batch:{batch_id}").status == "running"
