"""`flask --app mfo schedule export`: the schedule as CSV, XLSX or iCalendar, one row (or event) per performance.

The command runs as the operator of the server, who can read the database anyway. Each export is
recorded in the audit trail with the actor "cli".
"""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from mfo.audit.trail import record
from mfo.database import db
from mfo.festival.models import Festival
from mfo.schedule.exports import FORMATS, export, festival_rows

EXPORTED = "schedule-exported"


def festival_or_fail(slug: str) -> Festival:
    """Return the festival of a slug, or stop with click's usage error (exit status 2)."""
    festival = db.session.scalar(select(Festival).where(Festival.slug == slug))
    if festival is None:
        raise click.BadParameter(f"no festival has the slug {slug!r}", param_hint="'--festival'")
    return festival


def record_export(festival: Festival, fmt: str, rows: int, scope: str = "festival", **options) -> None:
    """Record who took a copy of the schedule, in which format, how many performances, of what (festival, venue, person)."""
    record(
        EXPORTED,
        target=f"festival {festival.slug} (#{festival.id})",
        details={"format": fmt, "rows": rows, "scope": scope},
        **options,
    )


@click.command("export", help="Export a festival's schedule: one row (or calendar event) per performance.")
@click.option("--festival", "slug", required=True, help="The festival's slug (as in its URLs).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="csv", show_default=True, help="File format.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write to this file (default: standard output).")
@with_appcontext
def export_command(slug: str, fmt: str, output: str | None) -> None:
    """Write the schedule of the festival SLUG; XLSX is binary: give -o, or redirect standard output to a file."""
    festival = festival_or_fail(slug)
    stream = sys.stdout.buffer
    if fmt == "xlsx" and output is None and stream.isatty():
        raise click.UsageError("an XLSX workbook is binary: give -o FILE or redirect standard output to a file")
    rows = festival_rows(festival)
    data = export(festival, rows, fmt, bom=output is not None)
    record_export(festival, fmt, len(rows), from_cli=True)
    db.session.commit()
    if output is None:
        stream.write(data)
        stream.flush()
    else:
        with open(output, "wb") as file:
            file.write(data)
        click.echo(f"{len(rows)} performances written to {output}.", err=True)
