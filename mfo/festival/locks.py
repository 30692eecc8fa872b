"""One lock per festival, held until the transaction ends, for changes that must not interleave.

Imports confirmed, imports undone, schedule moves, accepted proposals and publications each read
the festival's records, decide, and write: two of them at once, on several web workers and job
workers, would each decide on what the other is about to change. Each takes the festival's lock
before it reads what it decides on; the second waits for the first's commit, then reads what it
left. The lock lives in the database, so it holds across processes.
"""

from __future__ import annotations

from sqlalchemy import select, text

from mfo.database import db
from mfo.festival.models import Festival


def lock_for_writing(festival: Festival | int) -> None:
    """Take the festival's write lock in the current transaction (released by its commit or rollback).

    PostgreSQL: a row lock on the festival (FOR NO KEY UPDATE). It waits for another holder, and
    for an update of the festival's row, but not for rows that merely point to the festival (an
    upload adding a batch, a job's progress), which FOR UPDATE would make wait too.

    SQLite ignores FOR UPDATE, and runs every read outside a write transaction on the latest data
    without any lock: a write that changes nothing begins the write transaction here instead, so
    a second writer waits (busy timeout) until the first commits, and what is read after this call
    is read inside the write. Several festivals share that one lock on SQLite.
    """
    festival_id = festival if isinstance(festival, int) else festival.id
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(text("UPDATE festival SET id = id WHERE id IS NULL"))
        return
    db.session.execute(select(Festival.id).where(Festival.id == festival_id).with_for_update(key_share=True))
