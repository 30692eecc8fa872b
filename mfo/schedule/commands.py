"""`flask --app mfo schedule check|solve --festival SLUG`: the schedule's conflicts and the solver from the command line.

Exit status: 0 a schedule without errors (checked, or found); 1 the schedule has errors (check), or
no schedule without errors was found (solve: nothing written); 2 an unknown festival or a bad
argument. Messages are in English. `solve --apply` writes the proposal, recorded in the audit trail.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import click
from flask.cli import AppGroup
from flask_babel import force_locale

from mfo.database import db
from mfo.schedule import services
from mfo.schedule.codes import Conflict
from mfo.schedule.commands_io import export_command, festival_or_fail
from mfo.schedule.commands_publish import changes_command, publish_command
from mfo.schedule.import_command import import_command
from mfo.schedule.solver import Weights

schedule_cli = AppGroup("schedule", help="A festival's schedule: its conflicts, the solver, export and import, publishing.")
schedule_cli.add_command(export_command)
schedule_cli.add_command(publish_command)
schedule_cli.add_command(changes_command)
schedule_cli.add_command(import_command)

# click's own usage errors exit with 2, like an unknown festival.
BAD_INPUT = 2
HAS_ERRORS = 1



def _conflict(conflict: Conflict) -> dict[str, Any]:
    """Return a conflict as JSON, its message in English."""
    return conflict.as_dict()


def _print_conflicts(conflicts: list[Conflict]) -> None:
    """Print each conflict on a line of its own."""
    for conflict in conflicts:
        click.echo(f"{conflict.severity} {conflict.code}: {conflict.message}")


@schedule_cli.command("check")
@click.option("--festival", "slug", required=True, help="The festival's slug (as in its URLs).")
@click.option("--json", "as_json", is_flag=True, help="Print the conflicts as JSON.")
def check_command(slug: str, as_json: bool) -> None:
    """List every conflict of the festival's schedule; exit 1 when one is an error."""
    festival = festival_or_fail(slug)
    with force_locale("en"):
        conflicts = services.check_festival(festival)
        errors = sum(1 for conflict in conflicts if conflict.severity == "error")
        if as_json:
            click.echo(json.dumps({"conflicts": [_conflict(c) for c in conflicts], "errors": errors}, ensure_ascii=False))
        else:
            _print_conflicts(conflicts)
            click.echo(f"{len(conflicts)} conflicts, {errors} errors.")
    sys.exit(HAS_ERRORS if errors else 0)


@schedule_cli.command("solve")
@click.option("--festival", "slug", required=True, help="The festival's slug (as in its URLs).")
@click.option("--time-limit", type=click.FloatRange(1, 3600), default=60, show_default=True, help="Seconds the solver may search.")
@click.option("--apply", "apply_it", is_flag=True, help="Write the schedule found (only one without errors), recorded in the audit trail.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option("--weight", "weights", multiple=True, metavar="NAME=POINTS",
              help="Change one weight of the objective (repeatable), e.g. --weight idle=2 --weight age_order=0; "
                   "see docs/scheduling.md.")
def solve_command(slug: str, time_limit: float, apply_it: bool, as_json: bool, weights: tuple[str, ...]) -> None:
    """Propose a schedule for the festival, keeping its pins; exit 1 when none without errors was found (nothing written)."""
    try:
        chosen = Weights.parse(weights)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--weight") from None
    festival = festival_or_fail(slug)
    with force_locale("en"):
        proposal, problem = services.propose(festival, time_limit=time_limit, weights=chosen)
        seen = services.review(problem, proposal)
        applied = False
        if apply_it and seen.error_free:
            services.apply(festival, proposal, problem, from_cli=True)
            db.session.commit()
            applied = True
        else:
            db.session.rollback()
        result = {
            "status": proposal.status,
            "error_free": seen.error_free,
            "applied": applied,
            "reasons": [{"code": r.code, "message": str(r.message)} for r in proposal.reasons],
            "conflicts": [_conflict(c) for c in seen.conflicts],
            "moved": [
                {"unit": move.unit_key, "label": move.label,
                 "from": _where(move.before), "to": _where(move.after)}
                for move in seen.moves
            ],
            "idle_seconds": seen.idle_after,
            "idle_seconds_before": seen.idle_before,
            "performer_days": seen.days_after,
            "performer_days_before": seen.days_before,
        }
        if as_json:
            click.echo(json.dumps(result, ensure_ascii=False))
        else:
            click.echo(f"Status: {proposal.status}.")
            for reason in result["reasons"]:
                click.echo(f"reason {reason['code']}: {reason['message']}")
            _print_conflicts(seen.conflicts)
            if proposal.after is not None:
                click.echo(f"{len(seen.moves)} classes moved; idle time {seen.idle_before // 60} -> {seen.idle_after // 60} minutes; "
                           f"performer-days {seen.days_before} -> {seen.days_after}.")
            if applied:
                click.echo("Applied.")
            elif apply_it or not seen.error_free:
                click.echo("Nothing was written.")
    sys.exit(0 if seen.error_free else HAS_ERRORS)


def _where(placement) -> dict[str, Any] | None:
    """Return a placement's session and start as JSON (None: not placed)."""
    if placement is None:
        return None
    return {"session": placement.session_id, "start": placement.start.isoformat(timespec="minutes")}
