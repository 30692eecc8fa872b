"""The background jobs service: kinds declared by features, one live job per subject, heartbeat expiry, stop, failure."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

import pytest
from flask_security.utils import naive_utcnow
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from mfo.database import db
from mfo.database.models import Role
from mfo.feature import Feature
from mfo.features import FeatureError, Registry, registry
from mfo.jobs import claims, runner
from mfo.jobs.models import Job
from tests import services as test_services

SUBJECT = "thing:1"


@pytest.fixture(autouse=True)
def _jobs_finish():
    """Every job thread a test starts ends before its database is emptied."""
    yield
    runner.wait_for_threads()


def loop_until_stopped(context: runner.JobContext) -> None:
    """A test job: counts steps, reporting each, until it is asked to stop."""
    step = 0
    while not context.stopping():
        step += 1
        context.progress(steps=step)
        time.sleep(0.01)


def silent_until_stopped(context: runner.JobContext) -> None:
    """A test job like one long solver step: never reports progress, only watches its stop flag."""
    while not context.stopping():
        time.sleep(0.01)


def add_role_then(outcome: str):
    """Return a test job that adds a role in its session, then returns, raises, or stops by exception."""

    def job(context: runner.JobContext) -> None:
        db.session.add(Role(name=f"made-by-{context.kind}", description="test"))
        db.session.flush()
        if outcome == "raise":
            raise RuntimeError("the solver ran out of memory")
        if outcome == "stopped":
            raise runner.JobStopped

    return job


@pytest.fixture
def kinds(app, monkeypatch):
    """Declare the test job kinds on the app's registry, as a feature's `jobs` would."""
    declared = {
        "test.loop": loop_until_stopped,
        "test.silent": silent_until_stopped,
        "test.done": add_role_then("return"),
        "test.raise": add_role_then("raise"),
        "test.stopped": add_role_then("stopped"),
    }
    for kind, function in declared.items():
        monkeypatch.setitem(registry(app).jobs, kind, function)
    return declared


def job_row(job_id: int) -> Job:
    """Read a job again from the database."""
    db.session.expire_all()
    return db.session.get(Job, job_id)


def wait_until_running(job_id: int) -> None:
    """Wait (briefly) until a job's worker has picked it up."""
    for _ in range(500):
        if job_row(job_id).status == "running":
            return
        time.sleep(0.01)
    raise AssertionError(f"job {job_id} never started")


def run_here(kind: str, key: str = SUBJECT) -> Job:
    """Claim a subject for a job of this kind, commit, run it in this thread, and return it as it ended."""
    job = claims.claim(kind, key)
    db.session.commit()
    job_id = job.id
    runner.run(job_id)
    return job_row(job_id)


# --- Declarations ------------------------------------------------------------------------------------------------


def test_a_job_kind_declared_twice_stops_the_app():
    """Two features declaring the same kind: a FeatureError naming both, at start-up."""

    def work(_context) -> None:
        """Nothing."""

    first = Feature(name="imports", jobs={"imports.preview": work})
    second = Feature(name="schedule", jobs={"imports.preview": work})
    with pytest.raises(FeatureError, match="schedule: job kind 'imports.preview' is already declared by imports"):
        Registry.build([first, second])
    assert Registry.build([first]).jobs == {"imports.preview": work}


def test_the_imports_feature_declares_its_job_kinds(app):
    """The kinds are collected from the features' declarations, with their owner."""
    built = registry(app)
    assert {"imports.preview", "imports.confirm"} <= set(built.jobs)
    assert built.job_owner["imports.confirm"] == "imports"


def test_an_undeclared_kind_cannot_be_claimed(app):
    """A kind no feature declares is a programming error, not a job that fails later."""
    with pytest.raises(ValueError, match="no feature declares the job kind 'nobody.knows'"):
        claims.claim("nobody.knows", SUBJECT)


# --- One live job per subject ------------------------------------------------------------------------------------


def test_a_second_start_on_a_live_subject_is_refused(app, kinds):
    """While a job is queued or running on a subject, another start is refused; the database refuses it too."""
    first = claims.claim("test.done", SUBJECT)
    db.session.commit()
    assert first is not None and first.status == "queued"
    assert claims.claim("test.done", SUBJECT) is None
    assert runner.start("test.loop", SUBJECT) is None
    assert claims.claim("test.done", "thing:2") is not None  # another subject is free
    db.session.rollback()
    # Two claims racing past the check: the unique live subject refuses the second row.
    db.session.add(Job(kind="test.done", subject=SUBJECT, live_subject=SUBJECT, status="queued", params={}, progress={}))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    assert len(db.session.scalars(select(Job).where(Job.subject == SUBJECT)).all()) == 1


def test_a_finished_job_frees_its_subject_and_keeps_its_work(app, kinds):
    """A job that returns is done, its work committed with its end; the subject can be claimed again."""
    done = run_here("test.done")
    assert (done.status, done.live_subject, done.error) == ("done", None, None)
    assert done.started_at is not None and done.finished_at is not None and done.heartbeat_at is not None
    assert db.session.scalar(select(Role).where(Role.name == "made-by-test.done")) is not None
    assert claims.claim("test.done", SUBJECT) is not None


def test_a_failed_job_keeps_its_error_and_frees_its_subject(app, kinds, caplog):
    """A job that raises: its work rolled back, its error kept on the job and logged, the subject free again."""
    failed = run_here("test.raise")
    assert failed.status == "failed" and failed.live_subject is None
    assert failed.error == "RuntimeError: the solver ran out of memory"
    assert db.session.scalar(select(Role).where(Role.name == "made-by-test.raise")) is None
    assert "the solver ran out of memory" in caplog.text
    assert claims.describe(failed) == {"status": "failed", "done": True, "failed": True, "progress": {}, "stop_requested": False}
    assert claims.claim("test.done", SUBJECT) is not None


def test_a_job_run_in_a_thread_fails_the_same_way(app, kinds):
    """Without Redis, the job runs in a thread of the web process; its failure is kept just the same."""
    assert app.config["MFO_RQ_REDIS_URL"] is None
    job = runner.start("test.raise", SUBJECT)
    job_id = job.id
    runner.wait_for_threads()
    assert job_row(job_id).status == "failed" and job_row(job_id).live_subject is None


# --- A dead worker -----------------------------------------------------------------------------------------------


def die(job_id: int, seconds_ago: float) -> None:
    """Make a job look picked up by a worker that last beat `seconds_ago` (then died)."""
    beat = naive_utcnow() - timedelta(seconds=seconds_ago)
    db.session.execute(update(Job).where(Job.id == job_id).values(status="running", started_at=beat, heartbeat_at=beat))
    db.session.commit()


def test_a_job_whose_heartbeat_expired_is_dead_and_its_subject_free(app, kinds):
    """Past MFO_JOB_EXPIRY_SECONDS without a heartbeat, a running job is failed; before that it still holds its subject."""
    assert app.config["MFO_JOB_EXPIRY_SECONDS"] == 120
    job = claims.claim("test.loop", SUBJECT)
    db.session.commit()
    job_id = job.id
    die(job_id, seconds_ago=60)
    assert claims.is_live(job_row(job_id)) and claims.describe(job_row(job_id))["status"] == "running"
    assert claims.claim("test.loop", SUBJECT) is None
    die(job_id, seconds_ago=121)
    dead = job_row(job_id)
    assert claims.is_dead(dead) and not claims.is_live(dead)
    assert claims.describe(dead)["status"] == "failed" and claims.describe(dead)["done"] is True
    assert claims.live_subjects([SUBJECT]) == set()
    again = claims.claim("test.done", SUBJECT)
    db.session.commit()
    assert again is not None and again.id != job_id
    old = job_row(job_id)
    assert old.status == "failed" and old.live_subject is None and "no heartbeat for 120 s" in old.error


@pytest.mark.settings(MFO_JOB_EXPIRY_SECONDS=5)
def test_the_expiry_is_a_setting(app, kinds):
    """A shorter expiry makes a job dead sooner."""
    job = claims.claim("test.loop", SUBJECT)
    db.session.commit()
    die(job.id, seconds_ago=6)
    assert claims.is_dead(job_row(job.id))


def test_a_job_that_lost_its_claim_keeps_nothing(app, kinds, monkeypatch):
    """A job seen as dead (its subject claimed again) that finishes after all: its work is rolled back, not kept."""

    def slow_then_done(context: runner.JobContext) -> None:
        db.session.add(Role(name="made-late", description="test"))
        db.session.flush()
        with db.engine.begin() as connection:  # meanwhile, the page took it for dead and let it go
            connection.execute(update(Job.__table__).where(Job.__table__.c.id == context.job_id).values(status="failed", live_subject=None))

    monkeypatch.setitem(registry(app).jobs, "test.late", slow_then_done)
    late = run_here("test.late")
    assert late.status == "failed"
    assert db.session.scalar(select(Role).where(Role.name == "made-late")) is None


def test_a_job_whose_work_cannot_be_committed_fails(app, kinds, monkeypatch):
    """The work is refused at commit time: the job still ends, failed with the reason, and frees its subject."""
    real_commit = db.session.commit
    calls = []

    def refusing_commit() -> None:
        calls.append(1)
        if len(calls) == 2:  # the first commit is the claim's; the second keeps the job's work
            raise RuntimeError("the database refused the commit")
        real_commit()

    monkeypatch.setattr(db.session, "commit", refusing_commit)
    refused = run_here("test.done")
    assert refused.status == "failed" and refused.live_subject is None
    assert refused.error == "RuntimeError: the database refused the commit"
    assert db.session.scalar(select(Role).where(Role.name == "made-by-test.done")) is None


def test_a_running_job_writes_its_heartbeat_beside_it(app, kinds, monkeypatch):
    """A job that never reports progress still beats: its heartbeat moves while it runs."""
    monkeypatch.setattr(runner, "MAX_BEAT_SECONDS", 0.02)
    job = runner.start("test.silent", SUBJECT)
    job_id = job.id
    wait_until_running(job_id)
    first = job_row(job_id).heartbeat_at
    for _ in range(500):
        if job_row(job_id).heartbeat_at > first:
            break
        time.sleep(0.01)
    assert job_row(job_id).heartbeat_at > first
    claims.request_stop(SUBJECT)
    db.session.commit()
    runner.wait_for_threads()


# --- Stop -----------------------------------------------------------------------------------------------------------


def test_a_stop_request_reaches_a_running_job(app, kinds):
    """A job looping until stopped hears the request (through its progress reports) and ends "stopped", keeping its work."""
    job = runner.start("test.loop", SUBJECT)
    job_id = job.id
    wait_until_running(job_id)
    assert claims.request_stop(SUBJECT)
    db.session.commit()
    runner.wait_for_threads(timeout=10)
    stopped = job_row(job_id)
    assert (stopped.status, stopped.live_subject, stopped.stop_requested) == ("stopped", None, True)
    assert stopped.progress["steps"] >= 1
    assert claims.describe(stopped)["done"] is True


def test_a_stop_request_reaches_a_job_that_reports_nothing(app, kinds, monkeypatch):
    """A long silent step (a solver's) hears the request through its heartbeat thread."""
    monkeypatch.setattr(runner, "MAX_BEAT_SECONDS", 0.02)
    job = runner.start("test.silent", SUBJECT)
    job_id = job.id
    wait_until_running(job_id)
    claims.request_stop(SUBJECT)
    db.session.commit()
    runner.wait_for_threads(timeout=10)
    assert job_row(job_id).status == "stopped"


def test_a_job_that_stops_by_exception_keeps_nothing(app, kinds):
    """check_stop() raising JobStopped: the job ends "stopped" and its unfinished work is rolled back."""
    stopped = run_here("test.stopped")
    assert stopped.status == "stopped" and stopped.live_subject is None
    assert db.session.scalar(select(Role).where(Role.name == "made-by-test.stopped")) is None


def test_a_queued_job_asked_to_stop_never_runs(app, kinds):
    """Stopped before a worker picked it up: it ends at once, and a worker that gets it later does nothing."""
    job = claims.claim("test.done", SUBJECT)
    db.session.commit()
    job_id = job.id
    assert claims.request_stop(SUBJECT)
    db.session.commit()
    assert job_row(job_id).status == "stopped" and job_row(job_id).live_subject is None
    runner.run(job_id)
    assert job_row(job_id).status == "stopped"
    assert db.session.scalar(select(Role).where(Role.name == "made-by-test.done")) is None
    assert not claims.request_stop(SUBJECT)  # nothing live any more


# --- The worker command --------------------------------------------------------------------------------------------


@pytest.fixture
def redis_url() -> str:
    """The test Redis (database 15), or a skip when none answers (a failure when services are required)."""
    if not test_services.redis_answers():
        if test_services.required():
            pytest.fail(f"Redis does not answer at {test_services.REDIS_URL}")
        pytest.skip("Redis does not answer on 127.0.0.1:6379")
    return test_services.REDIS_URL


def test_the_jobs_worker_runs_every_kind_queued_on_redis(app, kinds, redis_url, monkeypatch):
    """`flask jobs worker --burst` runs the queued jobs, whatever feature declared their kind, then stops."""
    from redis import Redis
    from rq import Queue

    queue_name = f"mfo-test-{uuid.uuid4().hex[:8]}"
    monkeypatch.setitem(app.config, "MFO_RQ_REDIS_URL", redis_url)
    monkeypatch.setitem(app.config, "MFO_JOB_QUEUE", queue_name)
    done = runner.start("test.done", SUBJECT).id
    failing = runner.start("test.raise", "thing:2").id
    assert runner._threads == []  # nothing runs in the web process
    assert job_row(done).status == "queued"
    try:
        result = app.test_cli_runner().invoke(args=["jobs", "worker", "--burst"])
        assert result.exit_code == 0, result.output
        assert job_row(done).status == "done" and job_row(failing).status == "failed"
    finally:
        connection = Redis.from_url(redis_url)
        Queue(queue_name, connection=connection).delete(delete_jobs=True)
        connection.close()


def test_the_jobs_worker_needs_redis(app):
    """Without MFO_RQ_REDIS_URL there is nothing to work on: exit 2."""
    result = app.test_cli_runner().invoke(args=["jobs", "worker", "--burst"])
    assert result.exit_code == 2 and "MFO_RQ_REDIS_URL is not set" in result.output
