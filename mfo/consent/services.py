"""Asking and recording consents: who may give them for a performer, recording the answers, and honouring them.

A performer under the festival's consent age (`Festival.consent_age`, on the day of the answer) has
their consents given by their guardian: the account whose own person record is the performer's
guardian. Another account (a teacher's) cannot answer for a minor: the entry goes in without
answers, and the name stays unpublished until a "yes" is recorded. An adult's consents are theirs;
an adult entered from another account is recorded as answered by that account ("account").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from mfo.audit.trail import record
from mfo.consent.models import KINDS, REQUIRED, Consent
from mfo.consent.wording import WORDING_VERSION
from mfo.database import db
from mfo.enter.models import BasketEntry, Profile
from mfo.entries.models import EntryPerformer
from mfo.festival.models import Festival
from mfo.festival.values import age_on
from mfo.people.models import Person


def field_name(person_id: int, kind: str) -> str:
    """Return the name of a consent checkbox (the basket's form, the account's answers page)."""
    return f"consent-{person_id}-{kind}"


def _holder_person_id(user) -> int | None:
    """Return the person id of the account holder's own record (their "self" profile), if any."""
    return db.session.scalar(select(Profile.person_id).where(Profile.user_id == user.id, Profile.relation == "self"))


def is_minor(person: Person, festival: Festival, on: date) -> bool:
    """Tell whether the performer is under the festival's consent age on that day (no birth date: treated as a minor)."""
    if person.birth_date is None:
        return True
    return age_on(person.birth_date, on) < festival.consent_age


@dataclass(frozen=True)
class Giver:
    """How an account stands to a performer when it answers for them; `allowed` False when it may not."""

    given_as: str
    allowed: bool
    minor: bool


def giver(user, person: Person, festival: Festival, on: date) -> Giver:
    """Return how this account may answer for this performer: as the performer, their guardian, or another account."""
    minor = is_minor(person, festival, on)
    holder = _holder_person_id(user)
    if holder is not None and holder == person.id:
        # A minor's own account (rare: accounts are for adults) still needs the guardian.
        return Giver("self", not minor, minor)
    if holder is not None and person.guardian_id == holder:
        return Giver("guardian", True, minor)
    return Giver("account", not minor, minor)


def record_answers(festival: Festival, person: Person, answers: Mapping[str, bool], *, user, given_as: str, at: datetime) -> None:
    """Record one performer's answers (every kind: a kind left out is a no) for the festival, and audit them by ids."""
    existing = {
        c.kind: c for c in db.session.scalars(select(Consent).where(Consent.festival_id == festival.id, Consent.person_id == person.id))
    }
    for kind in KINDS:
        consent = existing.get(kind)
        if consent is None:
            consent = Consent(festival_id=festival.id, person_id=person.id, kind=kind)
            db.session.add(consent)
        consent.given = bool(answers.get(kind))
        consent.given_at, consent.given_by_id, consent.given_as = at, user.id, given_as
        consent.wording_version = WORDING_VERSION
    record(
        "consent-given",
        target=f"person #{person.id}",
        details={"festival": festival.id, "given_as": given_as, "version": WORDING_VERSION,
                 **{kind: bool(answers.get(kind)) for kind in KINDS}},
        actor=user,
    )


def missing_required(answers: Mapping[str, bool]) -> list[str]:
    """Return the required kinds not agreed to."""
    return [kind for kind in REQUIRED if not answers.get(kind)]


def consents_of(person: Person, festival: Festival | None = None) -> list[Consent]:
    """Return a person's recorded consents (of one festival, or every festival), by festival then kind."""
    query = select(Consent).where(Consent.person_id == person.id).order_by(Consent.festival_id, Consent.kind)
    if festival is not None:
        query = query.where(Consent.festival_id == festival.id)
    return list(db.session.scalars(query))


def online_performers(festival: Festival):
    """Return a query of the ids of the people performing in the festival's entries submitted from a basket."""
    # An entry submitted online keeps its id in its basket entry (the enter feature's table, below this one).
    return (
        select(EntryPerformer.person_id)
        .join(BasketEntry, BasketEntry.entry_id == EntryPerformer.entry_id)
        .where(BasketEntry.festival_id == festival.id)
    )


def withheld_names(festival: Festival, person_ids: Iterable[int]) -> set[int]:
    """Return those of the people whose name must not be published in the festival.

    A recorded "no"; or, for a performer entered online, no "yes" recorded yet (a teacher's minor pupil
    waits for their guardian). A performer entered only by organizers (typed, imported) with no answer
    is published: the festival collected that consent itself.
    """
    ids = sorted(set(person_ids))
    withheld: set[int] = set()
    for start in range(0, len(ids), 500):  # bounded IN lists
        chunk = ids[start:start + 500]
        answers = dict(
            db.session.execute(
                select(Consent.person_id, Consent.given).where(
                    Consent.festival_id == festival.id, Consent.kind == "publish-name", Consent.person_id.in_(chunk)
                )
            ).all()
        )
        withheld.update(person for person, given in answers.items() if not given)
        online = db.session.scalars(online_performers(festival).where(EntryPerformer.person_id.in_(chunk)))
        withheld.update(person for person in online if person not in answers)
    return withheld


def name_may_be_published(person: Person, festival: Festival) -> bool:
    """Tell whether the performer's name may appear in the festival's programme and results (see `withheld_names`)."""
    return not withheld_names(festival, [person.id])


def personal_data(person: Person) -> dict:
    """Return the person's consents for a data request, every festival."""
    return {
        "consents": [
            {"festival_id": c.festival_id, "kind": c.kind, "given": c.given, "given_at": c.given_at.isoformat(),
             "given_by_account_id": c.given_by_id, "given_as": c.given_as, "wording_version": c.wording_version}
            for c in consents_of(person)
        ]
    }
