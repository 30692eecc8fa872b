"""consents, the consent age, audit digests: the chain covers a digest of each personal field

The audit trail's hash scheme 2 chains keyed digests of actor, ip, user_agent, target and details
rather than their values, so a purge can redact them later (see mfo.audit.trail). Existing events
(scheme 1) are first verified under the old scheme (a broken chain stops the upgrade: look into it
before upgrading), then re-chained under scheme 2, and an `audit-rechained` event records the old
head's hash, linking the two chains for whoever kept it. The append-only triggers are made again to
allow one update: a personal field replaced by "[redacted]".

Revision ID: 7e4361e950ba
Revises: 39a8b4afce69
Create Date: 2026-12-07 17:46:20.559592

"""
import hashlib
import hmac
import json
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa
from flask import current_app

GENESIS = "0" * 64
REDACTED = "[redacted]"
PERSONAL_FIELDS = ("actor", "ip", "user_agent", "target", "details")
_KEPT = ("id", "at", "action", "actor_id", "scheme", "digests", "prev_hash", "hash")
_SQLITE_ALLOWED = " AND ".join(
    [f"NEW.{c} IS OLD.{c}" for c in _KEPT] + [f"(NEW.{c} IS OLD.{c} OR NEW.{c} = '[redacted]')" for c in PERSONAL_FIELDS]
)
_POSTGRES_ALLOWED = " AND ".join(
    [f"NEW.{c} IS NOT DISTINCT FROM OLD.{c}" for c in _KEPT]
    + [f"(NEW.{c} IS NOT DISTINCT FROM OLD.{c} OR NEW.{c} = '[redacted]')" for c in PERSONAL_FIELDS]
)
# The same statements as mfo.audit.models.APPEND_ONLY_DDL, frozen as of this revision.
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
# The statements of b2_audit_trail (scheme 1: nothing may change), made again on downgrade.
OLD_DDL = {
    "sqlite": [
        "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
        "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END",
        "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
        "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END",
    ],
    "postgresql": [
        "CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'audit_event is append-only'; END $$",
        "CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event "
        "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()",
    ],
}


def _key() -> bytes:
    """The chain's key, as mfo.audit.trail derives it (frozen as of this revision)."""
    secret = current_app.config.get("MFO_AUDIT_KEY") or current_app.config["SECRET_KEY"]
    return hmac.new(str(secret).encode(), b"mfo audit trail", hashlib.sha256).digest()


def _mac(key: bytes, fields) -> str:
    return hmac.new(key, json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode(), hashlib.sha256).hexdigest()


def _at(value) -> str:
    if isinstance(value, str):  # SQLite hands back text
        value = datetime.fromisoformat(value)
    return value.isoformat(timespec="microseconds")


def _hash_v1(key, row, prev_hash) -> str:
    return _mac(key, [row.id, _at(row.at), row.action, row.actor_id, row.actor, row.ip, row.user_agent, row.target,
                      row.details, prev_hash])


def _digests_v2(key, event_id, values) -> str:
    return ",".join(_mac(key, [event_id, name, values[name]]) for name in PERSONAL_FIELDS)


def _hash_v2(key, event_id, at, action, actor_id, digests, prev_hash) -> str:
    return _mac(key, [2, event_id, _at(at), action, actor_id, digests, prev_hash])


def _drop_triggers(bind) -> None:
    if bind.dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event")
    elif bind.dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_delete")


def _rechain(bind) -> None:
    """Verify the scheme-1 chain, then re-chain every event under scheme 2 and record it."""
    rows = bind.execute(sa.text(
        "SELECT id, at, action, actor_id, actor, ip, user_agent, target, details, prev_hash, hash FROM audit_event ORDER BY id"
    )).all()
    if not rows:
        return
    key = _key()
    prev = GENESIS
    for expected, row in enumerate(rows, start=1):
        if row.id != expected or row.prev_hash != prev or row.hash != _hash_v1(key, row, prev):
            raise RuntimeError(
                f"the audit trail is broken at event {row.id}: run `flask audit verify` on the previous version and look "
                "into it before upgrading (this migration re-chains a verified trail only)"
            )
        prev = row.hash
    old_head = prev
    prev = GENESIS
    update = sa.text("UPDATE audit_event SET scheme = 2, digests = :digests, prev_hash = :prev, hash = :hash WHERE id = :id")
    for row in rows:
        digests = _digests_v2(key, row.id, row._mapping)
        new_hash = _hash_v2(key, row.id, row.at, row.action, row.actor_id, digests, prev)
        bind.execute(update, {"digests": digests, "prev": prev, "hash": new_hash, "id": row.id})
        prev = new_hash
    # The re-chaining itself, with the old head, as the trail's next event.
    event_id = rows[-1].id + 1
    at = datetime.now(timezone.utc).replace(tzinfo=None)
    values = {"actor": "cli", "ip": None, "user_agent": None, "target": "audit trail",
              "details": json.dumps({"events": len(rows), "old_head": old_head, "scheme": 2}, sort_keys=True)}
    digests = _digests_v2(key, event_id, values)
    new_hash = _hash_v2(key, event_id, at, "audit-rechained", None, digests, prev)
    bind.execute(
        sa.text("INSERT INTO audit_event (id, at, action, actor_id, actor, ip, user_agent, target, details, scheme, digests, "
                "prev_hash, hash) VALUES (:id, :at, 'audit-rechained', NULL, :actor, NULL, NULL, :target, :details, 2, "
                ":digests, :prev, :hash)"),
        {"id": event_id, "at": at, **values, "digests": digests, "prev": prev, "hash": new_hash},
    )
    bind.execute(sa.text("UPDATE audit_chain SET last_id = :id, last_hash = :hash WHERE id = 1"), {"id": event_id, "hash": new_hash})


# revision identifiers, used by Alembic.
revision = '7e4361e950ba'
down_revision = '39a8b4afce69'
branch_labels = None
depends_on = None


def upgrade():
    # ### commands auto generated by Alembic - please adjust! ###
    op.create_table('consent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('festival_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('given', sa.Boolean(), nullable=False),
    sa.Column('given_at', sa.DateTime(), nullable=False),
    sa.Column('given_by_id', sa.Integer(), nullable=True),
    sa.Column('given_as', sa.String(length=10), nullable=False),
    sa.Column('wording_version', sa.Integer(), nullable=False),
    sa.CheckConstraint("given_as IN ('self', 'guardian', 'account')", name=op.f('ck_consent_given_as_known')),
    sa.CheckConstraint("kind IN ('processing', 'media', 'publish-name')", name=op.f('ck_consent_kind_known')),
    sa.ForeignKeyConstraint(['festival_id'], ['festival.id'], name=op.f('fk_consent_festival_id_festival'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['given_by_id'], ['user.id'], name=op.f('fk_consent_given_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_consent_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consent')),
    sa.UniqueConstraint('festival_id', 'person_id', 'kind', name='uq_consent_festival_person_kind')
    )
    with op.batch_alter_table('consent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consent_festival_id'), ['festival_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_consent_given_by_id'), ['given_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_consent_person_id'), ['person_id'], unique=False)

    bind = op.get_bind()
    _drop_triggers(bind)
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scheme', sa.Integer(), server_default=sa.text('2'), nullable=False))
        batch_op.add_column(sa.Column('digests', sa.Text(), server_default='', nullable=False))
    _rechain(bind)
    for statement in APPEND_ONLY_DDL.get(bind.dialect.name, []):
        op.execute(statement)

    with op.batch_alter_table('festival', schema=None) as batch_op:
        batch_op.add_column(sa.Column('consent_age', sa.Integer(), server_default=sa.text('(16)'), nullable=False))

    # ### end Alembic commands ###


def downgrade():
    # Back to scheme 1: every event's values are hashed again (refused once a purge redacted any).
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT COUNT(*) FROM audit_event WHERE " + " OR ".join(
            f"{name} = '{REDACTED}'" for name in PERSONAL_FIELDS))).scalar():
        raise RuntimeError("redacted audit events cannot go back to the hash scheme that covered their values")
    with op.batch_alter_table('festival', schema=None) as batch_op:
        batch_op.drop_column('consent_age')

    _drop_triggers(bind)
    key = _key()
    prev = GENESIS
    rows = bind.execute(sa.text(
        "SELECT id, at, action, actor_id, actor, ip, user_agent, target, details FROM audit_event ORDER BY id")).all()
    for row in rows:
        new_hash = _hash_v1(key, row, prev)
        bind.execute(sa.text("UPDATE audit_event SET prev_hash = :prev, hash = :hash WHERE id = :id"),
                     {"prev": prev, "hash": new_hash, "id": row.id})
        prev = new_hash
    if rows:
        bind.execute(sa.text("UPDATE audit_chain SET last_hash = :hash WHERE id = 1"), {"hash": prev})
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_column('digests')
        batch_op.drop_column('scheme')
    for statement in OLD_DDL.get(bind.dialect.name, []):
        op.execute(statement)

    with op.batch_alter_table('consent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consent_person_id'))
        batch_op.drop_index(batch_op.f('ix_consent_given_by_id'))
        batch_op.drop_index(batch_op.f('ix_consent_festival_id'))

    op.drop_table('consent')
    # ### end Alembic commands ###
