"""`flask --app mfo festival demo`: a realistic demo festival, for trying mfo out and for tests and benchmarks."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from flask_babel import format_number

from mfo.database import db
from mfo.demo.services import any_festival, load_demo
from mfo.imports.kinds import records


@click.command("demo")
@click.option("--entries", default=1200, show_default=True, type=click.IntRange(0, 100_000), help="About how many entries.")
@click.option("--seed", default=2026, show_default=True, type=int, help="The same seed gives the same festival.")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database holds a festival already (make run uses it).")
@with_appcontext
def demo(entries: int, seed: int, if_empty: bool) -> None:
    """Load a realistic demo festival through the imports and print its slug on the last line."""
    if if_empty and any_festival():
        click.echo("A festival exists already; the demo is not loaded.")
        return
    loaded = load_demo(entries=entries, seed=seed)
    db.session.commit()
    festival = loaded.festival
    verb = "Created" if loaded.created else "Found"
    click.echo(f"{verb} the demo festival {festival.name!r}.")
    # Counts as "people: 908" under each record's plural label, the imports' own words: no "908 person".
    labels = {record.name: record.label for record in records().values()}
    for name, plan in (("syllabus", loaded.syllabus), ("entries", loaded.entries)):
        counts = [f"{labels.get(kind, kind)}: {format_number(count)}" for kind, count in sorted(plan.created.items()) if count]
        created = f"created {', '.join(counts)}" if counts else "created nothing new"
        left_out = f"; rows left out with a planted error: {', '.join(map(str, plan.excluded))}" if plan.excluded else ""
        click.echo(f"  {name}: {format_number(plan.rows)} rows read, {created}{left_out}")
    if loaded.online is not None:
        online = loaded.online
        click.echo(f"  online: entries: {format_number(online.entries)}, from these accounts (password: {online.password}, shown once):")
        for email, kind in online.accounts:
            click.echo(f"    {email} ({kind})")
    if loaded.payments:
        click.echo(f"  fees: an invoice per online account, {format_number(loaded.payments)} payments recorded")
    if loaded.sessions:
        click.echo(f"  schedule: {loaded.sessions} sessions with their venues and adjudicators")
    click.echo(festival.slug)
