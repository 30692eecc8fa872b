"""The Schedule tab of a festival: its venues with their hours, its adjudicators, and its sessions day by day."""

from __future__ import annotations

from itertools import groupby

from flask import render_template
from flask_security import auth_required, current_user, permissions_accepted
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from mfo.adjudicators.models import Adjudicator
from mfo.adjudicators.permissions import ADJUDICATOR_WRITE
from mfo.database import db
from mfo.database.collation import reading
from mfo.festival.scoping import current_festival, festival_blueprint
from mfo.people.models import Person
from mfo.permissions import ADMIN_ACCESS
from mfo.schedule import publishing
from mfo.schedule.models import ClassSection, Placement, Session
from mfo.schedule.permissions import SCHEDULE_READ, SCHEDULE_WRITE
from mfo.venues.models import Venue
from mfo.venues.permissions import VENUE_WRITE

bp = festival_blueprint("schedule", __name__, url_prefix="/schedule", template_folder="templates")


def may_edit(permission: str) -> bool:
    """Tell whether the signed-in user may change these records in the admin (admin access and the write permission)."""
    return current_user.has_permission(ADMIN_ACCESS) and current_user.has_permission(permission)


@bp.route("/")
@auth_required()
@permissions_accepted(SCHEDULE_READ)
def index():
    """List the festival's venues (with opening hours), adjudicators (disciplines, availability) and sessions by day."""
    festival = current_festival()
    venues = db.session.scalars(
        select(Venue).where(Venue.festival_id == festival.id).options(selectinload(Venue.opening)).order_by(Venue.name)
    ).all()
    adjudicators = db.session.scalars(
        select(Adjudicator)
        .join(Person, Person.id == Adjudicator.person_id)
        .where(Adjudicator.festival_id == festival.id)
        .options(joinedload(Adjudicator.person), selectinload(Adjudicator.disciplines), selectinload(Adjudicator.availability))
        .order_by(reading(Person.last_name), reading(Person.first_name))
    ).all()
    sessions = db.session.scalars(
        select(Session)
        .where(Session.festival_id == festival.id)
        .options(
            joinedload(Session.venue),
            joinedload(Session.adjudicator).joinedload(Adjudicator.person),
            joinedload(Session.discipline),
            selectinload(Session.breaks),
        )
        .order_by(Session.day, Session.start, Session.id)
    ).all()
    placements = db.session.scalars(
        select(Placement)
        .where(Placement.festival_id == festival.id)
        .options(joinedload(Placement.festival_class), joinedload(Placement.section).joinedload(ClassSection.festival_class))
        .order_by(Placement.start, Placement.id)
    ).all()
    placed: dict[int, list[Placement]] = {}
    for placement in placements:
        placed.setdefault(placement.session_id, []).append(placement)
    days = [(day, list(members)) for day, members in groupby(sessions, key=lambda s: s.day)]
    return render_template(
        "schedule/index.html",
        festival=festival,
        venues=venues,
        adjudicators=adjudicators,
        days=days,
        placed=placed,
        edit_venues=may_edit(VENUE_WRITE),
        edit_adjudicators=may_edit(ADJUDICATOR_WRITE),
        edit_sessions=may_edit(SCHEDULE_WRITE),
        build_schedule=current_user.has_permission(SCHEDULE_WRITE),
        publish_state=publishing.status(festival),
    )
