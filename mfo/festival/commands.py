"""`flask --app mfo festival ...`: festivals from the command line, through the same services as the pages."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from mfo.database import db
from mfo.festival.models import DEFAULT_CURRENCY, STATUSES
from mfo.festival.services import FestivalError, FestivalSettings, create_festival, currency_code
from mfo.festival.values import parse_date

festival_cli = AppGroup("festival", help="Festivals (seasons): create one; other features add their commands here.")


class DateParam(click.ParamType):
    """A date on the command line: YYYY-MM-DD or DD/MM/YYYY."""

    name = "date"

    def convert(self, value, param, ctx):
        """Return the date, or fail with click's usage error (exit status 2)."""
        if not isinstance(value, str):
            return value
        try:
            day = parse_date(value)
        except ValueError as error:
            self.fail(f"{value!r}: {error}", param, ctx)
        if day is None:
            self.fail("a date is needed", param, ctx)
        return day


DATE = DateParam()


@festival_cli.command("create")
@click.option("--name", required=True, help="The festival's name, e.g. 'Spring Festival 2027'.")
@click.option("--year", required=True, type=click.IntRange(1900, 2200), help="Its year, e.g. 2027.")
@click.option("--start", "start_date", required=True, type=DATE, help="First day (YYYY-MM-DD).")
@click.option("--end", "end_date", required=True, type=DATE, help="Last day (YYYY-MM-DD).")
@click.option("--cutoff", "age_cutoff", required=True, type=DATE, help="Age cut-off date: ages are taken on this day.")
@click.option("--entries-open", type=DATE, help="First day entries are taken.")
@click.option("--entries-close", type=DATE, help="Last day entries are taken.")
@click.option("--status", type=click.Choice(STATUSES), default="draft", show_default=True, help="Where the season stands.")
@click.option("--slug", help="Its address in links (made from the name when not given).")
@click.option("--currency", default=DEFAULT_CURRENCY, show_default=True, help="ISO 4217 code of the money fees are paid in.")
def create(name, year, start_date, end_date, age_cutoff, entries_open, entries_close, status, slug, currency) -> None:
    """Create a festival and print its slug on the last line (exit status 2 on bad arguments)."""
    settings = FestivalSettings(
        name=name,
        year=year,
        start_date=start_date,
        end_date=end_date,
        age_cutoff=age_cutoff,
        entries_open=entries_open,
        entries_close=entries_close,
        status=status,
        slug=slug,
        currency=currency_code(currency),
    )
    try:
        festival = create_festival(settings, from_cli=True)
    except FestivalError as error:
        db.session.rollback()
        # A usage error exits with status 2, as click does for any other bad argument.
        raise click.UsageError("; ".join(f"{field}: {message}" for field, message in error.errors.items())) from None
    db.session.commit()
    current = " (the current festival)" if festival.is_current else ""
    click.echo(f"Created {festival.name}{current}.")
    click.echo(festival.slug)
