"""The two kinds of import the imports feature declares itself: the syllabus and the entries (their features are below it).

Each is declared like any feature's kind (see mfo.imports.kinds): its columns and help, its planner,
the records its writer notes for the undo, what blocks that undo, and how the lists kept in a changed
record's "before" (set pieces, group members, an entry's pieces and performers) are put back.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, insert, select

from mfo.database import db
from mfo.entries.models import Entry, EntryPerformer, EntryPiece
from mfo.entries.permissions import ENTRIES_WRITE
from mfo.imports.entries import plan_entries
from mfo.imports.fields import ENTRY_COLUMNS, FIELD_HELP, SYLLABUS_COLUMNS
from mfo.imports.kinds import ImportKind, Record
from mfo.imports.syllabus import plan_syllabus
from mfo.people.models import Group, Person, School, group_member
from mfo.syllabus.models import Discipline, FestivalClass, Level, Piece, SetPiece
from mfo.syllabus.permissions import SYLLABUS_WRITE

ENTRY = Record(Entry, "entry", _l("entries"))
GROUP = Record(Group, "group", _l("groups"))
PERSON = Record(Person, "person", _l("people"))
CLASS = Record(FestivalClass, "class", _l("classes"))
PIECE = Record(Piece, "piece", _l("pieces"))
SCHOOL = Record(School, "school", _l("schools"))
DISCIPLINE = Record(Discipline, "discipline", _l("disciplines"))
LEVEL = Record(Level, "level", _l("levels"))


def _help(columns) -> dict[str, Any]:
    """Return the help of some columns."""
    return {column.name: FIELD_HELP[column.name] for column in columns if column.name in FIELD_HELP}


def _syllabus_uses(created, touched):
    """What, made since a syllabus import, uses a piece, class, discipline or level it created."""
    return [
        ("piece", select(SetPiece.id).where(SetPiece.piece_id.in_(created["piece"]), SetPiece.class_id.not_in(touched["festival_class"]))),
        ("festival_class", select(Entry.id).where(Entry.class_id.in_(created["festival_class"]))),
        ("discipline", select(FestivalClass.id).where(
            FestivalClass.discipline_id.in_(created["discipline"]), FestivalClass.id.not_in(touched["festival_class"]))),
        ("level", select(FestivalClass.id).where(
            FestivalClass.level_id.in_(created["level"]), FestivalClass.id.not_in(touched["festival_class"]))),
    ]


def _entries_uses(created, touched):
    """What, made since an entries import, uses a person, piece, school or group it created."""
    return [
        ("person", select(EntryPerformer.entry_id).where(
            EntryPerformer.person_id.in_(created["person"]), EntryPerformer.entry_id.not_in(touched["entry"]))),
        ("person", select(Entry.id).where(Entry.teacher_id.in_(created["person"]), Entry.id.not_in(touched["entry"]))),
        ("person", select(Entry.id).where(Entry.accompanist_id.in_(created["person"]), Entry.id.not_in(touched["entry"]))),
        ("person", select(group_member.c.group_id).where(
            group_member.c.person_id.in_(created["person"]), group_member.c.group_id.not_in(touched["performing_group"]))),
        ("person", select(Group.id).where(Group.contact_id.in_(created["person"]), Group.id.not_in(touched["performing_group"]))),
        ("person", select(Person.id).where(Person.guardian_id.in_(created["person"]), Person.id.not_in(created["person"]))),
        ("piece", select(EntryPiece.id).where(EntryPiece.piece_id.in_(created["piece"]), EntryPiece.entry_id.not_in(touched["entry"]))),
        ("school", select(Person.id).where(Person.school_id.in_(created["school"]), Person.id.not_in(touched["person"]))),
        ("school", select(Group.id).where(Group.school_id.in_(created["school"]), Group.id.not_in(touched["performing_group"]))),
        ("school", select(Entry.id).where(Entry.school_id.in_(created["school"]), Entry.id.not_in(touched["entry"]))),
        ("performing_group", select(Entry.id).where(Entry.group_id.in_(created["performing_group"]), Entry.id.not_in(touched["entry"]))),
    ]


def _replace(table, owner, record_id: int, rows: list[dict[str, Any]]) -> None:
    """Replace the rows of a table that belong to one record (`owner` is the column naming it)."""
    db.session.execute(delete(table).where(owner == record_id))
    if rows:
        db.session.execute(insert(table), rows)


def restore_set_pieces(class_id: int, piece_ids: list[int]) -> None:
    """Put back a class's set pieces."""
    _replace(SetPiece, SetPiece.class_id, class_id, [{"class_id": class_id, "piece_id": p, "position": i} for i, p in enumerate(piece_ids)])


def restore_members(group_id: int, person_ids: list[int]) -> None:
    """Put back a group's members."""
    _replace(group_member, group_member.c.group_id, group_id, [{"group_id": group_id, "person_id": p} for p in person_ids])


def restore_pieces(entry_id: int, pieces: list[list[Any]]) -> None:
    """Put back an entry's pieces (piece, position, duration)."""
    _replace(EntryPiece, EntryPiece.entry_id, entry_id, [
        {"entry_id": entry_id, "piece_id": piece_id, "position": position, "duration": duration}
        for piece_id, position, duration in pieces
    ])


def restore_performers(entry_id: int, performers: list[list[Any]]) -> None:
    """Put back an entry's performers (person, position)."""
    _replace(EntryPerformer, EntryPerformer.entry_id, entry_id, [
        {"entry_id": entry_id, "person_id": person_id, "position": position} for person_id, position in performers
    ])


SYLLABUS = ImportKind(
    name="syllabus",
    label=_l("Syllabus (classes)"),
    description=_l("One row per class."),
    columns=SYLLABUS_COLUMNS,
    field_help=_help(SYLLABUS_COLUMNS),
    permission=SYLLABUS_WRITE,
    planner=plan_syllabus,
    records=(CLASS, PIECE, DISCIPLINE, LEVEL),
    undo_uses=_syllabus_uses,
    restorers={"set_pieces": restore_set_pieces},
    sheet_title="syllabus",
)

ENTRIES = ImportKind(
    name="entries",
    label=_l("Entries"),
    description=_l("One row per entry."),
    columns=ENTRY_COLUMNS,
    field_help=_help(ENTRY_COLUMNS),
    permission=ENTRIES_WRITE,
    planner=plan_entries,
    records=(ENTRY, GROUP, PERSON, PIECE, SCHOOL),
    undo_uses=_entries_uses,
    restorers={"members": restore_members, "pieces": restore_pieces, "performers": restore_performers},
    personal_fields=("performer_birth_date", "performer_email", "performer_phone", "teacher_email", "accompanist_email"),
    sheet_title="entries",
)
