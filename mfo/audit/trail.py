"""Writing and verifying the audit trail: append-only events in a keyed hash chain.

The hash scheme (`SCHEME` 2) chains a digest of each personal field, not the field itself. An event's
personal fields (`PERSONAL_FIELDS`: who acted, from which address and browser, on what, with which
details) each get a keyed digest, stored in the row (`digests`); the chain's hash covers those digests
with the event's id, time, action, actor id and the previous hash. Verifying recomputes each field's
digest and compares it, so changing a value still shows; but a value may later be replaced by
`REDACTED` (a purge of people's data, `redact`) and the chain still verifies: a redacted field is
accepted as such, its digest still holds the chain together. The digests are keyed (the audit key
lives outside the database) and salted by the event's id, so a digest left behind cannot be checked
against a guessed email without the key, nor linked to the same value in another event.

Scheme 1 (before) hashed the values themselves, so no value could ever be taken out. The migration
that brought scheme 2 checked every scheme-1 event, then re-chained the whole trail under scheme 2 and
recorded `audit-rechained` with the old head's hash: a single scheme for every row keeps `verify`
simple, and no old event is left holding a value a purge could not remove. `scheme` is kept per event
so a later change can do the same again.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from flask import current_app, has_request_context, request
from flask_security import current_user
from flask_security.utils import naive_utcnow
from sqlalchemy import select, update

from mfo.audit.models import AuditChain, AuditEvent
from mfo.database import db

GENESIS = "0" * 64
HEAD_ID = 1
REDACTED = "[redacted]"
SCHEME = 2
# The fields that may name a person, each chained through its digest (in this order, in `digests`).
PERSONAL_FIELDS = ("actor", "ip", "user_agent", "target", "details")


def _key() -> bytes:
    """Return the chain's HMAC key: MFO_AUDIT_KEY, or one derived from SECRET_KEY.

    A key kept outside the database means someone who can write to the database cannot rewrite
    the chain after editing a row: the hashes would no longer verify.
    """
    secret = current_app.config.get("MFO_AUDIT_KEY") or current_app.config["SECRET_KEY"]
    return hmac.new(str(secret).encode(), b"mfo audit trail", hashlib.sha256).digest()


def field_digest(event_id: int, name: str, value: str | None) -> str:
    """Return the keyed digest of one personal field of an event (salted by the event's id and the field's name)."""
    message = json.dumps([event_id, name, value], ensure_ascii=False, separators=(",", ":")).encode()
    return hmac.new(_key(), message, hashlib.sha256).hexdigest()


def field_digests(event: AuditEvent) -> str:
    """Return the digests of an event's personal fields, comma-separated in PERSONAL_FIELDS order."""
    return ",".join(field_digest(event.id, name, getattr(event, name)) for name in PERSONAL_FIELDS)


def event_hash(event: AuditEvent, prev_hash: str) -> str:
    """Return the HMAC of an event's own fields and personal-field digests, chained to the previous event's hash."""
    fields = [
        event.scheme,
        event.id,
        event.at.isoformat(timespec="microseconds"),
        event.action,
        event.actor_id,
        event.digests,
        prev_hash,
    ]
    message = json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode()
    return hmac.new(_key(), message, hashlib.sha256).hexdigest()


def fields_match(event: AuditEvent) -> str | None:
    """Return the first personal field whose value no longer matches its digest (None: all match or are redacted)."""
    digests = (event.digests or "").split(",")
    if len(digests) != len(PERSONAL_FIELDS):
        return "digests"
    for name, digest in zip(PERSONAL_FIELDS, digests, strict=True):
        value = getattr(event, name)
        if value == REDACTED:
            continue
        if not hmac.compare_digest(digest, field_digest(event.id, name, value)):
            return name
    return None


def _actor(actor) -> tuple[int | None, str]:
    """Return (id, label) of whoever acts: the given user, the signed-in user, the CLI, or anonymous."""
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user
    if actor is not None:
        return actor.id, actor.email
    return None, "anonymous" if has_request_context() else "cli"


def user_target(user) -> str:
    """Return how an event names a user: email and id, so either finds it in the filters."""
    return f"user {user.email} (#{user.id})"


def record(
    action: str, *, target: str | None = None, details: Mapping | None = None, actor=None, from_cli: bool = False
) -> AuditEvent:
    """Add an event to the trail in the current database transaction; the caller commits.

    The event is written with the change it describes: if that change rolls back, so does the
    event. Writers queue on the chain head, so events get consecutive ids in commit order.
    `from_cli` marks a command-line change: no user, address or browser, whatever context is pushed.
    """
    actor_id, actor_label = (None, "cli") if from_cli else _actor(actor)
    in_request = has_request_context() and not from_cli
    event = AuditEvent(
        at=naive_utcnow(),
        action=action,
        actor_id=actor_id,
        actor=actor_label[:255],
        ip=request.remote_addr if in_request else None,
        user_agent=(request.user_agent.string[:255] or None) if in_request else None,
        target=target[:255] if target else None,
        details=json.dumps(dict(details or {}), ensure_ascii=False, sort_keys=True, default=str),
    )
    session = db.session
    # Take the head's lock before reading it. The migration creates the head; should it be missing
    # (a database emptied by hand), the first event creates it again.
    claimed = session.execute(
        update(AuditChain).where(AuditChain.id == HEAD_ID).values(last_id=AuditChain.last_id + 1)
    ).rowcount
    if not claimed:
        session.add(AuditChain(id=HEAD_ID, last_id=1, last_hash=GENESIS))
        session.flush()
    head = session.execute(
        select(AuditChain.last_id, AuditChain.last_hash).where(AuditChain.id == HEAD_ID)
    ).one()
    event.id = head.last_id
    event.scheme = SCHEME
    event.digests = field_digests(event)
    event.prev_hash = head.last_hash
    event.hash = event_hash(event, head.last_hash)
    session.add(event)
    session.execute(update(AuditChain).where(AuditChain.id == HEAD_ID).values(last_hash=event.hash))
    return event


# Events about an account that its owner sees among their recent sign-ins: failures, and the
# account being locked (by failures) and unlocked (by an admin).
SIGN_IN_EVENTS_ABOUT = ("sign-in-failed", "account-locked", "account-unlocked")


def sign_ins_of(user, limit: int = 10) -> list[AuditEvent]:
    """Return the user's most recent sign-ins, failed sign-ins, locks and unlocks of their account, newest first."""
    query = (
        select(AuditEvent)
        .where(
            ((AuditEvent.action == "sign-in") & (AuditEvent.actor_id == user.id))
            | (AuditEvent.action.in_(SIGN_IN_EVENTS_ABOUT) & (AuditEvent.target == user_target(user)))
        )
        .order_by(AuditEvent.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))


def record_now(action: str, **kwargs) -> AuditEvent:
    """Record an event and commit at once (for events whose request does not commit, e.g. failures)."""
    event = record(action, **kwargs)
    db.session.commit()
    return event


@dataclass(frozen=True)
class Verdict:
    """The outcome of verifying the chain: how many events, and the first broken one (if any)."""

    events: int
    broken_id: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        """Tell whether the whole chain verified."""
        return self.broken_id is None


def redact(event_ids: Iterable[int], fields: Iterable[str] = PERSONAL_FIELDS) -> int:
    """Replace the given personal fields of these events by REDACTED; return how many events changed.

    The chain covers the fields' digests, not their values, so it still verifies. An UPDATE statement
    (not the ORM, which refuses to change an event): the database's trigger allows an update that only
    replaces personal fields by REDACTED, and refuses any other. The caller commits.
    """
    names = [name for name in fields if name in PERSONAL_FIELDS]
    ids = sorted(set(event_ids))
    if not names or not ids:
        return 0
    changed = 0
    for start in range(0, len(ids), 500):  # bounded IN lists
        chunk = ids[start:start + 500]
        changed += db.session.execute(
            update(AuditEvent).where(AuditEvent.id.in_(chunk)).values({name: REDACTED for name in names})
            .execution_options(synchronize_session=False)
        ).rowcount
    return changed


def _events_in_order(batch: int = 1000) -> Iterator[AuditEvent]:
    """Yield every event by id, a batch at a time (the trail can be long)."""
    last = 0
    while True:
        rows = list(
            db.session.scalars(
                select(AuditEvent)
                .where(AuditEvent.id > last)
                .order_by(AuditEvent.id)
                .limit(batch)
                # Read what the database holds now, not a copy this session loaded earlier.
                .execution_options(populate_existing=True)
            )
        )
        if not rows:
            return
        yield from rows
        last = rows[-1].id
        for row in rows:  # keep memory flat over a long trail
            db.session.expunge(row)


def verify() -> Verdict:
    """Check every event's hash and link, and the head: report the first broken event."""
    expected_id, prev_hash, count = 1, GENESIS, 0
    for event in _events_in_order():
        if event.id != expected_id:
            return Verdict(count, expected_id, f"event {expected_id} is missing (the next one is {event.id})")
        if event.prev_hash != prev_hash:
            return Verdict(count, event.id, "its link to the previous event does not match")
        if event.scheme != SCHEME:
            return Verdict(count, event.id, f"its hash scheme {event.scheme} is unknown")
        if event.hash != event_hash(event, prev_hash):
            return Verdict(count, event.id, "its contents do not match its hash (the row was changed)")
        changed = fields_match(event)
        if changed is not None:
            return Verdict(count, event.id, f"its {changed} does not match its digest (the row was changed)")
        prev_hash, expected_id, count = event.hash, event.id + 1, count + 1
    head = db.session.get(AuditChain, HEAD_ID, populate_existing=True)
    if head is None:
        if count:
            return Verdict(count, expected_id - 1, "the chain head is missing")
        return Verdict(0)
    if head.last_id != expected_id - 1 or head.last_hash != prev_hash:
        return Verdict(count, head.last_id, f"the chain head names event {head.last_id}, which is missing or changed")
    return Verdict(count)
