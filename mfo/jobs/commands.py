"""`flask --app mfo jobs worker`: the RQ worker that runs every kind of background job queued on Redis."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import AppGroup

jobs_cli = AppGroup("jobs", help="Background jobs (imports, ...).")

# click's own usage errors exit with 2: so does a worker with nothing to listen to.
BAD_INPUT = 2


def run_worker(burst: bool) -> None:
    """Work on the jobs' queue (MFO_JOB_QUEUE on MFO_RQ_REDIS_URL) in this process; exit 2 when no Redis is set."""
    from redis import Redis
    from rq import Queue, SimpleWorker

    url = current_app.config.get("MFO_RQ_REDIS_URL")
    if not url:
        click.echo("Error: MFO_RQ_REDIS_URL is not set: jobs run in the web process.", err=True)
        sys.exit(BAD_INPUT)
    connection = Redis.from_url(url)
    # A SimpleWorker runs each job in this process, inside this command's app context (a forking worker would
    # share the app's database connections with its children).
    queue = Queue(current_app.config["MFO_JOB_QUEUE"], connection=connection)
    SimpleWorker([queue], connection=connection).work(burst=burst)


@jobs_cli.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def worker(burst: bool) -> None:
    """Run the background jobs queued on Redis, of every kind (needs MFO_RQ_REDIS_URL)."""
    run_worker(burst)
