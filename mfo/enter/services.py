"""The online entry service: an account's performer profiles, the classes a performer may enter, and the basket.

Views and tests share these functions. Every write is recorded in the audit trail in the caller's
transaction (the caller commits). Audit targets name records by id only: names and birth dates of
children stay out of the trail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_security.utils import naive_utcnow
from sqlalchemy import String, cast, func, or_, select
from sqlalchemy.orm import joinedload

from mfo.audit.trail import record
from mfo.database import db
from mfo.enter.models import BasketEntry, Profile
from mfo.enter.signals import basket_submitted
from mfo.enter.stage import blocks, stage_time_issues
from mfo.entries.models import ACTIVE_STATUSES, Entry, EntryPerformer, EntryPiece
from mfo.festival.models import Festival
from mfo.issues.codes import Issue
from mfo.issues.festival import class_info, class_infos, entry_drafts
from mfo.issues.rules import (
    EntryDraft,
    PersonRef,
    PieceRef,
    age_on,
    check_duplicate_entries,
    check_eligibility,
    check_entry,
    piece_key,
)
from mfo.people.models import Person
from mfo.syllabus.models import Discipline, FestivalClass, Level, Piece
from mfo.text import normalise_name


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


# The basket


class Refused(Exception):
    """A basket change the rules do not allow; `reasons` are the validator's issues (or a message) saying why."""

    def __init__(self, reasons: list) -> None:
        super().__init__("refused")
        self.reasons = reasons


def _piece_refs(pieces: list[dict]) -> list[PieceRef]:
    """Return the typed pieces as the validator reads them, with the repertoire's usual duration when the piece is known."""
    keys = [piece_key(p["title"], p.get("composer") or "") for p in pieces]
    known = dict(db.session.execute(select(Piece.key, Piece.duration).where(Piece.key.in_(keys))).all()) if keys else {}
    return [
        PieceRef(p["title"], p.get("composer") or "", duration=p.get("duration"), known_duration=known.get(key))
        for p, key in zip(pieces, keys, strict=True)
    ]


def _performer_ref(person: Person) -> PersonRef:
    """Return a profile's person as the validator reads a performer."""
    return PersonRef(person.first_name, person.last_name, birth_date=person.birth_date, person_id=person.id)


def _draft(festival_class: FestivalClass, person: Person, pieces: list[dict], teacher: tuple[str, str]) -> EntryDraft:
    """Return an entry being prepared as the validator's draft."""
    first, last = teacher
    return EntryDraft(
        festival_class.code,
        class_info(festival_class),
        performers=[_performer_ref(person)],
        teacher=PersonRef(first, last) if first else None,
        pieces=_piece_refs(pieces),
    )


def basket_issues(
    festival: Festival, festival_class: FestivalClass, person: Person, pieces: list[dict], teacher: tuple[str, str],
    *, user, basket_entry_id: int | None = None, entry_id: int | None = None,
) -> list[Issue]:
    """Return what the validator finds in an entry being prepared: its own problems, a duplicate of an entry
    already made (by anyone) or of another draft in the account's basket for the same performer and class,
    and the performer's stage time over the festival's cap.

    `entry_id`: the submitted entry this one is a change of (left out of the entries it is compared with).
    """
    draft = _draft(festival_class, person, pieces, teacher)
    found = check_entry(draft, festival.age_cutoff)
    entered = db.session.scalars(
        select(Entry.id).join(EntryPerformer, EntryPerformer.entry_id == Entry.id).where(
            Entry.class_id == festival_class.id, Entry.status.in_(ACTIVE_STATUSES), EntryPerformer.person_id == person.id,
            Entry.id != (entry_id or 0),
        )
    ).all()
    others = entry_drafts(festival.id, {festival_class.id: draft.festival_class}, entered) if entered else []
    others += [
        _draft(festival_class, person, [], ("", ""))
        for _id in db.session.scalars(
            select(BasketEntry.id).where(
                BasketEntry.user_id == user.id, BasketEntry.status == "draft", BasketEntry.class_id == festival_class.id,
                BasketEntry.profile_id.in_(select(Profile.id).where(Profile.person_id == person.id)),
                BasketEntry.id != (basket_entry_id or 0),
            )
        )
    ]
    if others:
        # Every other draft has the same class and performer: the first one is enough for the rule to see the duplicate.
        found += check_duplicate_entries([others[0], draft])
    return found + stage_time_issues(festival, draft, user=user, basket_entry_id=basket_entry_id, entry_id=entry_id)


def add_to_basket(
    festival: Festival, profile: Profile, festival_class: FestivalClass, pieces: list[dict], teacher: tuple[str, str], *, user
):
    """Put a solo entry in the account's basket, unless the performer may not enter the class or the validator finds an error.

    Returns the basket entry and the validator's warnings (shown, not blocking).
    """
    reasons = eligibility(festival, profile.person, festival_class)
    if reasons:
        raise Refused(reasons)
    issues = basket_issues(festival, festival_class, profile.person, pieces, teacher, user=user)
    errors = [issue for issue in issues if blocks(issue)]
    if errors:
        raise Refused(errors)
    item = BasketEntry(
        user_id=user.id, festival_id=festival.id, class_id=festival_class.id, profile_id=profile.id,
        teacher_first_name=teacher[0] or "", teacher_last_name=teacher[1] or "", pieces=pieces, status="draft",
    )
    db.session.add(item)
    db.session.flush()
    record("basket_entry-created", target=f"basket entry #{item.id}", details={"class": festival_class.code, "profile": profile.id})
    return item, issues


def eligibility(festival: Festival, person: Person, festival_class: FestivalClass) -> list[Issue]:
    """Return why the person may not enter the class alone (nothing when they may): the picker's rule."""
    if person.birth_date is None:
        return [Issue("missing-field", {"field": _l("Birth date")}, class_code=festival_class.code)]
    draft = EntryDraft(festival_class.code, class_info(festival_class), performers=[_performer_ref(person)])
    return check_eligibility(draft, festival.age_cutoff)


def basket_of(user, festival: Festival, status: str = "draft") -> list[BasketEntry]:
    """Return the account's basket entries of a festival with this status, oldest first."""
    return list(
        db.session.scalars(
            select(BasketEntry)
            .where(BasketEntry.user_id == user.id, BasketEntry.festival_id == festival.id, BasketEntry.status == status)
            .options(joinedload(BasketEntry.festival_class), joinedload(BasketEntry.profile).joinedload(Profile.person))
            .order_by(BasketEntry.id)
        )
    )


def basket_entry_of(user, festival: Festival, item_id: int) -> BasketEntry | None:
    """Return the account's draft with this id in this festival; None for any other (someone else's, submitted, none)."""
    return db.session.scalar(
        select(BasketEntry).where(
            BasketEntry.id == item_id, BasketEntry.user_id == user.id, BasketEntry.festival_id == festival.id,
            BasketEntry.status == "draft",
        )
    )


@dataclass(frozen=True)
class ItemCheck:
    """The validator's findings on a draft as they stand now, and those of them that stop its submission."""

    issues: list[Issue]
    blocking: list[Issue]

    @property
    def blocking_codes(self) -> set[str]:
        """Return the codes that stop the submission (shown as errors, whatever their usual severity)."""
        return {issue.code for issue in self.blocking}


def item_check(festival: Festival, item: BasketEntry, user) -> ItemCheck:
    """Check a draft in the basket again: what the validator finds, and what stops it (the picker's rule, errors).

    A performer's birth date may have changed since the draft was made: a class the picker would no
    longer offer stops the submission, though the Issues page only warns about the same age.
    """
    teacher = (item.teacher_first_name, item.teacher_last_name)
    person = item.profile.person
    issues = basket_issues(festival, item.festival_class, person, item.pieces, teacher, user=user, basket_entry_id=item.id)
    blocking = eligibility(festival, person, item.festival_class) + [issue for issue in issues if blocks(issue)]
    codes = {issue.code for issue in issues}
    # A missing birth date is no finding of check_entry (it skips the age rules): list the reason all the same.
    return ItemCheck([*issues, *(issue for issue in blocking if issue.code not in codes)], blocking)


def remove_from_basket(item: BasketEntry) -> None:
    """Take a draft out of the basket (recorded)."""
    record("basket_entry-deleted", target=f"basket entry #{item.id}")
    db.session.delete(item)


def submit_basket(festival: Festival, user) -> list[Entry]:
    """Make every draft of the account's basket an entry of the festival, all or none.

    Each draft is checked again (a birth date may have changed since): one the performer may no
    longer enter, or with an error, refuses the whole submission. Each entry made is recorded.
    """
    items = basket_of(user, festival)
    blocking = [issue for item in items for issue in item_check(festival, item, user).blocking]
    if blocking:
        raise Refused(blocking)
    entries = []
    now = naive_utcnow()
    for item in items:
        entry = _make_entry(festival, item)
        item.status, item.entry_id, item.submitted_at = "submitted", entry.id, now
        record("entry-created", target=f"entry #{entry.id}", details={"source": "online", "basket_entry": item.id})
        entries.append(entry)
    if entries:
        # Higher features (fees, consent) add to the same transaction: their refusal undoes the submission.
        basket_submitted.send(festival, user=user, entries=entries, at=now)
    return entries


def _make_entry(festival: Festival, item: BasketEntry) -> Entry:
    """Write a draft as an entry: its performer, pieces (found in the repertoire or added to it) and teacher."""
    entry = Entry(
        festival_id=festival.id, class_id=item.class_id, status="submitted", source="online", fee=item.festival_class.fee,
        teacher=_teacher(item.teacher_first_name, item.teacher_last_name), given_contacts={},
    )
    entry.performers.append(EntryPerformer(person_id=item.profile.person_id, position=0))
    for position, typed in enumerate(item.pieces):
        entry.pieces.append(EntryPiece(piece=_piece(typed), position=position, duration=typed.get("duration")))
    db.session.add(entry)
    db.session.flush()
    return entry


def _piece(typed: dict) -> Piece:
    """Return the repertoire's piece of this title and composer, adding it (with the declared duration) when new."""
    key = piece_key(typed["title"], typed.get("composer") or "")
    piece = db.session.scalar(select(Piece).where(Piece.key == key))
    if piece is None:
        piece = Piece(title=typed["title"], composer=typed.get("composer") or "", duration=typed.get("duration"), key=key)
        db.session.add(piece)
        db.session.flush()
    return piece


def _teacher(first_name: str, last_name: str) -> Person | None:
    """Return the teacher named: the one person of that name already a teacher of some entry, else a new record."""
    if not first_name:
        return None
    key = normalise_name(f"{first_name} {last_name}")
    teachers = db.session.scalars(
        select(Person).where(Person.name_key == key, Person.id.in_(select(Entry.teacher_id).where(Entry.teacher_id.is_not(None)))).limit(2)
    ).all()
    if len(teachers) == 1:
        return teachers[0]
    return _new_person(PersonValues(first_name, last_name, None))
