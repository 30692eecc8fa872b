"""A person's data on request, and the purge of the people of past festivals; both collected from every feature.

Each feature declares its part (mfo.feature.Feature `personal_data`, `forget_people`): this module
only asks them, so a feature added later brings its part without a change here. It lives in the
consent feature because choosing whom to purge reads the entries, baskets and consents, features
below this one; the commands join the people feature's `people` group.

Who is purged (`plan_purge`): the people of the festivals that ended before the date (performers,
group members and contacts, teachers, accompanists, people entered online or with a consent or a
scheduling request there, and the guardians of all of those), except anyone who is one of these in
a festival that ended on or after the date. Their records are anonymized, not deleted: counts,
entries, invoices and payments stay. An account is deleted when everything it holds belongs to the
purge (its performers all purged, no basket or invoice in a later festival, no role beyond end-user).
The audit trail keeps its events: the fields naming a purged person or a deleted account are
redacted (mfo.audit.trail.redact), and the chain still verifies.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time

from flask_security.utils import naive_utcnow
from sqlalchemy import func, or_, select, update

from mfo.audit.models import AuditEvent
from mfo.audit.trail import record, redact
from mfo.consent.models import Consent
from mfo.database import db
from mfo.database.models import User, user_datastore
from mfo.enter.models import BasketEntry, Profile
from mfo.entries.models import Entry, EntryPerformer
from mfo.features import registry
from mfo.festival.models import Festival
from mfo.people.models import Group, Person, group_member
from mfo.people.privacy import ANONYMOUS_FIRST_NAME
from mfo.schedule.models import KeepTogether, Unavailability, keep_together_member

# The role every registered account has: an account holding only it holds nothing beyond its own entries.
ENTRANT_ROLE = "end-user"
# Name parts shorter than this are not searched for in the audit trail (they would match everywhere).
SHORTEST_VALUE = 3
EXPORT_FORMAT = 1


@dataclass
class PurgePlan:
    """What a purge does: the festivals, the people anonymized, the accounts deleted, the values to search for in copies."""

    before: date
    festival_ids: list[int] = field(default_factory=list)
    festival_slugs: list[str] = field(default_factory=list)
    person_ids: set[int] = field(default_factory=set)
    user_ids: list[int] = field(default_factory=list)
    # The purged people's and deleted accounts' personal values (names, emails, phones, addresses): what other
    # tables and the audit trail may hold copies of.
    values: set[str] = field(default_factory=set)
    redacted_events: int = 0

    def as_json(self) -> dict:
        """Return the plan's counts (no personal value), for --json and the audit trail."""
        return {
            "before": self.before.isoformat(), "festivals": self.festival_slugs, "people": len(self.person_ids),
            "accounts": len(self.user_ids), "audit_events_redacted": self.redacted_events,
        }


def _chunks(ids: Iterable[int], size: int = 500) -> Iterable[list[int]]:
    """Yield sorted ids a bounded list at a time (IN lists stay small)."""
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), size):
        yield ordered[start:start + size]


def people_of(festival_ids: list[int]) -> set[int]:
    """Return the ids of everyone the festivals know, guardians included."""
    if not festival_ids:
        return set()
    entries = select(Entry.id).where(Entry.festival_id.in_(festival_ids))
    groups = select(Entry.group_id).where(Entry.festival_id.in_(festival_ids), Entry.group_id.is_not(None))
    queries = [
        select(EntryPerformer.person_id).where(EntryPerformer.entry_id.in_(entries)),
        select(group_member.c.person_id).where(group_member.c.group_id.in_(groups)),
        select(Group.contact_id).where(Group.id.in_(groups), Group.contact_id.is_not(None)),
        select(Entry.teacher_id).where(Entry.festival_id.in_(festival_ids), Entry.teacher_id.is_not(None)),
        select(Entry.accompanist_id).where(Entry.festival_id.in_(festival_ids), Entry.accompanist_id.is_not(None)),
        select(Profile.person_id).join(BasketEntry, BasketEntry.profile_id == Profile.id).where(BasketEntry.festival_id.in_(festival_ids)),
        select(Consent.person_id).where(Consent.festival_id.in_(festival_ids)),
        select(Unavailability.person_id).where(Unavailability.festival_id.in_(festival_ids)),
        select(keep_together_member.c.person_id)
        .join(KeepTogether, KeepTogether.id == keep_together_member.c.keep_together_id)
        .where(KeepTogether.festival_id.in_(festival_ids)),
    ]
    found: set[int] = set()
    for query in queries:
        found.update(db.session.scalars(query))
    for chunk in _chunks(found):
        found.update(db.session.scalars(select(Person.guardian_id).where(Person.id.in_(chunk), Person.guardian_id.is_not(None))))
    return found


def _profiles_alongside(people: set[int], before: date) -> set[int]:
    """Return the other performers of the accounts entering these people, added before the date and never entered.

    A family's child who was never entered belongs to no festival: it goes with its family, unless it was
    added on or after the date (a profile made for a festival still to come).
    """
    accounts: set[int] = set()
    for chunk in _chunks(people):
        accounts.update(db.session.scalars(select(Profile.user_id).where(Profile.person_id.in_(chunk))))
    found: set[int] = set()
    for chunk in _chunks(accounts):
        found.update(db.session.scalars(
            select(Profile.person_id).where(Profile.user_id.in_(chunk), Profile.created_at < datetime.combine(before, time()))
        ))
    return found - people


def _values_of(person: Person) -> set[str]:
    """Return a person's personal values worth searching for elsewhere."""
    values = {person.full_name, person.first_name, person.last_name, person.email, person.phone, person.address}
    return {value for value in values if value and len(value) >= SHORTEST_VALUE}


def _is_anonymous(person: Person) -> bool:
    """Tell whether a person was anonymized by an earlier purge."""
    return person.first_name == ANONYMOUS_FIRST_NAME and person.last_name == f"#{person.id}" and not person.email


def plan_purge(before: date) -> PurgePlan:
    """Return what purging the festivals that ended before the date would do (nothing is changed)."""
    plan = PurgePlan(before)
    festivals = db.session.execute(select(Festival.id, Festival.slug, Festival.end_date).order_by(Festival.start_date, Festival.id)).all()
    old = [row for row in festivals if row.end_date < before]
    plan.festival_ids = [row.id for row in old]
    plan.festival_slugs = [row.slug for row in old]
    later_ids = [row.id for row in festivals if row.end_date >= before]
    later_people = people_of(later_ids)
    candidates = people_of(plan.festival_ids) - later_people
    candidates |= _profiles_alongside(candidates, before) - later_people
    for chunk in _chunks(candidates):
        for person in db.session.scalars(select(Person).where(Person.id.in_(chunk))):
            if not _is_anonymous(person):
                plan.person_ids.add(person.id)
                plan.values |= _values_of(person)
    plan.user_ids = _accounts_to_delete(plan, later_ids)
    for chunk in _chunks(plan.user_ids):
        for user in db.session.scalars(select(User).where(User.id.in_(chunk))):
            plan.values |= {value for value in (user.email, user.name) if value and len(value) >= SHORTEST_VALUE}
    # An account that stays keeps its email: events naming it are not the purge's to redact.
    kept = set(db.session.scalars(select(User.email).where(User.id.not_in(plan.user_ids or [0]))))
    plan.values -= kept
    return plan


def _accounts_to_delete(plan: PurgePlan, later_ids: list[int]) -> list[int]:
    """Return the accounts whose every performer is purged, with nothing in a later festival and no role beyond end-user."""
    if not plan.festival_ids:
        return []
    candidates: set[int] = set()
    for chunk in _chunks(plan.person_ids):
        candidates.update(db.session.scalars(select(Profile.user_id).where(Profile.person_id.in_(chunk))))
    candidates.update(db.session.scalars(select(BasketEntry.user_id).where(BasketEntry.festival_id.in_(plan.festival_ids))))
    deleted = []
    for chunk in _chunks(candidates):
        for user in db.session.scalars(select(User).where(User.id.in_(chunk))):
            if any(role.name != ENTRANT_ROLE for role in user.roles):
                continue
            persons = set(db.session.scalars(select(Profile.person_id).where(Profile.user_id == user.id)))
            if not persons <= plan.person_ids:
                continue
            if later_ids and db.session.scalar(
                select(BasketEntry.id).where(BasketEntry.user_id == user.id, BasketEntry.festival_id.in_(later_ids)).limit(1)
            ):
                continue
            if _holds_later_invoice(user.id, later_ids):
                continue
            deleted.append(user.id)
    return deleted


def _holds_later_invoice(user_id: int, later_ids: list[int]) -> bool:
    """Tell whether the account pays an invoice of a later festival (the fees feature's table, below this one)."""
    from mfo.fees.models import Invoice

    return bool(later_ids) and db.session.scalar(
        select(Invoice.id).where(Invoice.user_id == user_id, Invoice.festival_id.in_(later_ids)).limit(1)
    ) is not None


def _redact_audit(plan: PurgePlan) -> int:
    """Redact the audit fields that name a purged person or a deleted account; return how many events changed."""
    changed = 0
    for chunk in _chunks(plan.user_ids):
        ids = db.session.scalars(select(AuditEvent.id).where(AuditEvent.actor_id.in_(chunk))).all()
        changed += redact(ids, ("actor", "ip", "user_agent"))
    values = sorted(plan.values)
    for start in range(0, len(values), 20):
        part = values[start:start + 20]
        for name in ("actor", "target", "details"):
            column = getattr(AuditEvent, name)
            ids = db.session.scalars(
                select(AuditEvent.id).where(or_(*(column.contains(value, autoescape=True) for value in part)))
            ).all()
            changed += redact(ids, (name,))
    return changed


def purge(plan: PurgePlan) -> PurgePlan:
    """Do what the plan says, in the current transaction (the caller commits): anonymize, scrub, redact, delete, record."""
    for feature in registry().features:
        if feature.forget_people is not None:
            feature.forget_people(plan)
    db.session.flush()
    plan.redacted_events = _redact_audit(plan)
    for chunk in _chunks(plan.user_ids):
        for user in db.session.scalars(select(User).where(User.id.in_(chunk))):
            user_datastore.delete_user(user)
    db.session.flush()
    record("people-purged", target="people", details=plan.as_json(), from_cli=True)
    return plan


def export_data(person: Person) -> dict:
    """Return everything every feature keeps about a person, keyed by feature, as JSON values."""
    parts = {"format": EXPORT_FORMAT, "exported_at": naive_utcnow().isoformat(timespec="seconds"), "person_id": person.id}
    for feature in registry().features:
        if feature.personal_data is not None:
            parts[feature.name] = feature.personal_data(person)
    return parts


def people_with_email(email: str) -> list[Person]:
    """Return the people recorded with this email (case ignored), and the people they are the guardian of."""
    # Equal ignoring case (not LIKE: "_" and "%" in an address are no wildcards).
    found = list(db.session.scalars(select(Person).where(func.lower(Person.email) == email.strip().lower()).order_by(Person.id)))
    ids = {p.id for p in found}
    for chunk in _chunks(ids):
        for ward in db.session.scalars(select(Person).where(Person.guardian_id.in_(chunk)).order_by(Person.id)):
            if ward.id not in ids:
                found.append(ward)
                ids.add(ward.id)
    return found


def account_data(email: str) -> dict | None:
    """Return the account of this email (what it holds about its holder), or None when there is none."""
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None:
        return None
    return {
        "id": user.id, "email": user.email, "name": user.name, "locale": user.locale, "active": user.active,
        "confirmed_at": user.confirmed_at.isoformat() if user.confirmed_at else None,
        "last_sign_in": user.current_login_at.isoformat() if getattr(user, "current_login_at", None) else None,
        "roles": sorted(role.name for role in user.roles),
    }


def forget_consents(plan: PurgePlan) -> None:
    """Forget which deleted account gave a consent (the answers, their time and wording version stay)."""
    for chunk in _chunks(plan.user_ids):
        db.session.execute(
            update(Consent).where(Consent.given_by_id.in_(chunk)).values(given_by_id=None).execution_options(synchronize_session=False)
        )
