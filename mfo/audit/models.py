"""The audit trail's tables: append-only events chained by keyed hashes, and the head of the chain."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DDL, DateTime, Integer, String, Text, event, text
from sqlalchemy.orm import Mapped, mapped_column

from mfo.database.setup import db


class AuditEvent(db.Model):
    """One security or admin event: who did what to what, from where, and when (UTC).

    `hash` is an HMAC over the row's own fields, the digests of its personal fields (`digests`) and
    `prev_hash` (the hash of the row before it), so changing, removing or inserting a row breaks the
    chain, while a personal field may be redacted (see mfo.audit.trail).
    """

    __tablename__ = "audit_event"

    # Assigned by the writer from the chain head, so ids have no gaps and follow the chain.
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    actor_id: Mapped[int | None] = mapped_column(Integer, index=True)
    actor: Mapped[str] = mapped_column(String(255))
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(255))
    target: Mapped[str | None] = mapped_column(String(255), index=True)
    details: Mapped[str] = mapped_column(Text)
    # The hash scheme this event was written under (mfo.audit.trail.SCHEME).
    scheme: Mapped[int] = mapped_column(Integer, default=2, server_default=text("2"))
    # Keyed digests of actor, ip, user_agent, target and details, comma-separated: what the chain covers of them.
    digests: Mapped[str] = mapped_column(Text, default="", server_default="")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditChain(db.Model):
    """The chain's head: one row holding the last event's id and hash.

    Writers update it first, which serialises them (a row lock on PostgreSQL, the write lock on
    SQLite), and verification compares it with the last event, so cutting rows off the end shows.
    """

    __tablename__ = "audit_chain"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_id: Mapped[int] = mapped_column(Integer)
    last_hash: Mapped[str] = mapped_column(String(64))


# The database itself refuses to change or delete an audit event, whatever client connects, with one
# exception: an update that only replaces personal fields by "[redacted]" (mfo.audit.trail.redact).
# Kept here and in the migrations (b2_audit_trail, then audit_digests), which run the same statements.
_KEPT = ("id", "at", "action", "actor_id", "scheme", "digests", "prev_hash", "hash")
_REDACTABLE = ("actor", "ip", "user_agent", "target", "details")
_SQLITE_ALLOWED = " AND ".join(
    [f"NEW.{c} IS OLD.{c}" for c in _KEPT] + [f"(NEW.{c} IS OLD.{c} OR NEW.{c} = '[redacted]')" for c in _REDACTABLE]
)
_POSTGRES_ALLOWED = " AND ".join(
    [f"NEW.{c} IS NOT DISTINCT FROM OLD.{c}" for c in _KEPT]
    + [f"(NEW.{c} IS NOT DISTINCT FROM OLD.{c} OR NEW.{c} = '[redacted]')" for c in _REDACTABLE]
)
APPEND_ONLY_DDL = {
    "sqlite": [
        f"CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event WHEN NOT ({_SQLITE_ALLOWED}) "
        "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END",
        "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
        "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END",
    ],
    "postgresql": [
        "CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        f"$$ BEGIN IF TG_OP = 'UPDATE' AND {_POSTGRES_ALLOWED} THEN RETURN NEW; END IF; "
        "RAISE EXCEPTION 'audit_event is append-only'; END $$",
        "CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event "
        "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()",
    ],
}

# The chain starts with its head in place, so the first writers never race to create it.
EMPTY_CHAIN_HEAD = "INSERT INTO audit_chain (id, last_id, last_hash) VALUES (1, 0, '" + "0" * 64 + "')"
event.listen(AuditChain.__table__, "after_create", DDL(EMPTY_CHAIN_HEAD))

for _dialect, _statements in APPEND_ONLY_DDL.items():
    for _statement in _statements:
        event.listen(AuditEvent.__table__, "after_create", DDL(_statement).execute_if(dialect=_dialect))


@event.listens_for(AuditEvent, "before_update")
def _refuse_update(_mapper, _connection, _target) -> None:
    """Refuse to change an audit event through the ORM (the database trigger refuses it too)."""
    raise ValueError("audit events are append-only")


@event.listens_for(AuditEvent, "before_delete")
def _refuse_delete(_mapper, _connection, _target) -> None:
    """Refuse to delete an audit event through the ORM (the database trigger refuses it too)."""
    raise ValueError("audit events are append-only")
