"""The `flask --app mfo audit` commands: check the trail's hash chain."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from mfo.audit.trail import verify

audit = AppGroup("audit", help="Check the audit trail.")


@audit.command("verify")
def audit_verify() -> None:
    """Check every event's hash and link; report the first broken event and exit 1 if there is one."""
    verdict = verify()
    if verdict.ok:
        click.echo(f"The audit trail is intact: {verdict.events} events verified.")
        return
    click.echo(
        f"The audit trail is broken at event {verdict.broken_id}: {verdict.reason}. "
        f"{verdict.events} events before it verified.",
        err=True,
    )
    raise SystemExit(1)
