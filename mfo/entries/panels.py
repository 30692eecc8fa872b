"""What the entries feature adds to the pages of lower features: a class's entries and time, a person's entries, the festival's numbers.

Each provider checks entries-read itself: the page it fills may be open to users who may not
read entries, and then the provider gives nothing.
"""

from __future__ import annotations

from flask import Flask, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_security import current_user
from markupsafe import Markup
from sqlalchemy import func, select

from mfo.database import db
from mfo.entries.models import ACTIVE_STATUSES, Entry
from mfo.entries.permissions import ENTRIES_READ
from mfo.entries.services import entries_query, parts_of, person_entries_query, with_everything
from mfo.entries.timing import class_seconds, entry_seconds
from mfo.festival.models import Festival
from mfo.festival.scoping import format_money
from mfo.festival.slots import CLASS_COUNTS, CLASS_PANELS, FESTIVAL_FACTS, PERSON_PANELS, Fact, provide
from mfo.people.models import Person, group_member
from mfo.syllabus.models import FestivalClass


def _may_read() -> bool:
    """Tell whether the signed-in user may read entries."""
    return current_user.has_permission(ENTRIES_READ)


def class_counts(festival: Festival) -> dict[int, int] | None:
    """Return the number of active entries of each class of the festival (one query)."""
    if not _may_read():
        return None
    rows = db.session.execute(
        select(Entry.class_id, func.count(Entry.id))
        .where(Entry.festival_id == festival.id, Entry.status.in_(ACTIVE_STATUSES))
        .group_by(Entry.class_id)
    )
    return {class_id: count for class_id, count in rows}


def class_panel(festival_class: FestivalClass) -> Markup | None:
    """Return the class page's list of entries with each one's time and the class's estimated time."""
    if not _may_read():
        return None
    entries = db.session.scalars(
        with_everything(entries_query(festival_class.festival_id).where(Entry.class_id == festival_class.id))
    ).unique().all()
    active = [entry for entry in entries if entry.status in ACTIVE_STATUSES]
    return Markup(
        render_template(
            "entries/_class_entries.html",
            festival_class=festival_class,
            entries=entries,
            active=len(active),
            times={entry.id: entry_seconds(entry.total_duration, festival_class) for entry in active},
            estimated=class_seconds(festival_class, (entry.total_duration for entry in active)),
        )
    )


def person_panel(festival: Festival, person: Person) -> Markup | None:
    """Return a person's page's list of their entries in the festival: as performer, group member, teacher or accompanist."""
    if not _may_read():
        return None
    entries = db.session.scalars(with_everything(person_entries_query(festival.id, person.id))).unique().all()
    group_ids = set(db.session.scalars(select(group_member.c.group_id).where(group_member.c.person_id == person.id)))
    rows = [(entry, parts_of(entry, person.id, group_ids)) for entry in entries]
    return Markup(render_template("entries/_person_entries.html", festival=festival, person=person, rows=rows))


def festival_facts(festival: Festival) -> list[Fact] | None:
    """Return the festival's numbers of active and withdrawn entries, and fees expected and paid (one query)."""
    if not _may_read():
        return None
    active = Entry.status.in_(ACTIVE_STATUSES)
    count, withdrawn, fees, paid = db.session.execute(
        select(
            func.count(Entry.id).filter(active),
            func.count(Entry.id).filter(~active),
            func.coalesce(func.sum(Entry.fee).filter(active), 0),
            func.coalesce(func.sum(Entry.amount_paid), 0),
        ).where(Entry.festival_id == festival.id)
    ).one()
    url = url_for("entries.index", festival_slug=festival.slug)
    return [
        Fact("entries", _l("Entries"), count, url),
        Fact("withdrawn", _l("Withdrawn or scratched"), withdrawn),
        Fact("fees", _l("Fees expected"), format_money(fees)),
        Fact("paid", _l("Paid"), format_money(paid)),
    ]


def init_panels(app: Flask) -> None:
    """Fill the festival's, the classes' and the people's slots with what entries know."""
    provide(app, FESTIVAL_FACTS, festival_facts)
    provide(app, CLASS_COUNTS, class_counts)
    provide(app, CLASS_PANELS, class_panel)
    provide(app, PERSON_PANELS, person_panel)
