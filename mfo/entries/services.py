"""Entries: reading a festival's entries with everything their pages show, and changing an entry's status and payment.

Lists load entries with their class, performers, pieces, teacher, accompanist and group in a
fixed number of queries whatever their number. Changes are recorded in the audit trail in the
caller's transaction (the caller commits).
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from mfo.audit.trail import record
from mfo.entries.models import STATUSES, Entry, EntryPerformer, EntryPiece
from mfo.people.models import Group, Person, group_member
from mfo.syllabus.models import FestivalClass
from mfo.syllabus.services import class_order
from mfo.text import normalise_name


def with_everything(query: Select) -> Select:
    """Load what an entry's row shows: performers, pieces, teacher, accompanist and group (four more queries)."""
    return query.options(
        selectinload(Entry.performers).joinedload(EntryPerformer.person),
        selectinload(Entry.pieces).joinedload(EntryPiece.piece),
        joinedload(Entry.teacher),
        joinedload(Entry.accompanist),
        joinedload(Entry.group),
    )


def entries_query(festival_id: int) -> Select:
    """Return the query of a festival's entries in syllabus order, each with its class."""
    return (
        select(Entry)
        .join(Entry.festival_class)
        .where(Entry.festival_id == festival_id)
        .options(contains_eager(Entry.festival_class))
        .order_by(*class_order(), Entry.id)
    )


def name_search(text: str):
    """Return a condition on entries: a performer's or the group's name has every word typed, or the class code starts with it."""
    words = normalise_name(text).split()
    conditions = []
    if words:
        people = select(EntryPerformer.entry_id).join(Person, Person.id == EntryPerformer.person_id).where(
            *[Person.name_key.contains(word, autoescape=True) for word in words]
        )
        groups = select(Group.id).where(*[Group.name_key.contains(word, autoescape=True) for word in words])
        conditions += [Entry.id.in_(people), Entry.group_id.in_(groups)]
    code = "".join(text.split())
    if code:
        conditions.append((FestivalClass.number + FestivalClass.suffix).istartswith(code, autoescape=True))
    return or_(*conditions) if conditions else None


def person_entries_query(festival_id: int, person_id: int) -> Select:
    """Return the festival's entries a person is in: as a performer, a member of the group, the teacher or the accompanist."""
    groups = select(group_member.c.group_id).where(group_member.c.person_id == person_id)
    performs = select(EntryPerformer.entry_id).where(EntryPerformer.person_id == person_id)
    return entries_query(festival_id).where(
        or_(
            Entry.id.in_(performs),
            Entry.group_id.in_(groups),
            Entry.teacher_id == person_id,
            Entry.accompanist_id == person_id,
        )
    )


def parts_of(entry: Entry, person_id: int, group_ids: set[int]) -> list[str]:
    """Return a person's parts in an entry: "performer", "teacher", "accompanist"."""
    parts = []
    if any(p.person_id == person_id for p in entry.performers) or (entry.group_id in group_ids):
        parts.append("performer")
    if entry.teacher_id == person_id:
        parts.append("teacher")
    if entry.accompanist_id == person_id:
        parts.append("accompanist")
    return parts


def entry_target(entry: Entry) -> str:
    """Return how the audit trail names an entry: its id, class and performers."""
    return f"entry #{entry.id} {entry.festival_class.code} {entry.performer_names}"[:255]


def update_entry(entry: Entry, *, status: str, amount_paid: Decimal) -> dict[str, list]:
    """Change an entry's status and amount paid, and record what changed; return {field: [before, after]}."""
    if status not in STATUSES:
        raise ValueError(f"unknown status {status!r}")
    if amount_paid < 0:
        raise ValueError("an amount cannot be negative")
    changes: dict[str, list] = {}
    if entry.status != status:
        changes["status"] = [entry.status, status]
        entry.status = status
    if entry.amount_paid != amount_paid:
        changes["amount_paid"] = [str(entry.amount_paid), str(amount_paid)]
        entry.amount_paid = amount_paid
    if changes:
        record("entry-updated", target=entry_target(entry), details={"changes": changes})
    return changes
