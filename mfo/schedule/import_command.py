"""`flask --app mfo schedule import FILE --festival SLUG`: a schedule edited in a spreadsheet, back in.

The file is read and bounded by the imports' reader and its limits (size, rows, columns, cell
length), through the imports' command-line helper; mfo.schedule.importing turns its rows into
placements and draws and checks the result with the conflict checker. Its report is the schedule's
own (classes placed, draws changed, conflicts), not an import kind's plan: a schedule file changes
placements, which the imports' undo does not cover.

Exit status: 0 applied (or a clean dry run), 1 refused because a row has an error or the
resulting schedule has conflicts of error severity (nothing written for a row error or a dry run),
2 an unreadable file, an unknown festival or a bad argument.
"""

from __future__ import annotations

import json
import sys

import click
from flask.cli import with_appcontext

from mfo.database import db
from mfo.festival.locks import lock_for_writing
from mfo.imports.commands import REFUSED, read_import_file
from mfo.schedule.commands_io import festival_or_fail
from mfo.schedule.importing import ImportResult, apply_import, plan_import


def _report(result: ImportResult, dry_run: bool, as_json: bool) -> None:
    """Print what the file did (or would do): row errors, the classes placed, draws changed, and the conflicts."""
    if as_json:
        click.echo(json.dumps({
            "applied": result.applied,
            "dry_run": dry_run,
            "errors": [error.as_dict() for error in result.errors],
            "placed": sorted(result.placed),
            "draws": sorted(result.draws),
            "changes": result.changes,
            "conflicts": [conflict.as_dict() for conflict in result.conflicts],
        }))
        return
    for error in result.errors:
        click.echo(f"Row {error.row}: {error.code}: {error.message}")
    if result.errors:
        click.echo("Refused: rows with errors; nothing was written.")
        return
    click.echo(f"{len(result.placed)} classes placed, {len(result.draws)} draws changed.")
    for conflict in result.conflicts:
        click.echo(f"{conflict.severity}: {conflict.code}: {conflict.message}")
    if dry_run:
        click.echo("Dry run: nothing was written.")


@click.command("import", help="Place classes and order their entries from a CSV or XLSX file in the export's format.")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--festival", "slug", required=True, help="The festival's slug.")
@click.option("--dry-run", is_flag=True, help="Check the file and print what would happen; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@with_appcontext
def import_command(file: str, slug: str, dry_run: bool, as_json: bool) -> None:
    """Read, check and apply (or refuse) a schedule file, then exit with the documented status."""
    festival = festival_or_fail(slug)
    _data, table = read_import_file(file, as_json)
    if not dry_run:
        # Planned and applied under the festival's write lock: a board move or an import's confirmation
        # committed in between would otherwise be overwritten by a plan made before it.
        lock_for_writing(festival)
    result, _problem, schedule = plan_import(festival, table.headers, [(row.number, row.values) for row in table.rows])
    if result.errors or dry_run:
        db.session.rollback()
    else:
        apply_import(festival, result, schedule, from_cli=True)
        db.session.commit()
    _report(result, dry_run, as_json)
    has_errors = bool(result.errors) or any(conflict.severity == "error" for conflict in result.conflicts)
    sys.exit(REFUSED if has_errors else 0)

