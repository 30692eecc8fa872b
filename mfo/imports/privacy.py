"""The imports feature's part of forgetting people (a purge): the files and rows it kept of the purged festivals."""

from __future__ import annotations

from sqlalchemy import select, update

from mfo.database import db
from mfo.imports.models import ImportBatch, ImportChange


def forget_people(plan) -> None:
    """Drop the purged festivals' uploaded files and previews, and the values before each change (undo is no longer possible)."""
    if plan.festival_ids:
        batches = select(ImportBatch.id).where(ImportBatch.festival_id.in_(plan.festival_ids))
        db.session.execute(
            update(ImportBatch).where(ImportBatch.festival_id.in_(plan.festival_ids)).values(content=None, preview=None, job_error=None)
            .execution_options(synchronize_session=False)
        )
        db.session.execute(
            update(ImportChange).where(ImportChange.batch_id.in_(batches)).values(before=None).execution_options(synchronize_session=False)
        )
    ids = sorted(plan.person_ids)
    for start in range(0, len(ids), 500):
        # A purged person's record changed by an import of another festival: its old values go too.
        db.session.execute(
            update(ImportChange).where(ImportChange.table_name == "person", ImportChange.record_id.in_(ids[start:start + 500]))
            .values(before=None).execution_options(synchronize_session=False)
        )
