"""`flask --app mfo schedule publish|changes --festival SLUG`: publish the schedule as its next version, list the changes since.

Exit status, as `schedule check`: `publish` 0 published; 1 refused (the schedule has errors, or
nothing changed since the latest version; nothing written). `changes` 0 nothing changed since the
latest version; 1 there are changes to publish (a draft: every performance). 2 an unknown festival or
a bad argument. Messages are in English; a publication is recorded in the audit trail as "cli".
"""

from __future__ import annotations

import json
import sys

import click
from flask.cli import with_appcontext
from flask_babel import force_locale

from mfo.database import db
from mfo.schedule import publishing
from mfo.schedule.commands_io import festival_or_fail

HAS_CHANGES = REFUSED = 1


def _where(where: dict | None) -> str:
    """Return a performance's place and time on one line ("-" when not scheduled)."""
    if where is None:
        return "-"
    return f"{where['start'].replace('T', ' ')}-{where['end'][11:]} {where['venue']} ({where['session']})"


@click.command("publish", help="Publish a festival's schedule as its next version (refused while it has errors).")
@click.option("--festival", "slug", required=True, help="The festival's slug (as in its URLs).")
@click.option("--note", default="", help="A note kept with the version (at most 500 characters).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@with_appcontext
def publish_command(slug: str, note: str, as_json: bool) -> None:
    """Publish the schedule of the festival SLUG; exit 1 when it is refused (nothing written)."""
    festival = festival_or_fail(slug)
    if len(note) > publishing.NOTE_MAX:
        raise click.BadParameter(f"at most {publishing.NOTE_MAX} characters", param_hint="'--note'")
    with force_locale("en"):
        try:
            version = publishing.publish(festival, note=note, from_cli=True)
        except publishing.PublishRefused as refusal:
            db.session.rollback()
            result = {"published": False, "reason": refusal.reason, "message": publishing.refusal_message(refusal),
                      "errors": [conflict.as_dict() for conflict in refusal.errors]}
            click.echo(json.dumps(result, ensure_ascii=False) if as_json else result["message"])
            sys.exit(REFUSED)
        number, count = version.number, version.performance_count
        db.session.commit()
    if as_json:
        click.echo(json.dumps({"published": True, "version": number, "performances": count}))
    else:
        click.echo(f"Published version {number} ({count} performances).")


@click.command("changes", help="List what changed in a festival's schedule since its latest published version.")
@click.option("--festival", "slug", required=True, help="The festival's slug (as in its URLs).")
@click.option("--json", "as_json", is_flag=True, help="Print the changes as JSON.")
@with_appcontext
def changes_command(slug: str, as_json: bool) -> None:
    """Print the changes since the latest version (moved, added, removed); exit 1 when there are any."""
    festival = festival_or_fail(slug)
    changelog = publishing.pending_changes(festival)
    data = changelog.as_json()
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False))
    else:
        for change in data["changes"]:
            who = ", ".join(change["performers"])
            click.echo(f"{change['kind']} {change['class']} {who}: {_where(change['from'])} -> {_where(change['to'])}")
        since = f"version {changelog.since.number}" if changelog.since else "draft, never published"
        click.echo(f"Since {since}: {data['moved']} moved, {data['added']} added, {data['removed']} removed.")
    sys.exit(HAS_CHANGES if changelog.changes else 0)
