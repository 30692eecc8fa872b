"""The people pages of a festival: find a person by name, a person's page, the schools and the groups.

Names are shown to whoever may see the festival (festival-read); birth dates, addresses, phone
numbers and emails only to holders of people-read. That rule is kept here, on the server: without
people-read the templates are never given those values (see `personal_data`), so no template
change can show them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import abort, render_template, request
from flask_security import auth_required, current_user, permissions_accepted
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from mfo.database import db
from mfo.database.collation import reading
from mfo.festival.permissions import FESTIVAL_READ
from mfo.festival.scoping import current_festival, festival_blueprint
from mfo.festival.slots import PERSON_PANELS, collect
from mfo.festival.values import age_on
from mfo.people.models import Group, Person, School, group_member
from mfo.people.permissions import PEOPLE_READ
from mfo.text import normalise_name

bp = festival_blueprint("people", __name__, url_prefix="/people", template_folder="templates")

PER_PAGE = 50


@dataclass(frozen=True)
class PersonalData:
    """What only people-read holders see of a person."""

    birth_date: date | None
    age: int | None
    email: str | None
    phone: str | None
    address: str | None
    guardian: Person | None


def may_see_personal_data() -> bool:
    """Tell whether the signed-in user may see birth dates, addresses, phone numbers and emails."""
    return current_user.has_permission(PEOPLE_READ)


def personal_data(person: Person, cutoff: date, *, guardian: bool = True) -> PersonalData | None:
    """Return a person's personal data for a holder of people-read, or None for anyone else.

    Lists pass guardian=False: reading each person's guardian would cost a query per row.
    """
    if not may_see_personal_data():
        return None
    return PersonalData(
        birth_date=person.birth_date,
        age=age_on(person.birth_date, cutoff) if person.birth_date else None,
        email=person.email,
        phone=person.phone,
        address=person.address,
        guardian=person.guardian if guardian else None,
    )


def name_matches(column, text: str):
    """Return a condition: every word typed is in the name key (accents, case and punctuation ignored)."""
    words = normalise_name(text).split()
    return [column.contains(word, autoescape=True) for word in words]


def _page_number() -> int:
    """Return the page asked for (1 when missing or wrong)."""
    return max(request.args.get("page", 1, type=int) or 1, 1)


@bp.route("/")
@auth_required()
@permissions_accepted(FESTIVAL_READ)
def index():
    """Find people by name (accents and case ignored), a page at a time."""
    festival = current_festival()
    q = (request.args.get("q") or "").strip()[:100]
    query = select(Person).options(joinedload(Person.school)).order_by(reading(Person.last_name), reading(Person.first_name), Person.id)
    conditions = name_matches(Person.name_key, q)
    if conditions:
        query = query.where(*conditions)
    page = db.paginate(query, page=_page_number(), per_page=PER_PAGE, error_out=False)
    show_personal = may_see_personal_data()
    rows = [(person, personal_data(person, festival.age_cutoff, guardian=False)) for person in page.items]
    return render_template(
        "people/index.html", festival=festival, page=page, rows=rows, q=q, args={"q": q} if q else {}, show_personal=show_personal
    )


@bp.route("/<int:person_id>")
@auth_required()
@permissions_accepted(FESTIVAL_READ)
def person(person_id: int):
    """Show a person: school, groups, their part in this festival's entries, and (for people-read) personal data."""
    festival = current_festival()
    found = db.session.get(Person, person_id, options=[joinedload(Person.school)])
    if found is None:
        abort(404)
    groups = db.session.scalars(
        select(Group)
        .where(or_(Group.id.in_(select(group_member.c.group_id).where(group_member.c.person_id == found.id)), Group.contact_id == found.id))
        .options(joinedload(Group.school))
        .order_by(reading(Group.name))
    ).all()
    return render_template(
        "people/person.html",
        festival=festival,
        person=found,
        personal=personal_data(found, festival.age_cutoff),
        groups=groups,
        panels=collect(PERSON_PANELS, festival, found),
    )


@bp.route("/schools")
@auth_required()
@permissions_accepted(FESTIVAL_READ)
def schools():
    """List the schools with how many people and groups each has."""
    festival = current_festival()
    q = (request.args.get("q") or "").strip()[:100]
    people = select(Person.school_id, func.count(Person.id).label("n")).group_by(Person.school_id).subquery()
    groups = select(Group.school_id, func.count(Group.id).label("n")).group_by(Group.school_id).subquery()
    query = (
        select(School, func.coalesce(people.c.n, 0), func.coalesce(groups.c.n, 0))
        .outerjoin(people, people.c.school_id == School.id)
        .outerjoin(groups, groups.c.school_id == School.id)
        .order_by(reading(School.name), School.id)
    )
    conditions = name_matches(School.key, q)
    if conditions:
        query = query.where(*conditions)
    rows = db.session.execute(query).all()
    return render_template("people/schools.html", festival=festival, rows=rows, q=q)


@bp.route("/groups")
@auth_required()
@permissions_accepted(FESTIVAL_READ)
def groups():
    """List the groups with their school, contact and members, a page at a time."""
    festival = current_festival()
    q = (request.args.get("q") or "").strip()[:100]
    query = (
        select(Group)
        .options(joinedload(Group.school), joinedload(Group.contact), selectinload(Group.members))
        .order_by(reading(Group.name), Group.id)
    )
    conditions = name_matches(Group.name_key, q)
    if conditions:
        query = query.where(*conditions)
    page = db.paginate(query, page=_page_number(), per_page=PER_PAGE, error_out=False)
    return render_template("people/groups.html", festival=festival, page=page, q=q, args={"q": q} if q else {})
