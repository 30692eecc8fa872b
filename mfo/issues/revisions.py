"""Table revisions: a number per table, raised in the same transaction as every change to the table.

The Issues page keeps what the rules found in a festival and finds it again only when a table the
rules read has changed since (mfo.issues.cache). Several app servers share the database and nothing
else, so what changed is kept in the database: each commit that wrote to a table raises that
table's row of `table_revision` just before it commits, in the same transaction, so a reader that
sees the new number also sees the change.

Which tables a transaction wrote is read from the SQL it sent (INSERT INTO, UPDATE, DELETE FROM, on
any connection of the engine): ORM flushes, bulk statements and text all count. Only writes committed
through `db.session` raise revisions; the few writes made on a connection of their own (a job's
heartbeat, an import batch's progress) touch tables no rule reads. Which tables the rules read is
recorded the same way, from the SQL they send (`reading`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache

from flask import current_app, has_app_context
from sqlalchemy import event, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from mfo.database import db
from mfo.issues.models import TableRevision

# app.extensions key: set when the app raises revisions (the issues feature is installed, so the table exists).
EXTENSION_KEY = "mfo.issues.revisions"
# Connection.info key: the tables written since the connection's transaction began.
WRITTEN = "mfo.issues.written"
TABLE = TableRevision.__tablename__

_WRITE = re.compile(r'^\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE(?:\s+OR\s+\w+)?|DELETE\s+FROM)\s+"?([A-Za-z_][A-Za-z0-9_]*)"?', re.I)
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# The tables read by the code running in this context, while it is being recorded (None: not recording).
_reading: ContextVar[set[str] | None] = ContextVar("mfo_issues_reading", default=None)


def _before_cursor_execute(conn: Connection, _cursor, statement: str, _parameters, _context, _executemany) -> None:
    """Note the table a writing statement changes, and the tables a recorded read names."""
    written = _WRITE.match(statement)
    if written is not None:
        name = written.group(1).lower()
        if name != TABLE:
            conn.info.setdefault(WRITTEN, set()).add(name)
    reading = _reading.get()
    if reading is not None:
        # Every word of the statement that names a table: a column sharing a table's name adds a table
        # read for nothing (a revision checked in vain), never leaves one out.
        known = db.metadata.tables
        reading.update(word.lower() for word in _WORD.findall(statement) if word.lower() in known)


def _forget(conn: Connection) -> None:
    """Forget the tables written once the connection's transaction has ended."""
    conn.info.pop(WRITTEN, None)


def _before_commit(session: Session) -> None:
    """Raise the revision of every table the session's transaction wrote, just before it commits."""
    if not (has_app_context() and current_app.extensions.get(EXTENSION_KEY)) or not session.in_transaction():
        return
    session.flush()
    connection = session.connection()
    written = sorted(set(connection.info.pop(WRITTEN, ())) - core_tables())
    # In one order everywhere, so two transactions raising the same rows never wait for each other in a circle.
    for name in written:
        raise_revision(connection, name)


# The core services' tables: accounts, the audit trail, jobs. No rule about a festival reads them, and nearly
# every request that writes touches one (a sign-in, an audit event): they are left out, to save those writes.
CORE_MODULES = ("mfo.database.", "mfo.audit.", "mfo.jobs.")


@cache
def core_tables() -> frozenset[str]:
    """Return the names of the core services' tables, with the association tables of their relationships."""
    names = {TABLE}
    for mapper in db.Model.registry.mappers:
        if mapper.class_.__module__.startswith(CORE_MODULES):
            names.update(table.name for table in mapper.tables)
            names.update(rel.secondary.name for rel in mapper.relationships if rel.secondary is not None)
    return frozenset(names)


def raise_revision(connection: Connection, name: str) -> None:
    """Add one to a table's revision (its row made at 1 the first time)."""
    table = TableRevision.__table__
    changed = connection.execute(update(table).where(table.c.table_name == name).values(revision=table.c.revision + 1)).rowcount
    if changed:
        return
    insert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
    connection.execute(
        insert(table)
        .values(table_name=name, revision=1)
        .on_conflict_do_update(index_elements=[table.c.table_name], set_={"revision": table.c.revision + 1})
    )


def revisions() -> dict[str, int]:
    """Return every table's revision (a table never changed has none: 0)."""
    return {name: revision for name, revision in db.session.execute(select(TableRevision.table_name, TableRevision.revision))}


def pending_writes() -> bool:
    """Tell whether the current session has written something it has not committed (what it reads then may never be)."""
    session = db.session()
    if session.new or session.dirty or session.deleted:
        return True
    if not session.in_transaction():
        return False
    return bool(session.connection().info.get(WRITTEN))


@contextmanager
def reading() -> Iterator[set[str]]:
    """Record the tables the statements sent inside the block read; yields the set they are added to."""
    tables: set[str] = set()
    token = _reading.set(tables)
    try:
        yield tables
    finally:
        _reading.reset(token)


_installed = False


def install() -> None:
    """Listen to every engine and session of the process (once): the listeners do nothing in an app without revisions."""
    global _installed
    if _installed:
        return
    event.listen(Engine, "before_cursor_execute", _before_cursor_execute)
    event.listen(Engine, "commit", _forget)
    event.listen(Engine, "rollback", _forget)
    event.listen(Session, "before_commit", _before_commit)
    _installed = True
