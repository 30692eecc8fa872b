"""`flask --app mfo schedule import FILE --festival SLUG`: a schedule edited in a spreadsheet, back in.

The file is read and bounded here, by the imports' reader and its limits (size, rows, columns,
cell length); the schedule feature, below this one, turns its rows into placements and draws
(mfo.schedule.importing) and checks the result with its conflict checker. The command joins a copy
of the schedule's `schedule` group made for each app, so an app built without this feature has none.

Exit status: 0 applied (or a clean dry run), 1 refused because a row has an error or the
resulting schedule has conflicts of error severity (nothing written for a row error or a dry run),
2 an unreadable file, an unknown festival or a bad argument.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext

from mfo.database import db
from mfo.imports import services
from mfo.imports.commands import REFUSED, fail
from mfo.imports.tabular import TableError
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
    path = Path(file)
    try:
        data = path.read_bytes()
    except OSError as error:
        fail(f"cannot read {file}: {error.strerror}", as_json)
    try:
        table = services.read_file(data, path.name)
    except (TableError, services.FileTooLarge) as error:
        fail(str(services.table_error_message(error)), as_json)
    result, _problem, schedule = plan_import(festival, table.headers, [(row.number, row.values) for row in table.rows])
    if result.errors or dry_run:
        db.session.rollback()
    else:
        apply_import(festival, result, schedule, from_cli=True)
        db.session.commit()
    _report(result, dry_run, as_json)
    has_errors = bool(result.errors) or any(conflict.severity == "error" for conflict in result.conflicts)
    sys.exit(REFUSED if has_errors else 0)


def add_schedule_import(app: Flask) -> None:
    """Give this app's `schedule` command group an `import` command (when the schedule feature is installed)."""
    # A copy, not the schedule's module-level group: adding to that one would give `schedule import`
    # to every app built later in the process, with or without the imports feature.
    group = app.cli.commands.get("schedule")
    if group is None:
        return
    app.cli.add_command(AppGroup(group.name, help=group.help, commands={**group.commands, "import": import_command}))
