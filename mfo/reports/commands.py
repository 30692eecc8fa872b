"""`flask --app mfo reports NAME --festival SLUG --format csv|xlsx [-o FILE]`: a report exported from the command line.

The command runs as the operator of the server, who can read the database anyway: its exports
hold the personal data (birth dates, addresses, phone numbers, emails) that web exports show only
to holders of people-read. Each export is recorded in the audit trail with the actor "cli".
"""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import force_locale
from sqlalchemy import select

from mfo.database import db
from mfo.festival.models import Festival
from mfo.reports.catalogue import REPORTS
from mfo.reports.exports import FORMATS, export, record_export
from mfo.reports.framework import ReportQuery


@click.command("reports", help="Export a festival's report as CSV or XLSX (personal data included).")
@click.argument("name", type=click.Choice(list(REPORTS)), metavar="NAME")
@click.option("--festival", "slug", required=True, help="The festival's slug (as in its URLs).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="csv", show_default=True, help="File format.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write to this file (default: standard output).")
@click.option("--sort", default="", help="Sort by this column key (default: the report's own order).")
@click.option("--descending", is_flag=True, help="Sort in descending order.")
@click.option("--language", default="", help="Language of headings and labels (en, fr; default: the site's).")
@with_appcontext
def reports_command(name: str, slug: str, fmt: str, output: str | None, sort: str, descending: bool, language: str) -> None:
    """Write the report NAME of the festival SLUG (any report of mfo.reports.catalogue, the fees' invoices, payments and outstanding too).

    CSV goes to standard output without -o (UTF-8, no byte-order mark); a file gets a byte-order
    mark so spreadsheets read accents right. XLSX is binary: give -o, or redirect standard output
    to a file (it is refused on a terminal). Exit status 2 for an unknown festival or report.
    """
    festival = db.session.scalar(select(Festival).where(Festival.slug == slug))
    if festival is None:
        raise click.BadParameter(f"no festival has the slug {slug!r}", param_hint="'--festival'")
    languages = current_app.config["MFO_LANGUAGES"]
    if language and language not in languages:
        raise click.BadParameter(f"choose one of {', '.join(languages)}", param_hint="'--language'")
    stream = sys.stdout.buffer
    if fmt == "xlsx" and output is None and stream.isatty():
        raise click.UsageError("an XLSX workbook is binary: give -o FILE or redirect standard output to a file")
    report = REPORTS[name]
    with force_locale(language or current_app.config["BABEL_DEFAULT_LOCALE"]):
        query = report.clean(ReportQuery(sort=sort, descending=descending), {}, personal=True)
        if sort and query.sort != sort:
            keys = ", ".join(c.key for c in report.columns if c.sortable)
            raise click.BadParameter(f"{name} sorts by one of {keys}", param_hint="'--sort'")
        rows = report.all_rows(festival, query, personal=True)
        data = export(report.visible_columns(True), rows, fmt, str(report.title), bom=output is not None)
    record_export(festival, report, fmt, len(rows), True, f"sort={query.sort}", from_cli=True)
    db.session.commit()
    if output is None:
        stream.write(data)
        stream.flush()
    else:
        with open(output, "wb") as file:
            file.write(data)
        click.echo(f"{len(rows)} rows written to {output}.", err=True)
