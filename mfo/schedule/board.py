"""The schedule board: one festival day with venues as columns and sessions as blocks; organizers move and pin classes."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_security import auth_required, current_user, permissions_accepted

from mfo.festival.scoping import current_festival
from mfo.schedule import problem as plain
from mfo.schedule.codes import Conflict
from mfo.schedule.conflicts import check
from mfo.schedule.loading import load_problem, load_schedule, schedule_revision
from mfo.schedule.moves import MoveRefused, MoveResult, move, move_in_draw, pin
from mfo.schedule.permissions import SCHEDULE_READ, SCHEDULE_WRITE
from mfo.schedule.views import bp

# The board's script and styles; served outside the festival's prefix (a static folder takes no slug).
static_bp = Blueprint("schedule_static", __name__, static_folder="static", static_url_path="/schedule/static")

# Card heights: one step of the stylesheet's scale per five minutes, up to four hours.
MINUTES_PER_STEP = 5
MAX_STEP = 48


@dataclass
class Card:
    """A class (or section) on the board: what it is, when it runs, and how many conflicts involve it."""

    unit: plain.Unit
    placement: plain.Placement | None
    conflicts: int = 0

    @property
    def step(self) -> int:
        """Return the card's height on the stylesheet's scale (its duration in five-minute steps)."""
        return max(1, min(MAX_STEP, round(self.unit.seconds / 60 / MINUTES_PER_STEP)))

    @property
    def end(self):
        """Return when the card's class ends (None when unplaced)."""
        if self.placement is None:
            return None
        return self.placement.start + timedelta(seconds=self.unit.seconds)


@dataclass
class Column:
    """A venue on the board's day, with its sessions in time order (each with its cards)."""

    venue: plain.Venue
    sessions: list[tuple[plain.Session, list[Card]]] = field(default_factory=list)


def _day_arg(days: list[date]) -> date | None:
    """Return the day asked for (?day=YYYY-MM-DD), the first festival day when none or an unknown one is asked."""
    try:
        asked = date.fromisoformat(request.args.get("day", ""))
    except ValueError:
        asked = None
    return asked if asked in days else (days[0] if days else None)


@bp.route("/board")
@auth_required()
@permissions_accepted(SCHEDULE_READ)
def board():
    """Show one day of the schedule: venues as columns, sessions as blocks, classes as cards, and the day's conflicts."""
    festival = current_festival()
    # Read before the placements: a change made in between makes the page's revision stale (refused), never the reverse.
    revision = schedule_revision(festival)
    problem = load_problem(festival)
    schedule = load_schedule(festival, problem)
    conflicts = check(problem, schedule)
    counts = Counter(key for conflict in conflicts for key in conflict.units)
    days = sorted({session.start.date() for session in problem.sessions.values()})
    day = _day_arg(days)
    columns: dict[int, Column] = {}
    day_sessions = sorted(
        (session for session in problem.sessions.values() if session.start.date() == day),
        key=lambda session: (problem.venues[session.venue_id].name, session.start, session.id),
    )
    for session in day_sessions:
        cards = [Card(problem.units[p.unit_key], p, counts[p.unit_key]) for p in schedule.in_session(session.id)]
        column = columns.setdefault(session.venue_id, Column(problem.venues[session.venue_id]))
        column.sessions.append((session, cards))
    tray = [
        Card(unit, None, counts[key])
        for key, unit in sorted(problem.units.items(), key=lambda item: (item[1].label, item[0]))
        if key not in schedule.placements
    ]
    on_day = {session.id for session in day_sessions}
    units_on_day = {p.unit_key for p in schedule.placements.values() if p.session_id in on_day}
    shown = [c for c in conflicts if on_day.intersection(c.sessions) or units_on_day.intersection(c.units)]
    # Every session of the festival, for the "Move to..." forms (a class may move to another day).
    targets = sorted(problem.sessions.values(), key=lambda session: (session.start, problem.venues[session.venue_id].name))
    return render_template(
        "schedule/board.html",
        festival=festival,
        problem=problem,
        days=days,
        day=day,
        columns=list(columns.values()),
        tray=tray,
        conflicts=shown,
        targets=targets,
        revision=revision,
        may_move=current_user.has_permission(SCHEDULE_WRITE),
        performers=lambda entry: ", ".join(sorted(problem.person_name(person) for person in entry.performer_ids)),
    )


def _conflict_lines(conflicts: list[Conflict]) -> str:
    """Return conflicts' messages as one line of text for a flash message."""
    return " ".join(str(conflict.message) for conflict in conflicts)


def _answer(result: MoveResult, done: str, day: str | None):
    """Answer a change: JSON for the board's script, otherwise a flash of what changed and a redirect back to the board."""
    if request.is_json:
        return jsonify({"message": done, **result.as_dict()})
    flash(done, "success")
    if result.created:
        flash(_("Conflicts created: %(list)s", list=_conflict_lines(result.created)), "warning")
    if result.removed:
        flash(_("Conflicts removed: %(list)s", list=_conflict_lines(result.removed)), "info")
    return redirect(url_for("schedule.board", day=day) if day else url_for("schedule.board"), code=303)


def _refused(refusal: MoveRefused, day: str | None):
    """Answer a refused change: its status with a reason for the script, a flash for a plain form (a crafted one gets the status)."""
    message = {
        "pinned": _("This class is pinned: unpin it before moving it."),
        "unscheduled": _("Only a placed class can be pinned."),
        "stale": _("Someone else changed the schedule since this board was loaded, so nothing was changed. "
                   "The board now shows the schedule as it is: make your change again if it is still needed."),
    }.get(refusal.reason, _("That class or session is not this festival's."))
    if request.is_json:
        if refusal.reason == "stale":
            # The script reloads the board at once: the message waits for the fresh page.
            flash(message, "warning")
            return jsonify({"error": refusal.reason, "message": message, "reload": True}), refusal.status
        return jsonify({"error": refusal.reason, "message": message}), refusal.status
    if refusal.status == 400:
        abort(400)
    flash(message, "error")
    return redirect(url_for("schedule.board", day=day) if day else url_for("schedule.board"), code=303)


def _values() -> dict:
    """Return the change's fields, from a JSON body or a form."""
    if request.is_json:
        values = request.get_json(silent=True)
        if not isinstance(values, dict):
            abort(400)
        return values
    return request.form.to_dict()


def _revision(values: dict) -> str | None:
    """Return the schedule's revision the change was made on (a digest: anything longer is no revision)."""
    revision = values.get("revision")
    return revision if isinstance(revision, str) and 0 < len(revision) <= 128 else None


def _shown_order(value: str | None) -> list[int] | None:
    """Return the draw the page showed ("12,7,30": entry ids), None for none or anything else (bounded before it is read)."""
    if not value or len(value) > 10000:
        return None
    parts = value.split(",")
    if not all(part.isdigit() and len(part) <= 12 for part in parts):
        return None
    return [int(part) for part in parts]


def _int_or_none(value) -> int | None:
    """Return a whole number given as a number or text, None for none or empty; refuse anything else (400)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        abort(400)
    try:
        return int(value)
    except (TypeError, ValueError):
        abort(400)


@bp.route("/board/move", methods=["POST"])
@auth_required()
@permissions_accepted(SCHEDULE_WRITE)
def board_move():
    """Move a class to a session and position (JSON from the board's script, or the "Move to..." form); re-pack and save."""
    values = _values()
    unit_key = str(values.get("unit") or "")
    session_id = _int_or_none(values.get("session"))
    position = _int_or_none(values.get("position"))
    if request.is_json:
        position = position or 0
    else:
        # People count from 1 in the form; the script counts from 0.
        position = (position or 1) - 1
    day = values.get("day") or None
    try:
        result = move(current_festival(), unit_key, session_id, position, _revision(values))
    except MoveRefused as refusal:
        return _refused(refusal, day)
    label = result.problem.units[unit_key].label
    if session_id is None:
        done = _("Class %(label)s moved to the unscheduled classes.", label=label)
    else:
        done = _("Class %(label)s moved to %(session)s, position %(position)s.", label=label,
                 session=result.problem.sessions[session_id].name or f"#{session_id}", position=position + 1)
    return _answer(result, done, day)


@bp.route("/board/pin", methods=["POST"])
@auth_required()
@permissions_accepted(SCHEDULE_WRITE)
def board_pin():
    """Pin a placed class where it is, or unpin it."""
    values = _values()
    unit_key = str(values.get("unit") or "")
    pinned = str(values.get("pinned", "")).lower() in ("1", "true", "on", "yes")
    day = values.get("day") or None
    try:
        result = pin(current_festival(), unit_key, pinned, _revision(values))
    except MoveRefused as refusal:
        return _refused(refusal, day)
    label = result.problem.units[unit_key].label
    done = _("Class %(label)s pinned.", label=label) if pinned else _("Class %(label)s unpinned.", label=label)
    return _answer(result, done, day)


@bp.route("/board/draw", methods=["POST"])
@auth_required()
@permissions_accepted(SCHEDULE_WRITE)
def board_draw():
    """Move an entry one place up or down in its class's draw (a plain form), then go back to the board."""
    values = request.form.to_dict()
    unit_key = values.get("unit", "")
    step = -1 if values.get("direction") == "up" else 1 if values.get("direction") == "down" else 0
    day = values.get("day") or None
    try:
        label, _order = move_in_draw(current_festival(), unit_key, _int_or_none(values.get("entry")) or 0, step,
                                     _shown_order(values.get("order")))
    except MoveRefused as refusal:
        if refusal.status == 400:
            abort(400)
        return _refused(refusal, day)
    flash(_("The draw of class %(label)s is changed.", label=label), "success")
    return redirect(url_for("schedule.board", day=day) if day else url_for("schedule.board"), code=303)
