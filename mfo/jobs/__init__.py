"""Background jobs (a core service): long work of any feature, claimed per subject, followed, stoppable, on RQ or a thread.

A feature declares its job kinds (`Feature.jobs`: kind -> function taking a JobContext); it starts
one with `mfo.jobs.runner.start(kind, subject, params)` or, to claim in its own transaction,
`mfo.jobs.claims.claim(...)`, commit, then `mfo.jobs.runner.dispatch(job.id)`.
"""

from __future__ import annotations

from mfo.feature import Feature
from mfo.jobs.commands import jobs_cli

feature = Feature(name="jobs", commands=(jobs_cli,))
