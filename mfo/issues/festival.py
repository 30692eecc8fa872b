"""Every open problem of a festival, found by the validator's rules over the entries in the database.

The festival's classes, entries (with performers, pieces, teacher and accompanist) and people are
read in a fixed number of queries, however many entries there are: as rows, not records (see
entry_drafts).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import select

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
    check_stage_time,
)
from mfo.people.models import Group, Person
from mfo.syllabus.models import CLASS_TYPES, FestivalClass, Piece, SetPiece


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
    """Return every class of a festival by id, with its set pieces (two queries, whatever the syllabus's size)."""
    set_pieces: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for class_id, title, composer in db.session.execute(
        select(SetPiece.class_id, Piece.title, Piece.composer)
        .join(Piece, Piece.id == SetPiece.piece_id)
        .join(FestivalClass, FestivalClass.id == SetPiece.class_id)
        .where(FestivalClass.festival_id == festival_id)
        .order_by(SetPiece.class_id, SetPiece.position, SetPiece.id)
    ):
        set_pieces[class_id].append((title, composer))
    infos = {}
    for row in db.session.execute(
        select(
            FestivalClass.id, FestivalClass.number, FestivalClass.suffix, FestivalClass.class_type, FestivalClass.min_age,
            FestivalClass.max_age, FestivalClass.time_limit, FestivalClass.accompanist_required,
        ).where(FestivalClass.festival_id == festival_id)
    ):
        infos[row.id] = ClassInfo(
            code=f"{row.number}{row.suffix}",
            class_type=row.class_type,
            performers=CLASS_TYPES[row.class_type],
            min_age=row.min_age,
            max_age=row.max_age,
            time_limit=row.time_limit,
            accompanist_required=bool(row.accompanist_required),
            set_pieces=tuple(set_pieces[row.id]),
            id=row.id,
        )
    return infos


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


def _people_by_id(person_ids) -> dict[int, tuple]:
    """Return (first name, last name, birth date, email, phone) of the given people by id (one query)."""
    rows = db.session.execute(
        select(Person.id, Person.first_name, Person.last_name, Person.birth_date, Person.email, Person.phone).where(
            Person.id.in_(person_ids)
        )
    )
    return {row[0]: tuple(row[1:]) for row in rows}


def _named(person: tuple, person_id: int, given: dict | None) -> PersonRef:
    """Return a person named by an entry from their row: what the entry gave, and what is on file."""
    first_name, last_name, birth_date, email, phone = person
    given = given or {}
    return PersonRef(
        first_name=first_name,
        last_name=last_name,
        birth_date=birth_date,
        email=given.get("email"),
        phone=given.get("phone"),
        person_id=person_id,
        known_email=email,
        known_phone=phone,
    )


def entry_drafts(festival_id: int, classes: dict[int, ClassInfo], entry_ids: Iterable[int] | None = None) -> list[EntryDraft]:
    """Return the festival's active entries (or the given ones) as drafts, in a fixed number of queries.

    Rows, not records: the entries, their performers, their pieces, the people and the groups are
    five queries whatever the festival's size (a relationship loader would split its reads into
    batches of a few hundred ids, and building objects for every row costs seconds at 10,000 entries).
    """
    conditions = [Entry.festival_id == festival_id, Entry.status.in_(ACTIVE_STATUSES)]
    if entry_ids is not None:
        conditions.append(Entry.id.in_(list(entry_ids)))
    scope = select(Entry.id).where(*conditions)
    entries = db.session.execute(
        select(Entry.id, Entry.class_id, Entry.group_id, Entry.teacher_id, Entry.accompanist_id, Entry.given_contacts)
        .where(*conditions)
        .order_by(Entry.id)
    ).all()
    performers: dict[int, list[int]] = defaultdict(list)
    for entry_id, person_id in db.session.execute(
        select(EntryPerformer.entry_id, EntryPerformer.person_id)
        .where(EntryPerformer.entry_id.in_(scope))
        .order_by(EntryPerformer.entry_id, EntryPerformer.position, EntryPerformer.person_id)
    ):
        performers[entry_id].append(person_id)
    pieces: dict[int, list[PieceRef]] = defaultdict(list)
    for entry_id, declared, piece_id, title, composer, usual in db.session.execute(
        select(EntryPiece.entry_id, EntryPiece.duration, Piece.id, Piece.title, Piece.composer, Piece.duration)
        .join(Piece, Piece.id == EntryPiece.piece_id)
        .where(EntryPiece.entry_id.in_(scope))
        .order_by(EntryPiece.entry_id, EntryPiece.position, EntryPiece.id)
    ):
        pieces[entry_id].append(PieceRef(title, composer, declared, usual, piece_id))
    named = (
        select(EntryPerformer.person_id).where(EntryPerformer.entry_id.in_(scope))
        .union(select(Entry.teacher_id).where(*conditions), select(Entry.accompanist_id).where(*conditions))
    )
    people = _people_by_id(named)
    groups = dict(db.session.execute(select(Group.id, Group.name).where(Group.id.in_(select(Entry.group_id).where(*conditions)))).all())
    outside = {row.class_id for row in entries} - set(classes)
    # A class outside the festival's syllabus (another festival's) is named by its own code.
    codes = (
        {row[0]: f"{row[1]}{row[2]}" for row in db.session.execute(
            select(FestivalClass.id, FestivalClass.number, FestivalClass.suffix).where(FestivalClass.id.in_(outside))
        )}
        if outside
        else {}
    )
    drafts = []
    for entry_id, class_id, group_id, teacher_id, accompanist_id, given_contacts in entries:
        given = given_contacts or {}
        refs = [_named(people[person_id], person_id, None) for person_id in performers[entry_id]]
        if refs:
            refs[0].email, refs[0].phone = given.get("performer", {}).get("email"), given.get("performer", {}).get("phone")
        info = classes.get(class_id)
        drafts.append(
            EntryDraft(
                class_code=info.code if info else codes.get(class_id, str(class_id)),
                festival_class=info,
                performers=refs,
                group_name=groups.get(group_id) if group_id else None,
                teacher=_named(people[teacher_id], teacher_id, given.get("teacher")) if teacher_id else None,
                accompanist=_named(people[accompanist_id], accompanist_id, given.get("accompanist")) if accompanist_id else None,
                pieces=pieces[entry_id],
                entry_id=entry_id,
            )
        )
    return drafts


def festival_people(festival_id: int) -> list[KnownPerson]:
    """Return everyone the festival's active entries name: performers, teachers and accompanists (one query)."""
    active = select(Entry.id).where(Entry.festival_id == festival_id, Entry.status.in_(ACTIVE_STATUSES))
    named = select(EntryPerformer.person_id).where(EntryPerformer.entry_id.in_(active)).union(
        select(Entry.teacher_id).where(Entry.id.in_(active)), select(Entry.accompanist_id).where(Entry.id.in_(active))
    )
    people = _people_by_id(named)
    return [KnownPerson(person_id, *row) for person_id, row in people.items()]


def stage_cap_seconds(festival: Festival) -> int | None:
    """Return the festival's cap on one performer's stage time, in seconds (None: no cap)."""
    return festival.stage_minutes_cap * 60 if festival.stage_minutes_cap else None


def festival_issues(festival: Festival) -> list[Issue]:
    """Return every open problem of the festival: each active entry's, duplicates of entries and of people, stage time over the cap."""
    classes = class_infos(festival.id)
    drafts = entry_drafts(festival.id, classes)
    issues = [issue for draft in drafts for issue in check_entry(draft, festival.age_cutoff)]
    issues += check_duplicate_entries(drafts)
    issues += check_duplicate_people(festival_people(festival.id))
    issues += check_stage_time(drafts, stage_cap_seconds(festival))
    order = {code: position for position, code in enumerate(CODES)}
    return sorted(issues, key=lambda issue: (order[issue.code], issue.class_code or "", issue.records))
