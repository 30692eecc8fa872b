"""The entries pages of a festival: the list (filtered, a page at a time), an entry's page, and changing its status and payment."""

from __future__ import annotations

from decimal import Decimal

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_security import auth_required, current_user, permissions_accepted
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from mfo.database import db
from mfo.database.collation import reading
from mfo.entries.forms import EntryUpdateForm
from mfo.entries.labels import STATUS_LABELS
from mfo.entries.models import STATUSES, Entry
from mfo.entries.permissions import ENTRIES_READ, ENTRIES_WRITE
from mfo.entries.services import entries_query, name_search, update_entry, with_everything
from mfo.festival.scoping import current_festival, festival_blueprint
from mfo.festival.slots import ENTRY_PANELS, collect
from mfo.people.models import Person, School
from mfo.people.permissions import PEOPLE_READ
from mfo.syllabus.models import FestivalClass
from mfo.syllabus.services import class_order, disciplines_of

bp = festival_blueprint("entries", __name__, url_prefix="/entries", template_folder="templates")

PER_PAGE = 50


def _filters() -> dict:
    """Return the list's filters from the query string (wrong values are ignored)."""
    status = request.args.get("status")
    return {
        "class": request.args.get("class", type=int),
        "discipline": request.args.get("discipline", type=int),
        "status": status if status in STATUSES else None,
        "teacher": request.args.get("teacher", type=int),
        "school": request.args.get("school", type=int),
        "q": (request.args.get("q") or "").strip()[:100],
    }


@bp.route("/")
@auth_required()
@permissions_accepted(ENTRIES_READ)
def index():
    """List the festival's entries in syllabus order, filtered by class, discipline, status, teacher, school or a search."""
    festival = current_festival()
    filters = _filters()
    query = entries_query(festival.id)
    if filters["class"]:
        query = query.where(Entry.class_id == filters["class"])
    if filters["discipline"]:
        query = query.where(FestivalClass.discipline_id == filters["discipline"])
    if filters["status"]:
        query = query.where(Entry.status == filters["status"])
    if filters["teacher"]:
        query = query.where(Entry.teacher_id == filters["teacher"])
    if filters["school"]:
        query = query.where(Entry.school_id == filters["school"])
    if filters["q"] and (condition := name_search(filters["q"])) is not None:
        query = query.where(condition)
    page = db.paginate(with_everything(query), page=max(request.args.get("page", 1, type=int) or 1, 1), per_page=PER_PAGE,
                       error_out=False)
    in_festival = select(Entry.id).where(Entry.festival_id == festival.id)
    classes = db.session.execute(
        select(FestivalClass.id, FestivalClass.number, FestivalClass.suffix, FestivalClass.name)
        .where(FestivalClass.festival_id == festival.id)
        .order_by(*class_order())
    ).all()
    teachers = db.session.scalars(
        select(Person)
        .where(Person.id.in_(select(Entry.teacher_id).where(Entry.festival_id == festival.id)))
        .order_by(reading(Person.last_name), reading(Person.first_name))
    ).all()
    schools = db.session.scalars(
        select(School).where(School.id.in_(select(Entry.school_id).where(Entry.festival_id == festival.id))).order_by(reading(School.name))
    ).all()
    has_entries = bool(page.total) or db.session.scalar(in_festival.limit(1)) is not None
    return render_template(
        "entries/index.html",
        festival=festival,
        page=page,
        filters=filters,
        args={key: value for key, value in filters.items() if value},
        has_entries=has_entries,
        class_options=[(c.id, f"{c.number}{c.suffix} {c.name}") for c in classes],
        discipline_options=[(d.id, d.name) for d in disciplines_of(festival)],
        status_options=list(STATUS_LABELS.items()),
        teacher_options=[(t.id, t.full_name) for t in teachers],
        school_options=[(s.id, s.name) for s in schools],
    )


def festival_entry(entry_id: int) -> Entry:
    """Return the entry of this festival with that id, with everything its page shows (404 for another festival's)."""
    festival = current_festival()
    query = with_everything(select(Entry).where(Entry.id == entry_id, Entry.festival_id == festival.id)).options(
        joinedload(Entry.festival_class), joinedload(Entry.school)
    )
    entry = db.session.scalars(query).unique().one_or_none()
    if entry is None:
        abort(404)
    return entry


def _render_entry(entry: Entry, form: EntryUpdateForm | None):
    """Render an entry's page, with the update form for those who may change it."""
    return render_template(
        "entries/entry.html",
        festival=current_festival(),
        entry=entry,
        form=form,
        panels=collect(ENTRY_PANELS, entry),
        # The contacts given on the entry are personal data: only people-read holders get them.
        given_contacts=(entry.given_contacts or {}) if current_user.has_permission(PEOPLE_READ) else None,
    )


@bp.route("/<int:entry_id>")
@auth_required()
@permissions_accepted(ENTRIES_READ)
def entry_page(entry_id: int):
    """Show everything about an entry, where it came from, and its open issues."""
    entry = festival_entry(entry_id)
    form = EntryUpdateForm(obj=entry) if current_user.has_permission(ENTRIES_WRITE) else None
    return _render_entry(entry, form)


@bp.route("/<int:entry_id>/update", methods=["POST"])
@auth_required()
@permissions_accepted(ENTRIES_WRITE)
def update(entry_id: int):
    """Change an entry's status and amount paid (recorded in the audit trail)."""
    entry = festival_entry(entry_id)
    form = EntryUpdateForm()
    if not form.validate_on_submit():
        flash(_("Not saved: check the values below."), "error")
        return _render_entry(entry, form), 400
    changes = update_entry(entry, status=form.status.data, amount_paid=form.amount_paid.data or Decimal("0.00"))
    if changes:
        db.session.commit()
        flash(_("The entry has been saved."), "success")
    else:
        flash(_("Nothing was changed."), "info")
    return redirect(url_for("entries.entry_page", entry_id=entry.id), code=303)
