"""The entries feature's part of a person's data (their entries, every festival) and of forgetting people (a purge)."""

from __future__ import annotations

from sqlalchemy import or_, select, update
from sqlalchemy.orm import selectinload

from mfo.database import db
from mfo.entries.models import Entry, EntryPerformer, EntryPiece
from mfo.people.models import Person, group_member


def personal_data(person: Person) -> dict:
    """Return every entry the person is in (performer, group member, teacher, accompanist), for a data request."""
    groups = select(group_member.c.group_id).where(group_member.c.person_id == person.id)
    performs = select(EntryPerformer.entry_id).where(EntryPerformer.person_id == person.id)
    entries = db.session.scalars(
        select(Entry)
        .where(or_(Entry.id.in_(performs), Entry.group_id.in_(groups), Entry.teacher_id == person.id, Entry.accompanist_id == person.id))
        .options(selectinload(Entry.pieces).selectinload(EntryPiece.piece), selectinload(Entry.performers))
        .order_by(Entry.festival_id, Entry.id)
    ).all()
    return {
        "entries": [
            {
                "id": entry.id, "festival": entry.festival.slug, "class": entry.festival_class.code, "status": entry.status,
                "source": entry.source, "fee": str(entry.fee), "amount_paid": str(entry.amount_paid),
                "performer_ids": [p.person_id for p in entry.performers], "teacher_id": entry.teacher_id,
                "accompanist_id": entry.accompanist_id, "comments": entry.comments, "contacts_given": entry.given_contacts,
                "pieces": [{"title": p.piece.title, "composer": p.piece.composer, "duration": p.duration} for p in entry.pieces],
            }
            for entry in entries
        ]
    }


def forget_people(plan) -> None:
    """Remove the contacts typed with the purged festivals' entries and their comments (they may name people)."""
    if plan.festival_ids:
        db.session.execute(
            update(Entry).where(Entry.festival_id.in_(plan.festival_ids)).values(given_contacts={}, comments=None)
            .execution_options(synchronize_session=False)
        )
