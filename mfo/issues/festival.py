"""Every open problem of a festival, found by the validator's rules over the entries in the database.

The festival's classes, entries (with performers, pieces, teacher and accompanist) and people are
read in a fixed number of queries, however many entries there are.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from mfo.database import db
from mfo.entries.models import ACTIVE_STATUSES, Entry, EntryPerformer, EntryPiece
from mfo.festival.models import Festival
from mfo.issues.codes import CODES, Issue
from mfo.issues.rules import (
    ClassInfo,
    EntryDraft,
    KnownPerson,
    PersonRef,
    PieceRef,
    check_duplicate_entries,
    check_duplicate_people,
    check_entry,
)
from mfo.people.models import Person
from mfo.syllabus.models import FestivalClass, SetPiece


def class_info(festival_class: FestivalClass) -> ClassInfo:
    """Return what the rules need of a class (its set pieces loaded)."""
    return ClassInfo(
        code=festival_class.code,
        class_type=festival_class.class_type,
        performers=festival_class.performers_needed,
        min_age=festival_class.min_age,
        max_age=festival_class.max_age,
        time_limit=festival_class.time_limit,
        accompanist_required=festival_class.accompanist_required,
        set_pieces=tuple((sp.piece.title, sp.piece.composer) for sp in festival_class.set_pieces),
        id=festival_class.id,
    )


def class_infos(festival_id: int) -> dict[int, ClassInfo]:
    """Return every class of a festival by id, with its set pieces (two queries)."""
    classes = db.session.scalars(
        select(FestivalClass)
        .where(FestivalClass.festival_id == festival_id)
        .options(selectinload(FestivalClass.set_pieces).joinedload(SetPiece.piece))
    )
    return {c.id: class_info(c) for c in classes}


def person_ref(person: Person, given: dict | None = None) -> PersonRef:
    """Return a person named by an entry: what the entry gave (`given`), and what is on file."""
    given = given or {}
    return PersonRef(
        first_name=person.first_name,
        last_name=person.last_name,
        birth_date=person.birth_date,
        email=given.get("email"),
        phone=given.get("phone"),
        person_id=person.id,
        known_email=person.email,
        known_phone=person.phone,
    )


def entry_draft(entry: Entry, classes: dict[int, ClassInfo]) -> EntryDraft:
    """Return an entry of the database as the rules read it."""
    given = entry.given_contacts or {}
    performers = [person_ref(p.person) for p in entry.performers]
    if performers:
        first = performers[0]
        first.email, first.phone = given.get("performer", {}).get("email"), given.get("performer", {}).get("phone")
    info = classes.get(entry.class_id)
    return EntryDraft(
        # A class outside the festival's syllabus (another festival's) is named by its own code.
        class_code=info.code if info else entry.festival_class.code,
        festival_class=info,
        performers=performers,
        group_name=entry.group.name if entry.group else None,
        teacher=person_ref(entry.teacher, given.get("teacher")) if entry.teacher else None,
        accompanist=person_ref(entry.accompanist, given.get("accompanist")) if entry.accompanist else None,
        pieces=[
            PieceRef(p.piece.title, p.piece.composer, p.duration, p.piece.duration, p.piece_id) for p in entry.pieces
        ],
        entry_id=entry.id,
    )


def entry_drafts(festival_id: int, classes: dict[int, ClassInfo], entry_ids: Iterable[int] | None = None) -> list[EntryDraft]:
    """Return the festival's active entries (or the given ones) as drafts, in a fixed number of queries."""
    query = (
        select(Entry)
        .where(Entry.festival_id == festival_id, Entry.status.in_(ACTIVE_STATUSES))
        .options(
            selectinload(Entry.performers).joinedload(EntryPerformer.person),
            selectinload(Entry.pieces).joinedload(EntryPiece.piece),
            selectinload(Entry.teacher),
            selectinload(Entry.accompanist),
            selectinload(Entry.group),
        )
        .order_by(Entry.id)
    )
    if entry_ids is not None:
        query = query.where(Entry.id.in_(list(entry_ids)))
    return [entry_draft(entry, classes) for entry in db.session.scalars(query)]


def festival_people(festival_id: int) -> list[KnownPerson]:
    """Return everyone the festival's active entries name: performers, teachers and accompanists."""
    active = select(Entry.id).where(Entry.festival_id == festival_id, Entry.status.in_(ACTIVE_STATUSES))
    performers = select(EntryPerformer.person_id).where(EntryPerformer.entry_id.in_(active))
    helpers = select(Entry.teacher_id).where(Entry.id.in_(active)).union(
        select(Entry.accompanist_id).where(Entry.id.in_(active))
    )
    people = db.session.scalars(select(Person).where(or_(Person.id.in_(performers), Person.id.in_(helpers))))
    return [KnownPerson(p.id, p.first_name, p.last_name, p.birth_date, p.email, p.phone) for p in people]


def festival_issues(festival: Festival) -> list[Issue]:
    """Return every open problem of the festival: each active entry's, duplicates of entries and of people."""
    classes = class_infos(festival.id)
    drafts = entry_drafts(festival.id, classes)
    issues = [issue for draft in drafts for issue in check_entry(draft, festival.age_cutoff)]
    issues += check_duplicate_entries(drafts)
    issues += check_duplicate_people(festival_people(festival.id))
    order = {code: position for position, code in enumerate(CODES)}
    return sorted(issues, key=lambda issue: (order[issue.code], issue.class_code or "", issue.records))
