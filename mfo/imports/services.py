"""An import's life, for the pages, the background jobs and the command line alike.

upload (the file is read and kept on a batch, its columns matched) -> mapping (the organizer's
choice, remembered for the festival) -> preview (the plan, kept row by row on the batch) ->
confirm (the plan computed again and applied in one transaction, or refused while a row with an
error is left in) -> undo (as a whole, while nothing it wrote has been edited since).

Confirmations and undos of one festival's imports never interleave (several web and job workers
run at once): each applies or undoes under the festival's write lock (mfo.festival.locks), and a
plan is applied only if no other confirmation or undo was committed since its records were looked
up, else it is made again inside the lock. Two files naming the same new people, confirmed
together, thus create them once; an undo never deletes what an import committed beside it uses.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Mapping
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_security.utils import naive_utcnow
from sqlalchemy import select

from mfo.audit.trail import record
from mfo.database import db
from mfo.festival.locks import lock_for_writing
from mfo.festival.models import Festival
from mfo.imports import kinds
from mfo.imports.changes import ChangeLog
from mfo.imports.fields import columns_of
from mfo.imports.models import ImportBatch, ImportMapping
from mfo.imports.plan import Plan, Progress, no_progress
from mfo.imports.tabular import ColumnMatch, Limits, Table, TableError, match_columns, read_table
from mfo.issues.codes import EscapedMessage

# A batch whose file may still be previewed or confirmed.
OPEN_STATUSES = ("uploaded", "previewed", "refused")


class FileTooLarge(Exception):
    """A file over the import size limit (MFO_IMPORT_MAX_BYTES)."""

    def __init__(self, size: int, limit: int) -> None:
        self.size = size
        self.limit = limit
        super().__init__(size, limit)


class MappingIncomplete(Exception):
    """A column mapping that leaves a required field without a column."""

    def __init__(self, missing: list[str]) -> None:
        self.missing = missing
        super().__init__(missing)


def max_bytes() -> int:
    """Return the import size limit, in bytes."""
    return int(current_app.config["MFO_IMPORT_MAX_BYTES"])


def limits() -> Limits:
    """Return how many rows and columns an import takes (MFO_IMPORT_MAX_ROWS, MFO_IMPORT_MAX_COLUMNS)."""
    config = current_app.config
    return Limits(rows=int(config["MFO_IMPORT_MAX_ROWS"]), columns=int(config["MFO_IMPORT_MAX_COLUMNS"]))


def human_size(size: int) -> str:
    """Return a size for messages: "10 MB", "2.5 MB", "4 KB"."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f}".removesuffix(".0") + " MB"
    return f"{max(1, round(size / 1024))} KB"


def read_file(data: bytes, filename: str) -> Table:
    """Read an import file, refusing one over the size limit (FileTooLarge), the row and column limits or unreadable
    (TableError)."""
    if len(data) > max_bytes():
        raise FileTooLarge(len(data), max_bytes())
    return read_table(data, filename, limits=limits())


def read_upload(storage) -> tuple[bytes, str, Table]:
    """Read an uploaded file (a werkzeug FileStorage) within the limits: its bytes, name and table.

    At most one byte over the size limit is read, whatever the request holds; raises FileTooLarge or
    TableError as `read_file` does (a page answers 413 to the first and shows `table_error_message`).
    """
    data = storage.read(max_bytes() + 1)
    filename = storage.filename or "upload"
    return data, filename, read_file(data, filename)


def remembered_mapping(festival_id: int, kind: str) -> dict[str, str] | None:
    """Return the mapping an organizer last confirmed for this festival and kind of import."""
    return db.session.scalar(
        select(ImportMapping.mapping).where(ImportMapping.festival_id == festival_id, ImportMapping.kind == kind)
    )


def initial_match(festival_id: int, kind: str, table: Table) -> ColumnMatch:
    """Match a file's headers to the fields, the festival's remembered mapping first."""
    return match_columns(table.headers, columns_of(kind), remembered_mapping(festival_id, kind))


def batch_target(batch: ImportBatch) -> str:
    """Return how the audit trail names a batch."""
    return f"import #{batch.id} {batch.filename} ({batch.kind})"


def new_batch(
    festival: Festival, kind: str, filename: str, data: bytes, match: ColumnMatch, *, rows: int, user=None, keep_content: bool = True
) -> ImportBatch:
    """Add a batch for a file (in the current transaction); its content is kept until it is applied."""
    batch = ImportBatch(
        festival_id=festival.id,
        kind=kind,
        filename=filename[:255],
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        content=data if keep_content else None,
        user_id=getattr(user, "id", None),
        status="uploaded",
        mapping=match.mapping,
        excluded_rows=[],
        rows=rows,
        counts={},
        progress=0,
    )
    db.session.add(batch)
    db.session.flush()
    return batch


def upload(festival: Festival, kind: str, filename: str, data: bytes, table: Table, user=None) -> ImportBatch:
    """Keep an uploaded file as a new batch of the festival, with its columns matched (in the current transaction)."""
    match = initial_match(festival.id, kind, table)
    batch = new_batch(festival, kind, filename, data, match, rows=len(table), user=user)
    record(
        "import-uploaded",
        target=batch_target(batch),
        details={"festival": festival.slug, "kind": kind, "rows": len(table), "size": len(data), "sha256": batch.sha256},
    )
    return batch


def batch_table(batch: ImportBatch) -> Table:
    """Read a batch's file again (within today's limits: they may have been lowered since it was uploaded)."""
    return read_table(batch.content or b"", batch.filename, limits=limits())


def batch_match(batch: ImportBatch, table: Table) -> ColumnMatch:
    """Return the batch's column mapping over its file."""
    return ColumnMatch.from_mapping(table.headers, columns_of(batch.kind), batch.mapping or {})


def better_kind(batch: ImportBatch, table: Table, allowed: Collection[str]) -> tuple[str, int] | None:
    """Return the kind (among those allowed) whose columns the file fits better than its own, with how many it has.

    A file fits a kind better when it has every column that kind requires and more of its columns than the batch's
    mapping finds for its own kind: an entries file uploaded as a syllabus has the entries' three required columns
    and a dozen more, where the syllabus finds one (its "class" is an alias of the class number). The batch's own
    mapping counts what the organizer chose by hand, so a file mapped by hand is not pointed elsewhere.
    """
    own = batch_match(batch, table)
    best: tuple[str, int] | None = None
    for name in allowed:
        if name == batch.kind or name not in kinds.kinds():
            continue
        match = match_columns(table.headers, columns_of(name))
        found = len(match.index)
        if match.missing_required or found <= len(own.index):
            continue
        if best is None or found > best[1]:
            best = (name, found)
    return best


def switch_kind(batch: ImportBatch, kind: str) -> ColumnMatch:
    """Make the batch an import of another kind: its file read again, its columns matched anew, its preview dropped."""
    table = batch_table(batch)
    match = initial_match(batch.festival_id, kind, table)
    old = batch.kind
    batch.kind = kind
    batch.mapping = match.mapping
    batch.status = "uploaded"
    batch.preview = None
    batch.counts = {}
    batch.excluded_rows = []
    batch.progress = 0
    record(
        "import-kind-changed",
        target=batch_target(batch),
        details={"festival": batch.festival.slug, "kind": kind, "was": old, "rows": len(table), "sha256": batch.sha256},
    )
    return match


def save_mapping(batch: ImportBatch, chosen: Mapping[str, str | None]) -> ColumnMatch:
    """Set the batch's mapping and remember it for the festival; TableError or MappingIncomplete when it is wrong."""
    table = batch_table(batch)
    match = ColumnMatch.from_mapping(table.headers, columns_of(batch.kind), chosen)
    if match.missing_required:
        raise MappingIncomplete(match.missing_required)
    batch.mapping = match.mapping
    remembered = db.session.scalar(
        select(ImportMapping).where(ImportMapping.festival_id == batch.festival_id, ImportMapping.kind == batch.kind)
    )
    if remembered is None:
        db.session.add(ImportMapping(festival_id=batch.festival_id, kind=batch.kind, mapping=match.mapping))
    else:
        remembered.mapping = match.mapping
    return match


def plan_table(festival: Festival, kind: str, table: Table, match: ColumnMatch, *, excluded: Collection[int] = (),
               progress: Progress = no_progress) -> Plan:
    """Check a table against a festival with the planner its kind declares; return the plan (nothing written)."""
    return kinds.get(kind).planner(festival, table, match, excluded=excluded, progress=progress)


def write_permission(kind: str) -> str:
    """Return the permission a kind of import needs, besides festival-read."""
    return kinds.get(kind).permission


def compute_plan(batch: ImportBatch, excluded: Collection[int] = (), progress: Progress = no_progress) -> Plan:
    """Check a batch's file against its festival; return the plan (nothing written)."""
    table = batch_table(batch)
    match = batch_match(batch, table)
    return plan_table(batch.festival, batch.kind, table, match, excluded=excluded, progress=progress)


def keep_preview(batch: ImportBatch, plan: Plan) -> None:
    """Keep a plan on its batch for the preview page."""
    batch.preview = [result.as_data() for result in plan.results]
    batch.counts = plan.counts()
    batch.rows = plan.rows
    batch.progress = plan.rows
    if batch.status in OPEN_STATUSES:
        batch.status = "previewed"


def audit_details(batch: ImportBatch, plan: Plan) -> dict[str, Any]:
    """Return what the audit trail keeps of an import: its file, festival and counts."""
    counts = plan.counts()
    return {
        "festival": batch.festival.slug,
        "kind": batch.kind,
        "filename": batch.filename,
        "rows": plan.rows,
        "created": counts["created"],
        "matched": counts["matched"],
        "changed": counts["changed"],
        "errors": counts["errors"],
        "warnings": counts["warnings"],
        "excluded": counts["excluded"],
    }


def apply(batch: ImportBatch, plan: Plan, *, actor=None, from_cli: bool = False) -> None:
    """Write a plan and its audit event in the current transaction (the caller commits, or rolls back on failure)."""
    if not plan.can_apply:
        raise ValueError("a plan with errors cannot be applied")
    changes = ChangeLog()
    plan.writer(batch, changes)
    changes.write(batch.id)
    keep_preview(batch, plan)
    batch.status = "applied"
    batch.excluded_rows = list(plan.excluded)
    # After every write: a record edited later has a later updated_at, which is what blocks an undo.
    batch.applied_at = naive_utcnow()
    batch.content = None
    record("import-applied", target=batch_target(batch), details=audit_details(batch, plan), actor=actor, from_cli=from_cli)


def settled(festival_id: int) -> frozenset[tuple[int, str]]:
    """Return the festival's applied and undone batches: every confirmation and every undo changes this set."""
    rows = db.session.execute(
        select(ImportBatch.id, ImportBatch.status).where(
            ImportBatch.festival_id == festival_id, ImportBatch.status.in_(("applied", "undone"))
        )
    )
    return frozenset((row.id, row.status) for row in rows)


def confirm(batch: ImportBatch, *, progress: Progress = no_progress, actor=None, from_cli: bool = False) -> Plan:
    """Check a batch's file again and apply it, or refuse it if a row left in has an error (the caller commits).

    The rows are checked before the festival's write lock is taken, so that a long check (reported
    as `progress`) does not keep other writers waiting; if another import or undo of the festival
    was committed meanwhile, what the check looked up may be gone or doubled, and it is made again
    inside the lock. Either way the plan applied is one made on what the lock holder sees.
    """
    excluded = list(batch.excluded_rows or [])
    before = settled(batch.festival_id)
    plan = compute_plan(batch, excluded=excluded, progress=progress)
    lock_for_writing(batch.festival_id)
    if settled(batch.festival_id) != before:
        # Objects loaded by the first check would keep their old values (a class's fee, a person since deleted).
        db.session.expire_all()
        plan = compute_plan(batch, excluded=excluded)
    if plan.can_apply:
        apply(batch, plan, actor=actor, from_cli=from_cli)
    else:
        refuse(batch, plan, actor=actor, from_cli=from_cli)
    return plan


def refuse(batch: ImportBatch, plan: Plan, *, actor=None, from_cli: bool = False) -> None:
    """Note that a batch was confirmed while a row with an error was left in: nothing is written but the refusal."""
    keep_preview(batch, plan)
    batch.status = "refused"
    batch.excluded_rows = list(plan.excluded)
    record(
        "import-refused",
        target=batch_target(batch),
        details={**audit_details(batch, plan), "error_rows": plan.error_rows},
        actor=actor,
        from_cli=from_cli,
    )


def import_file(
    festival: Festival,
    kind: str,
    filename: str,
    data: bytes,
    *,
    leave_out_errors: bool = False,
    actor=None,
    from_cli: bool = False,
) -> tuple[ImportBatch, Plan]:
    """Read, check and apply a file at once, in the current transaction (the caller commits): the command line's way.

    The columns are matched by name (and the festival's remembered mapping). A file with an error is refused as a
    whole, unless `leave_out_errors` leaves out every row with an error. Raises TableError, FileTooLarge or
    MappingIncomplete for a file that cannot be imported (nothing written).
    """
    table = read_file(data, filename)
    # Looked up and written under the festival's write lock: nothing another import or undo commits meanwhile is missed.
    lock_for_writing(festival)
    match = initial_match(festival.id, kind, table)
    if match.missing_required:
        raise MappingIncomplete(match.missing_required)
    result = plan_table(festival, kind, table, match)
    if leave_out_errors and not result.can_apply:
        result = plan_table(festival, kind, table, match, excluded=result.error_rows)
    batch = new_batch(festival, kind, filename, data, match, rows=result.rows, user=actor, keep_content=False)
    batch.progress = result.rows
    if result.can_apply:
        apply(batch, result, actor=actor, from_cli=from_cli)
    else:
        refuse(batch, result, actor=actor, from_cli=from_cli)
    return batch, result


def discard(batch: ImportBatch) -> None:
    """Drop a batch that was never applied, with its file (in the current transaction)."""
    record("import-discarded", target=batch_target(batch), details={"festival": batch.festival.slug, "kind": batch.kind})
    db.session.delete(batch)


def table_error_message(error: TableError | FileTooLarge | MappingIncomplete) -> Any:
    """Return the message explaining why a file or mapping cannot be imported."""
    # The values are escaped when the message is put in a page, like every TableError's.
    if isinstance(error, FileTooLarge):
        return EscapedMessage(
            lambda **p: _l(
                "The file is %(size)s; the import limit is %(limit)s. Split it into smaller files, or save it as CSV, "
                "and upload it again.",
                **p,
            ),
            size=human_size(error.size),
            limit=human_size(error.limit),
        )
    if isinstance(error, MappingIncomplete):
        return EscapedMessage(
            lambda **p: _l("Choose a column for every required field: %(fields)s.", **p), fields=", ".join(error.missing)
        )
    return error.message
