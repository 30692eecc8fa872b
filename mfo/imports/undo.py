"""Undoing an applied import as a whole: refused while anything it wrote was edited or is used by something else since.

What the import created is deleted and what it changed gets its values before back, in one
transaction. An import cannot be undone once a record it created or changed has been edited since
(its updated_at is after the batch's applied_at), nor while something it did not write uses a record
it created (an entry made since for a person it created, a class it created that has entries...).
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_security.utils import naive_utcnow
from sqlalchemy import delete, func, insert, select, update

from mfo.audit.trail import record
from mfo.database import db
from mfo.entries.models import Entry, EntryPerformer, EntryPiece
from mfo.imports.changes import KIND_OF_TABLE, MODELS, column_value
from mfo.imports.models import ImportBatch, ImportChange
from mfo.imports.services import batch_target
from mfo.people.models import Group, Person, group_member
from mfo.syllabus.models import FestivalClass, SetPiece

# How the refusal names each kind of record, in the organizer's language.
KIND_LABELS = {
    "entry": _l("entries"),
    "performing_group": _l("groups"),
    "person": _l("people"),
    "festival_class": _l("classes"),
    "piece": _l("pieces"),
    "school": _l("schools"),
    "discipline": _l("disciplines"),
    "level": _l("levels"),
}


class UndoRefused(Exception):
    """An import that cannot be undone, with the reasons (messages for people)."""

    def __init__(self, reasons: list[Any]) -> None:
        self.reasons = reasons
        super().__init__(reasons)


def _ids(batch: ImportBatch, table: str, *actions: str):
    """Return a subquery of the ids of the batch's records of a table (created, changed, or both)."""
    query = select(ImportChange.record_id).where(ImportChange.batch_id == batch.id, ImportChange.table_name == table)
    if actions:
        query = query.where(ImportChange.action.in_(actions))
    return query


def _exists(query) -> bool:
    """Tell whether a query finds at least one row."""
    return db.session.execute(query.limit(1)).first() is not None


def blockers(batch: ImportBatch) -> list[Any]:
    """Return why the batch cannot be undone (empty when it can)."""
    if batch.status != "applied" or batch.applied_at is None:
        return [_l("Only an applied import can be undone.")]
    reasons: list[Any] = []
    for table, model in MODELS.items():
        edited = db.session.scalar(
            select(func.count(model.id)).where(model.id.in_(_ids(batch, table)), model.updated_at > batch.applied_at)
        )
        if edited:
            reasons.append(
                _l("%(count)s of the %(kind)s it created or changed have been edited since.", count=edited, kind=KIND_LABELS[table])
            )
    created = {table: _ids(batch, table, "created") for table in MODELS}
    touched = {table: _ids(batch, table) for table in MODELS}
    uses = [
        ("person", select(EntryPerformer.entry_id).where(
            EntryPerformer.person_id.in_(created["person"]), EntryPerformer.entry_id.not_in(touched["entry"]))),
        ("person", select(Entry.id).where(Entry.teacher_id.in_(created["person"]), Entry.id.not_in(touched["entry"]))),
        ("person", select(Entry.id).where(Entry.accompanist_id.in_(created["person"]), Entry.id.not_in(touched["entry"]))),
        ("person", select(group_member.c.group_id).where(
            group_member.c.person_id.in_(created["person"]), group_member.c.group_id.not_in(touched["performing_group"]))),
        ("person", select(Group.id).where(Group.contact_id.in_(created["person"]), Group.id.not_in(touched["performing_group"]))),
        ("person", select(Person.id).where(Person.guardian_id.in_(created["person"]), Person.id.not_in(created["person"]))),
        ("piece", select(EntryPiece.id).where(EntryPiece.piece_id.in_(created["piece"]), EntryPiece.entry_id.not_in(touched["entry"]))),
        ("piece", select(SetPiece.id).where(SetPiece.piece_id.in_(created["piece"]), SetPiece.class_id.not_in(touched["festival_class"]))),
        ("school", select(Person.id).where(Person.school_id.in_(created["school"]), Person.id.not_in(touched["person"]))),
        ("school", select(Group.id).where(Group.school_id.in_(created["school"]), Group.id.not_in(touched["performing_group"]))),
        ("school", select(Entry.id).where(Entry.school_id.in_(created["school"]), Entry.id.not_in(touched["entry"]))),
        ("performing_group", select(Entry.id).where(Entry.group_id.in_(created["performing_group"]), Entry.id.not_in(touched["entry"]))),
        ("festival_class", select(Entry.id).where(Entry.class_id.in_(created["festival_class"]))),
        ("discipline", select(FestivalClass.id).where(
            FestivalClass.discipline_id.in_(created["discipline"]), FestivalClass.id.not_in(touched["festival_class"]))),
        ("level", select(FestivalClass.id).where(
            FestivalClass.level_id.in_(created["level"]), FestivalClass.id.not_in(touched["festival_class"]))),
    ]
    used = []
    for table, query in uses:
        if table not in used and _exists(query):
            used.append(table)
    reasons.extend(_l("Some of the %(kind)s it created are used by records made since.", kind=KIND_LABELS[table]) for table in used)
    return reasons


def undo(batch: ImportBatch, *, actor=None, from_cli: bool = False) -> dict[str, dict[str, int]]:
    """Undo an applied batch in the current transaction (the caller commits); UndoRefused when it cannot be."""
    reasons = blockers(batch)
    if reasons:
        raise UndoRefused(reasons)
    changes = db.session.scalars(select(ImportChange).where(ImportChange.batch_id == batch.id, ImportChange.action == "changed")).all()
    restored: dict[str, int] = {}
    for change in changes:
        if _restore(change):
            kind = KIND_OF_TABLE[change.table_name]
            restored[kind] = restored.get(kind, 0) + 1
    deleted: dict[str, int] = {}
    for table, model in MODELS.items():
        count = db.session.execute(delete(model).where(model.id.in_(_ids(batch, table, "created")))).rowcount
        if count:
            deleted[KIND_OF_TABLE[table]] = count
    batch.status = "undone"
    batch.undone_at = naive_utcnow()
    result = {"deleted": deleted, "restored": restored}
    record(
        "import-undone",
        target=batch_target(batch),
        details={"festival": batch.festival.slug, "kind": batch.kind, "filename": batch.filename, **result},
        actor=actor,
        from_cli=from_cli,
    )
    return result


def _restore(change: ImportChange) -> bool:
    """Put back the values a changed record had before the import; return False when the record is gone."""
    model = MODELS[change.table_name]
    before = dict(change.before or {})
    if db.session.scalar(select(model.id).where(model.id == change.record_id)) is None:
        return False
    special = {name: before.pop(name) for name in ("set_pieces", "members", "pieces", "performers") if name in before}
    # updated_at comes back too: a record put back as it was is not "edited since" for an earlier import's undo.
    values = {"updated_at": naive_utcnow(), **{name: column_value(model, name, value) for name, value in before.items()}}
    db.session.execute(update(model).where(model.id == change.record_id).values(**values))
    if "set_pieces" in special:
        db.session.execute(delete(SetPiece).where(SetPiece.class_id == change.record_id))
        rows = [{"class_id": change.record_id, "piece_id": piece_id, "position": i} for i, piece_id in enumerate(special["set_pieces"])]
        if rows:
            db.session.execute(insert(SetPiece), rows)
    if "members" in special:
        db.session.execute(delete(group_member).where(group_member.c.group_id == change.record_id))
        rows = [{"group_id": change.record_id, "person_id": person_id} for person_id in special["members"]]
        if rows:
            db.session.execute(insert(group_member), rows)
    if "pieces" in special:
        db.session.execute(delete(EntryPiece).where(EntryPiece.entry_id == change.record_id))
        rows = [
            {"entry_id": change.record_id, "piece_id": piece_id, "position": position, "duration": duration}
            for piece_id, position, duration in special["pieces"]
        ]
        if rows:
            db.session.execute(insert(EntryPiece), rows)
    if "performers" in special:
        db.session.execute(delete(EntryPerformer).where(EntryPerformer.entry_id == change.record_id))
        rows = [
            {"entry_id": change.record_id, "person_id": person_id, "position": position}
            for person_id, position in special["performers"]
        ]
        if rows:
            db.session.execute(insert(EntryPerformer), rows)
    return True
