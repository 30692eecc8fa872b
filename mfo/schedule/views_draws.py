"""The draws and sections page: per class its draw (method, order) and forms to draw again, split or join (organizers only).

Every action is a plain form POST with a CSRF token, needs `schedule-write`, refuses (404) a class
of another festival and is recorded in the audit trail by the service it calls.
"""

from __future__ import annotations

from collections import defaultdict

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_security import auth_required, current_user, permissions_accepted
from sqlalchemy import func, select

from mfo.database import db
from mfo.entries.models import ACTIVE_STATUSES, Entry
from mfo.festival.scoping import current_festival
from mfo.schedule.draws import COMPUTED_METHODS, DrawRefused, redraw
from mfo.schedule.labels import DRAW_METHOD_LABELS
from mfo.schedule.loading import load_problem
from mfo.schedule.models import ClassDraw, ScheduleEntry
from mfo.schedule.permissions import SCHEDULE_WRITE
from mfo.schedule.sections import LABELS, MIN_PARTS, SectionRefused, join_sections, split_class
from mfo.schedule.views import bp
from mfo.syllabus.models import FestivalClass


def _back(class_id: int | None = None):
    """Go back to the draws page (at the class's row), as a 303 after a POST."""
    return redirect(url_for("schedule.draws", _anchor=f"class-{class_id}" if class_id else None), code=303)


@bp.route("/draws")
@auth_required()
@permissions_accepted(SCHEDULE_WRITE)
def draws():
    """List the festival's classes with their draw method, seed, order and sections, and the forms that change them."""
    festival = current_festival()
    problem = load_problem(festival)
    classes = db.session.scalars(
        select(FestivalClass).where(FestivalClass.festival_id == festival.id).order_by(FestivalClass.number, FestivalClass.suffix)
    ).all()
    methods = {row.class_id: row for row in db.session.scalars(
        select(ClassDraw).join(FestivalClass, FestivalClass.id == ClassDraw.class_id).where(FestivalClass.festival_id == festival.id)
    )}
    active = (Entry.festival_id == festival.id, Entry.status.in_(ACTIVE_STATUSES))
    undrawn = dict(db.session.execute(
        select(Entry.class_id, func.count(Entry.id))
        .outerjoin(ScheduleEntry, ScheduleEntry.entry_id == Entry.id)
        .where(*active, ScheduleEntry.position.is_(None))
        .group_by(Entry.class_id)
    ).all())
    units = defaultdict(list)
    for unit in problem.units.values():
        units[unit.class_id].append(unit)
    return render_template(
        "schedule/draws.html", festival=festival, classes=classes, methods=methods, undrawn=undrawn, units=units,
        problem=problem, labels=DRAW_METHOD_LABELS, computed=COMPUTED_METHODS, min_parts=MIN_PARTS, max_parts=len(LABELS),
        names=lambda entry: ", ".join(sorted(problem.person_name(p) for p in entry.performer_ids)),
    )


@bp.route("/draws/<int:class_id>", methods=["POST"])
@auth_required()
@permissions_accepted(SCHEDULE_WRITE)
def make_draw(class_id: int):
    """Make a class's draw by the method chosen (a random one with a new seed), then go back to the draws page."""
    method = request.form.get("method", "")[:20]
    try:
        result = redraw(current_festival(), class_id, method, actor=current_user)
    except DrawRefused as refusal:
        abort(refusal.status)
    db.session.commit()
    if result.method == "random":
        flash(_("Class %(code)s drawn at random (seed %(seed)s).", code=result.festival_class.code, seed=result.seed), "success")
    else:
        flash(_("Class %(code)s drawn: %(method)s.", code=result.festival_class.code, method=DRAW_METHOD_LABELS[result.method]),
              "success")
    return _back(class_id)


@bp.route("/draws/<int:class_id>/split", methods=["POST"])
@auth_required()
@permissions_accepted(SCHEDULE_WRITE)
def split(class_id: int):
    """Split a class into the number of sections asked for, by its draw order, then go back to the draws page."""
    raw = request.form.get("parts", "")[:4]
    parts = int(raw) if raw.isdigit() else 0
    try:
        change = split_class(current_festival(), class_id, parts, actor=current_user)
    except SectionRefused as refusal:
        if refusal.status == 404:
            abort(404)
        db.session.rollback()
        flash(_("This class is already split: join its sections first.") if refusal.reason == "already-split"
              else _("Choose between 2 sections and as many sections as the class has entries."), "error")
        return _back(class_id)
    db.session.commit()
    flash(_("Class %(code)s is split into %(sections)s. Place the new sections on the board, or build the schedule.",
            code=change.festival_class.code, sections=", ".join(change.sections)), "success")
    return _back(class_id)


@bp.route("/draws/<int:class_id>/join", methods=["POST"])
@auth_required()
@permissions_accepted(SCHEDULE_WRITE)
def join(class_id: int):
    """Join a split class's sections back into one class, then go back to the draws page."""
    try:
        change = join_sections(current_festival(), class_id, actor=current_user)
    except SectionRefused as refusal:
        if refusal.status == 404:
            abort(404)
        db.session.rollback()
        flash(_("This class is not split."), "error")
        return _back(class_id)
    db.session.commit()
    flash(_("The sections of class %(code)s are joined back into one class.", code=change.festival_class.code), "success")
    return _back(class_id)
