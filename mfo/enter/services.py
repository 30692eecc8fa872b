"""The online entry service: an account's performer profiles, and the classes a performer may enter.

Views and tests share these functions. Every write is recorded in the audit trail in the caller's
transaction (the caller commits). Audit targets name records by id only: names and birth dates of
children stay out of the trail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import String, cast, func, or_, select
from sqlalchemy.orm import joinedload

from mfo.audit.trail import record
from mfo.database import db
from mfo.enter.models import Profile
from mfo.festival.models import Festival
from mfo.issues.codes import Issue
from mfo.issues.festival import class_infos
from mfo.issues.rules import EntryDraft, PersonRef, age_on, check_eligibility
from mfo.people.models import Person
from mfo.syllabus.models import Discipline, FestivalClass, Level


@dataclass(frozen=True)
class PersonValues:
    """A person's details as an entrant types them."""

    first_name: str
    last_name: str
    birth_date: date | None


def profiles_of(user) -> list[Profile]:
    """Return the account's profiles: its holder first, then the children by first name."""
    return list(
        db.session.scalars(
            select(Profile)
            .join(Person, Person.id == Profile.person_id)
            .where(Profile.user_id == user.id)
            .options(joinedload(Profile.person))
            .order_by(Profile.relation.desc(), Person.first_name, Person.id)
        )
    )


def profile_of(user, profile_id: int) -> Profile | None:
    """Return the account's profile with this id; None when there is none or it is another account's."""
    return db.session.scalar(
        select(Profile).where(Profile.id == profile_id, Profile.user_id == user.id).options(joinedload(Profile.person))
    )


def self_profile(user) -> Profile | None:
    """Return the profile of the account holder's own person record, if they have one."""
    return db.session.scalar(
        select(Profile).where(Profile.user_id == user.id, Profile.relation == "self").options(joinedload(Profile.person))
    )


def _new_person(values: PersonValues, **fields) -> Person:
    """Add a person record with these details."""
    person = Person(birth_date=values.birth_date, **fields)
    person.set_name(values.first_name, values.last_name)
    db.session.add(person)
    return person


def _add_profile(user, person: Person, relation: str) -> Profile:
    """Link a person to the account and record it."""
    db.session.flush()
    profile = Profile(user_id=user.id, person_id=person.id, relation=relation, person=person)
    db.session.add(profile)
    db.session.flush()
    record("performer_profile-created", target=_target(profile), details={"relation": relation})
    return profile


def _target(profile: Profile) -> str:
    """Name a profile in the audit trail by ids only."""
    return f"profile #{profile.id} (person #{profile.person_id})"


def add_self(user, values: PersonValues) -> Profile:
    """Make the account holder a performer: a new person record, or a birth date on the one they have as a guardian."""
    existing = self_profile(user)
    if existing is not None:
        update_profile(existing, values)
        return existing
    return _add_profile(user, _new_person(values, email=user.email), "self")


def add_child(user, values: PersonValues, guardian: PersonValues | None) -> Profile:
    """Add a child with the account holder as guardian (the holder's record is made first when they have none)."""
    holder = self_profile(user)
    if holder is None:
        if guardian is None:
            raise ValueError("the account has no record of its own: the guardian's name is needed")
        holder = _add_profile(user, _new_person(guardian, email=user.email), "self")
    child = _new_person(values, guardian=holder.person)
    return _add_profile(user, child, "child")


def update_profile(profile: Profile, values: PersonValues) -> None:
    """Change a profile's name and birth date, recording which fields changed (not their values: they are personal)."""
    person = profile.person
    before = (person.first_name, person.last_name, person.birth_date)
    person.set_name(values.first_name, values.last_name)
    if values.birth_date is not None or profile.relation == "self":
        person.birth_date = values.birth_date
    after = (person.first_name, person.last_name, person.birth_date)
    changed = [name for name, old, new in zip(("first_name", "last_name", "birth_date"), before, after, strict=True) if old != new]
    if changed:
        record("performer_profile-updated", target=_target(profile), details={"changed": changed})


@dataclass(frozen=True)
class ClassChoice:
    """The classes a search found for one performer: those offered, and the others with why not."""

    age: int
    offered: list[FestivalClass]
    not_offered: list[tuple[FestivalClass, list[Issue]]]


def _searched(festival_id: int, q: str):
    """Return the festival's classes matching every word of q in their number, name, discipline or level."""
    query = (
        select(FestivalClass)
        .outerjoin(Discipline, Discipline.id == FestivalClass.discipline_id)
        .outerjoin(Level, Level.id == FestivalClass.level_id)
        .where(FestivalClass.festival_id == festival_id)
        .options(joinedload(FestivalClass.discipline), joinedload(FestivalClass.level))
        .order_by(FestivalClass.number, FestivalClass.suffix, FestivalClass.id)
    )
    code = FestivalClass.number + FestivalClass.suffix
    for word in q.lower().split():
        query = query.where(
            or_(
                *(
                    func.lower(cast(column, String)).contains(word, autoescape=True)
                    for column in (code, FestivalClass.name, Discipline.name, Level.name)
                )
            )
        )
    return db.session.scalars(query).all()


def class_choice(festival: Festival, person: Person, q: str = "") -> ClassChoice:
    """Return the classes matching q that the person may enter alone, and the rest with the validator's reasons.

    Eligibility is the validator's (`check_eligibility`): the same ages on the cut-off date and
    numbers of performers the imports and the Issues page check. A profile enters solo classes only
    here: a class for two or more performers is not offered (its performer-count reason says why).
    """
    infos = class_infos(festival.id)
    performer = PersonRef(person.first_name, person.last_name, birth_date=person.birth_date, person_id=person.id)
    offered, not_offered = [], []
    for festival_class in _searched(festival.id, q):
        draft = EntryDraft(festival_class.code, infos.get(festival_class.id), performers=[performer])
        reasons = check_eligibility(draft, festival.age_cutoff)
        if reasons:
            not_offered.append((festival_class, reasons))
        else:
            offered.append(festival_class)
    return ClassChoice(age_on(person.birth_date, festival.age_cutoff), offered, not_offered)
