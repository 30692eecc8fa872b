"""Undoing an applied import as a whole: refused while anything it wrote was edited or is used by something else since.

What the import created is deleted and what it changed gets its values before back, in one
transaction. An import cannot be undone once a record it created or changed has been edited since
(its updated_at is after the batch's applied_at), nor while something it did not write uses a record
it created (an entry made since for a person it created, a class it created that has entries...).

The reasons are looked for and the records deleted under the festival's write lock, the one every
confirmation takes too: an import committed beside the undo is either seen by the check (the undo
is refused) or applied after it (and looks its records up again), never committed in between,
where a delete would fail on its rows or quietly take its teacher or school away.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_security.utils import naive_utcnow
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from mfo.audit.trail import record
from mfo.database import db
from mfo.festival.locks import lock_for_writing
from mfo.imports import kinds
from mfo.imports.changes import column_value
from mfo.imports.kinds import ImportKind
from mfo.imports.models import ImportBatch, ImportChange
from mfo.imports.services import batch_target

# Foreign keys whose rows keep the record they point to from being deleted.
_RESTRICTING = (None, "RESTRICT", "NO ACTION")


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


class _BatchIds(dict):
    """The batch's record ids of each table, as subqueries made when first asked for (any table: none for most)."""

    def __init__(self, batch: ImportBatch, *actions: str) -> None:
        super().__init__()
        self.batch = batch
        self.actions = actions

    def __missing__(self, table: str):
        self[table] = query = _ids(self.batch, table, *self.actions)
        return query


def _foreign_key_uses(kind: ImportKind, created: _BatchIds, touched: _BatchIds) -> list[tuple[str, Any]]:
    """Return (table, query) pairs finding rows that point to a record the batch created through a restricting key.

    Such a row would stop the delete; it is the batch's own when its id, or the record it belongs to (a key with ON
    DELETE CASCADE), is among the batch's records. A kind declared by a lower feature thus learns that a higher
    feature's record (a session in a venue) uses what it created, without knowing that feature.
    """
    tables = {record.table for record in kind.records}
    uses = []
    for table in db.metadata.sorted_tables:
        for key in table.foreign_keys:
            target = key.column.table.name
            if target not in tables or key.ondelete not in _RESTRICTING:
                continue
            query = select(key.parent).where(key.parent.in_(created[target]))
            if "id" in table.c and table.name in kinds.records():
                query = query.where(table.c.id.not_in(touched[table.name]))
            for owner in table.foreign_keys:
                if owner is not key and owner.ondelete == "CASCADE" and owner.column.table.name in kinds.records():
                    query = query.where(owner.parent.not_in(touched[owner.column.table.name]))
            uses.append((target, query))
    return uses


def blockers(batch: ImportBatch) -> list[Any]:
    """Return why the batch cannot be undone (empty when it can)."""
    if batch.status == "undone":
        return [_l("It has already been undone.")]
    if batch.status != "applied" or batch.applied_at is None:
        return [_l("Only an applied import can be undone.")]
    written, there = left_of([batch.id]).get(batch.id, (0, 0))
    if not written:
        # A file whose records were all there already: an undo would delete and put back nothing, yet say it did.
        return [_l("It created and changed nothing, so there is nothing to undo.")]
    if not there:
        return [_l("Everything it created or changed has been deleted since, so there is nothing to undo.")]
    kind = kinds.get(batch.kind)
    reasons: list[Any] = []
    for kept in kind.records:
        model = kept.model
        edited = db.session.scalar(
            select(func.count(model.id)).where(model.id.in_(_ids(batch, kept.table)), model.updated_at > batch.applied_at)
        )
        if edited:
            reasons.append(
                _l("%(count)s of the %(kind)s it created or changed have been edited since.", count=edited, kind=kept.label)
            )
    created, touched = _BatchIds(batch, "created"), _BatchIds(batch)
    tables = {kept.table: kept for kept in kind.records}
    # Every kind's declared uses: a kind may use what another kind writes (an entry plays a piece a syllabus created).
    uses = [use for other in kinds.kinds().values() if other.undo_uses for use in other.undo_uses(created, touched)]
    uses += _foreign_key_uses(kind, created, touched)
    used: list[str] = []
    for table, query in uses:
        if table in tables and table not in used and _exists(query):
            used.append(table)
    reasons.extend(_l("Some of the %(kind)s it created are used by records made since.", kind=tables[table].label) for table in used)
    return reasons


def left_of(batch_ids: Collection[int]) -> dict[int, tuple[int, int]]:
    """Return, for each batch that wrote anything, how many records it created or changed and how many are still there.

    A batch absent from the answer created and changed nothing. The queries are one, plus one per kind of record the
    batches wrote, however many batches are asked about (the history asks about a page of them).
    """
    if not batch_ids:
        return {}
    distinct = func.count(func.distinct(ImportChange.record_id))
    written: dict[int, int] = {}
    there: dict[int, int] = {}
    by_table: dict[str, dict[int, int]] = {}
    for batch_id, table, count in db.session.execute(
        select(ImportChange.batch_id, ImportChange.table_name, distinct)
        .where(ImportChange.batch_id.in_(batch_ids))
        .group_by(ImportChange.batch_id, ImportChange.table_name)
    ):
        written[batch_id] = written.get(batch_id, 0) + count
        there.setdefault(batch_id, 0)
        by_table.setdefault(table, {})[batch_id] = count
    records = kinds.records()
    for table in sorted(by_table):
        kept = records.get(table)
        if kept is None:
            # A table no installed kind names any more: its records are not looked for, so they count as still there.
            for batch_id, count in by_table[table].items():
                there[batch_id] += count
            continue
        model = kept.model
        for batch_id, count in db.session.execute(
            select(ImportChange.batch_id, distinct)
            .join(model, model.id == ImportChange.record_id)
            .where(ImportChange.batch_id.in_(list(by_table[table])), ImportChange.table_name == table)
            .group_by(ImportChange.batch_id)
        ):
            there[batch_id] += count
    return {batch_id: (written[batch_id], there[batch_id]) for batch_id in written}


def undo(batch: ImportBatch, *, actor=None, from_cli: bool = False) -> dict[str, dict[str, int]]:
    """Undo an applied batch in the current transaction (the caller commits, or rolls back on UndoRefused)."""
    lock_for_writing(batch.festival_id)
    # The batch as the lock holder sees it: another undo of it may have been committed while this one waited.
    db.session.refresh(batch)
    reasons = blockers(batch)
    if reasons:
        raise UndoRefused(reasons)
    try:
        restored, deleted = _write_undo(batch)
    except IntegrityError as error:
        # Something outside the imports (an admin edit) made a row using a record between the check and the delete.
        raise UndoRefused([_l("Records made at the same moment use what it created.")]) from error
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


def _write_undo(batch: ImportBatch) -> tuple[dict[str, int], dict[str, int]]:
    """Put back what the batch changed and delete what it created; return the counts restored and deleted, by record."""
    changes = db.session.scalars(select(ImportChange).where(ImportChange.batch_id == batch.id, ImportChange.action == "changed")).all()
    kind = kinds.get(batch.kind)
    restored: dict[str, int] = {}
    for change in changes:
        kept = kind.record(change.table_name)
        if kept is not None and _restore(kind, kept.model, change):
            restored[kept.name] = restored.get(kept.name, 0) + 1
    deleted: dict[str, int] = {}
    for kept in kind.records:
        model = kept.model
        count = db.session.execute(delete(model).where(model.id.in_(_ids(batch, kept.table, "created")))).rowcount
        if count:
            deleted[kept.name] = count
    return restored, deleted


def _restore(kind: ImportKind, model: Any, change: ImportChange) -> bool:
    """Put back the values a changed record had before the import; return False when the record is gone."""
    before = dict(change.before or {})
    if db.session.scalar(select(model.id).where(model.id == change.record_id)) is None:
        return False
    special = {name: before.pop(name) for name in kind.restorers if name in before}
    # updated_at comes back too: a record put back as it was is not "edited since" for an earlier import's undo.
    values = {"updated_at": naive_utcnow(), **{name: column_value(model, name, value) for name, value in before.items()}}
    db.session.execute(update(model).where(model.id == change.record_id).values(**values))
    for name, value in special.items():
        kind.restorers[name](change.record_id, value)
    return True
