"""`flask --app mfo schedule ...`: the schedule from the command line; other features add their commands here."""

from __future__ import annotations

from flask.cli import AppGroup

from mfo.schedule.commands_io import export_command

schedule_cli = AppGroup("schedule", help="A festival's schedule: export it; other features add their commands here.")
schedule_cli.add_command(export_command)
