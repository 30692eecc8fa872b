"""The syllabus pages of a festival: its classes by discipline and level, a class's page, and starting next season from it."""

from __future__ import annotations

from itertools import groupby

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_security import auth_required, current_user, permissions_accepted, permissions_required
from sqlalchemy import or_, select

from mfo.database import db
from mfo.festival.forms import FestivalForm
from mfo.festival.permissions import FESTIVAL_WRITE
from mfo.festival.scoping import current_festival, festival_blueprint
from mfo.festival.services import FestivalError
from mfo.festival.slots import CLASS_COUNTS, CLASS_PANELS, collect, collect_counts
from mfo.syllabus.labels import CLASS_TYPE_LABELS
from mfo.syllabus.models import CLASS_TYPES, FestivalClass
from mfo.syllabus.permissions import SYLLABUS_READ, SYLLABUS_WRITE
from mfo.syllabus.services import classes_query, disciplines_of, levels_of, next_season, roll_over

bp = festival_blueprint("syllabus", __name__, template_folder="templates")


def _int_arg(name: str) -> int | None:
    """Return a whole-number query argument, or None when it is missing or not a number."""
    return request.args.get(name, type=int)


@bp.route("/classes/")
@auth_required()
@permissions_accepted(SYLLABUS_READ)
def classes():
    """List the festival's classes by discipline and level, filtered by discipline, level, type or a search."""
    festival = current_festival()
    filters = {
        "discipline": _int_arg("discipline"),
        "level": _int_arg("level"),
        "type": request.args.get("type") if request.args.get("type") in CLASS_TYPES else None,
        "q": (request.args.get("q") or "").strip()[:100],
    }
    query = classes_query(festival)
    if filters["discipline"]:
        query = query.where(FestivalClass.discipline_id == filters["discipline"])
    if filters["level"]:
        query = query.where(FestivalClass.level_id == filters["level"])
    if filters["type"]:
        query = query.where(FestivalClass.class_type == filters["type"])
    if filters["q"]:
        code = "".join(filters["q"].split())
        query = query.where(
            or_(
                (FestivalClass.number + FestivalClass.suffix).istartswith(code, autoescape=True),
                FestivalClass.name.icontains(filters["q"], autoescape=True),
            )
        )
    found = db.session.scalars(query).unique().all()
    groups = [
        (discipline, level, list(members))
        for (discipline, level), members in groupby(found, key=lambda c: (c.discipline, c.level))
    ]
    disciplines = disciplines_of(festival)
    levels = levels_of(festival)
    has_classes = bool(found) or db.session.scalar(select(FestivalClass.id).where(FestivalClass.festival_id == festival.id).limit(1))
    return render_template(
        "syllabus/classes.html",
        festival=festival,
        groups=groups,
        total=len(found),
        has_classes=has_classes,
        # None when no installed feature counts entries (the column is left out rather than showing zeros).
        counts=collect_counts(CLASS_COUNTS, festival),
        disciplines=[(d.id, d.name) for d in disciplines],
        levels=[(level.id, level.name) for level in levels],
        types=list(CLASS_TYPE_LABELS.items()),
        filters=filters,
        args={key: value for key, value in filters.items() if value},
        may_write=current_user.has_permission(SYLLABUS_WRITE),
    )


@bp.route("/classes/<int:class_id>")
@auth_required()
@permissions_accepted(SYLLABUS_READ)
def class_page(class_id: int):
    """Show one class: its rules, set pieces, and what other features know of it (its entries, its time)."""
    festival = current_festival()
    festival_class = db.session.get(FestivalClass, class_id)
    if festival_class is None or festival_class.festival_id != festival.id:
        abort(404)  # another festival's class is not found here
    return render_template(
        "syllabus/class.html",
        festival=festival,
        festival_class=festival_class,
        panels=collect(CLASS_PANELS, festival_class),
        may_write=current_user.has_permission(SYLLABUS_WRITE),
    )


@bp.route("/roll-over", methods=["GET", "POST"], endpoint="roll_over")
@auth_required()
@permissions_required(FESTIVAL_WRITE, SYLLABUS_WRITE)
def roll_over_view():
    """Start next season: a new festival with a copy of this one's syllabus (dates a year on unless changed)."""
    festival = current_festival()
    form = FestivalForm(obj=None if request.method == "POST" else next_season(festival))
    form.submit.label.text = _("Start next season")
    if form.validate_on_submit():
        settings = form.settings()
        try:
            new = roll_over(festival, settings)
        except FestivalError as error:
            db.session.rollback()
            for name, message in error.errors.items():
                getattr(form, name).errors = [*getattr(form, name).errors, message]
        else:
            db.session.commit()
            flash(_("%(name)s has been created with a copy of the syllabus of %(source)s.", name=new.name, source=festival.name), "success")
            return redirect(url_for("festival.detail", festival_slug=new.slug), code=303)
    return render_template("syllabus/roll_over.html", festival=festival, form=form)
