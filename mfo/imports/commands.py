"""`flask --app mfo <group> import FILE --festival SLUG [--dry-run] [--json]`: the same import as the pages, for scripts.

`import_command(kind)` makes the command of any declared kind (mfo.imports.kinds); a feature adds it to
its own command group (`venues import`), and this feature to `syllabus` and `entries`.

Exit status: 0 applied (or a clean dry run), 1 refused because a row has an error (nothing written
but the refusal in the audit trail; nothing at all for a dry run), 2 an unreadable file, a file
without a required column, an unknown festival or a bad argument. `imports worker` is the old name
of `jobs worker`, which runs the background jobs of the pages when they go through Redis.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from mfo.database import db
from mfo.festival.models import Festival
from mfo.imports import kinds, services
from mfo.imports.plan import Plan
from mfo.imports.tabular import Table, TableError
from mfo.jobs.commands import run_worker

syllabus_cli = AppGroup("syllabus", help="A festival's syllabus.")
entries_cli = AppGroup("entries", help="A festival's entries.")
imports_cli = AppGroup("imports", help="Imports of syllabus and entry files.")

# click's own usage errors exit with 2, like the errors below.
BAD_INPUT = 2
REFUSED = 1


def fail(message: str, as_json: bool) -> None:
    """Print why the import could not start, and exit with 2."""
    if as_json:
        click.echo(json.dumps({"error": message, "applied": False}))
    else:
        click.echo(f"Error: {message}", err=True)
    sys.exit(BAD_INPUT)


def _report(plan: Plan, applied: bool, as_json: bool, dry_run: bool) -> None:
    """Print the plan: as JSON, or a summary and every issue, one per line."""
    if as_json:
        click.echo(json.dumps(plan.as_json(applied), ensure_ascii=False))
        return
    for issue in plan.issues:
        click.echo(f"row {issue.row}: {issue.severity} {issue.code}: {issue.message}")

    def counts(values: dict) -> str:
        return ", ".join(f"{count} {kind}" for kind, count in sorted(values.items())) or "nothing"

    click.echo(f"{plan.rows} rows.")
    click.echo(f"Created: {counts(plan.created)}. Matched: {counts(plan.matched)}. Changed: {counts(plan.changed)}.")
    if applied:
        click.echo("Applied.")
    elif not plan.can_apply:
        rows = ", ".join(str(row) for row in plan.error_rows)
        click.echo(f"Refused: rows with errors ({rows}); nothing was written.")
    elif dry_run:
        click.echo("Dry run: nothing was written.")


def read_import_file(path: str, as_json: bool) -> tuple[bytes, Table]:
    """Read a file for an import within the imports' limits (size, rows, columns, cells), or exit with 2 and why."""
    file = Path(path)
    try:
        data = file.read_bytes()
    except OSError as error:
        fail(f"cannot read {path}: {error.strerror}", as_json)
    try:
        table = services.read_file(data, file.name)
    except (TableError, services.FileTooLarge) as error:
        fail(str(services.table_error_message(error)), as_json)
    return data, table


def run_import(kind: str, path: str, slug: str, dry_run: bool, as_json: bool) -> None:
    """Read, check and apply (or refuse) one file for a festival, then exit with the documented status."""
    festival = db.session.scalar(select(Festival).where(Festival.slug == slug))
    if festival is None:
        fail(f"there is no festival {slug!r}", as_json)
    data, table = read_import_file(path, as_json)
    file = Path(path)
    if dry_run:
        match = services.initial_match(festival.id, kind, table)
        if match.missing_required:
            fail(f"the file has no column for: {', '.join(match.missing_required)}", as_json)
        plan = services.plan_table(festival, kind, table, match)
        db.session.rollback()
        _report(plan, False, as_json, dry_run)
        sys.exit(0 if plan.can_apply else REFUSED)
    try:
        _batch, plan = services.import_file(festival, kind, file.name, data, from_cli=True)
    except services.MappingIncomplete as error:
        db.session.rollback()
        fail(f"the file has no column for: {', '.join(error.missing)}", as_json)
    db.session.commit()
    _report(plan, plan.can_apply, as_json, dry_run)
    sys.exit(0 if plan.can_apply else REFUSED)


IMPORT_OPTIONS = (
    click.argument("file", type=click.Path(dir_okay=False)),
    click.option("--festival", "slug", required=True, help="The festival's slug."),
    click.option("--dry-run", is_flag=True, help="Check the file and print what would happen; write nothing."),
    click.option("--json", "as_json", is_flag=True, help="Print the result as JSON."),
)


def _with_options(function):
    """Give an import command its argument and options."""
    for option in reversed(IMPORT_OPTIONS):
        function = option(function)
    return function


def import_command(kind: str, help: str | None = None) -> click.Command:
    """Return `import FILE --festival SLUG [--dry-run] [--json]` for a kind of import, to add to a command group.

    The kind is looked up when the command runs, in the app's declared kinds: a command of a kind
    that the app does not install says so and exits with 2.
    """

    def command(file: str, slug: str, dry_run: bool, as_json: bool) -> None:
        if kind not in kinds.kinds():
            fail(f"this app has no import of {kind}", as_json)
        run_import(kind, file, slug, dry_run, as_json)

    command.__doc__ = help or f"Import a file of {kind} (CSV or XLSX) into a festival."
    return click.command("import", help=command.__doc__)(with_appcontext(_with_options(command)))


syllabus_cli.add_command(import_command("syllabus", "Import a syllabus file (CSV or XLSX, one row per class) into a festival."))
entries_cli.add_command(import_command("entries", "Import an entries file (CSV or XLSX, one row per entry) into a festival."))


@imports_cli.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def worker(burst: bool) -> None:
    """Run the background jobs queued on Redis: the same as `jobs worker`, which runs every kind (kept for old set-ups)."""
    run_worker(burst)
