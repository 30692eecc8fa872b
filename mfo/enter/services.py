"""The online entry service: an account's performer profiles, the classes a performer may enter, and the basket.

Views and tests share these functions. Every write is recorded in the audit trail in the caller's
transaction (the caller commits). Audit targets name records by id only: names and birth dates of
children stay out of the trail.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_security.utils import naive_utcnow
from sqlalchemy import String, cast, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from mfo.audit.trail import record
from mfo.database import db
from mfo.enter.models import BasketEntry, BasketEntryMember, Profile, TeacherAccount
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
from mfo.people.models import Group, Person, School
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


# A group's other performers as an entrant chooses them: more of the account's profiles, or people named and born.
Member = Profile | PersonValues


def _member_refs(members: Sequence[Member]) -> list[PersonRef]:
    """Return a group's other performers as the validator reads them (a named member is not on file yet)."""
    return [
        _performer_ref(member.person) if isinstance(member, Profile)
        else PersonRef(member.first_name, member.last_name, birth_date=member.birth_date)
        for member in members
    ]


def _draft(
    festival_class: FestivalClass, person: Person, pieces: list[dict], teacher: tuple[str, str],
    *, members: Sequence[Member] = (), accompanist: tuple[str, str] = ("", ""), group_name: str = "",
) -> EntryDraft:
    """Return an entry being prepared as the validator's draft: the profile's person first, then the group's other members."""
    first, last = teacher
    return EntryDraft(
        festival_class.code,
        class_info(festival_class),
        performers=[_performer_ref(person), *_member_refs(members)],
        group_name=group_name or None,
        teacher=PersonRef(first, last) if first else None,
        accompanist=PersonRef(*accompanist) if accompanist[0] else None,
        pieces=_piece_refs(pieces),
    )


def item_members(item: BasketEntry) -> list[Member]:
    """Return a draft's members after its profile, as an entrant chose them."""
    return [
        member.profile if member.profile is not None else PersonValues(member.first_name, member.last_name, member.birth_date)
        for member in item.members
    ]


def _item_draft(item: BasketEntry) -> EntryDraft:
    """Return a draft of the basket as the validator's draft."""
    return _draft(
        item.festival_class, item.profile.person, item.pieces, (item.teacher_first_name, item.teacher_last_name),
        members=item_members(item), accompanist=(item.accompanist_first_name, item.accompanist_last_name),
        group_name=item.group_name,
    )


def basket_issues(
    festival: Festival, festival_class: FestivalClass, person: Person, pieces: list[dict], teacher: tuple[str, str],
    *, user, basket_entry_id: int | None = None, entry_id: int | None = None, members: Sequence[Member] = (),
    accompanist: tuple[str, str] = ("", ""), group_name: str = "",
) -> list[Issue]:
    """Return what the validator finds in an entry being prepared: its own problems, a duplicate of an entry
    already made (by anyone) or of another draft in the account's basket with the same performers in the same class,
    and the performers' stage time over the festival's cap.

    `entry_id`: the submitted entry this one is a change of (left out of the entries it is compared with).
    """
    draft = _draft(festival_class, person, pieces, teacher, members=members, accompanist=accompanist, group_name=group_name)
    found = check_entry(draft, festival.age_cutoff)
    on_file = [ref.person_id for ref in draft.performers if ref.person_id is not None]
    entered = db.session.scalars(
        select(Entry.id).join(EntryPerformer, EntryPerformer.entry_id == Entry.id).where(
            Entry.class_id == festival_class.id, Entry.status.in_(ACTIVE_STATUSES), EntryPerformer.person_id.in_(on_file),
            Entry.id != (entry_id or 0),
        ).distinct()
    ).all()
    others = entry_drafts(festival.id, {festival_class.id: draft.festival_class}, entered) if entered else []
    others += [
        _item_draft(item)
        for item in db.session.scalars(
            select(BasketEntry).where(
                BasketEntry.user_id == user.id, BasketEntry.status == "draft", BasketEntry.class_id == festival_class.id,
                BasketEntry.id != (basket_entry_id or 0),
            ).options(_MEMBERS)
        )
    ]
    for other in others:
        # The rule compares the sets of performers; one duplicate is enough to say so.
        duplicates = check_duplicate_entries([other, draft])
        if duplicates:
            found += duplicates
            break
    return found + stage_time_issues(festival, draft, user=user, basket_entry_id=basket_entry_id, entry_id=entry_id)


def add_to_basket(
    festival: Festival, profile: Profile, festival_class: FestivalClass, pieces: list[dict], teacher: tuple[str, str], *, user,
    members: Sequence[Member] = (), accompanist: tuple[str, str] = ("", ""), school: str = "", group_name: str = "",
):
    """Put an entry in the account's basket, unless its performers may not enter the class or the validator finds an error.

    `profile` is the first performer; a group's others are `members`: more of the account's
    profiles (another account's is a ValueError), or people named. Returns the basket entry and
    the validator's warnings (shown, not blocking).
    """
    if any(p.user_id != user.id for p in (profile, *members) if isinstance(p, Profile)):
        # The views answer 404 first; this keeps any other caller from entering someone else's performers.
        raise ValueError("a basket holds only the account's own profiles")
    reasons = eligibility(festival, profile.person, festival_class, members)
    if reasons:
        raise Refused(reasons)
    if profile.relation == "pupil":
        # A pupil's teacher is the account's own teacher record, whatever was typed (mfo.enter.teachers).
        teacher = _pupils_teacher_name(user.id)
    issues = basket_issues(
        festival, festival_class, profile.person, pieces, teacher, user=user, members=members, accompanist=accompanist,
        group_name=group_name,
    )
    errors = [issue for issue in issues if blocks(issue)]
    if errors:
        raise Refused(errors)
    item = BasketEntry(
        user_id=user.id, festival_id=festival.id, class_id=festival_class.id, profile_id=profile.id,
        teacher_first_name=teacher[0] or "", teacher_last_name=teacher[1] or "", pieces=pieces, status="draft",
        accompanist_first_name=accompanist[0] or "", accompanist_last_name=accompanist[1] or "", school_name=school or "",
        group_name=group_name or "",
    )
    for position, member in enumerate(members, start=1):
        if isinstance(member, Profile):
            item.members.append(BasketEntryMember(position=position, profile=member))
        else:
            item.members.append(
                BasketEntryMember(
                    position=position, first_name=member.first_name, last_name=member.last_name, birth_date=member.birth_date
                )
            )
    db.session.add(item)
    db.session.flush()
    details = {"class": festival_class.code, "profile": profile.id}
    if members:
        # Member profiles by id; named members only counted (their names are personal).
        details["members"] = [m.id if isinstance(m, Profile) else "named" for m in members]
    record("basket_entry-created", target=f"basket entry #{item.id}", details=details)
    return item, issues


def eligibility(festival: Festival, person: Person, festival_class: FestivalClass, members: Sequence[Member] = ()) -> list[Issue]:
    """Return why these performers (the person, and a group's other members) may not enter the class: the picker's rule."""
    refs = [_performer_ref(person), *_member_refs(members)]
    missing = [ref for ref in refs if ref.birth_date is None]
    if missing:
        return [Issue("missing-field", {"field": _l("Birth date")}, class_code=festival_class.code)]
    draft = EntryDraft(festival_class.code, class_info(festival_class), performers=refs)
    return check_eligibility(draft, festival.age_cutoff)


# A draft's members with their profiles' people: one more query for a whole basket.
_MEMBERS = selectinload(BasketEntry.members).joinedload(BasketEntryMember.profile).joinedload(Profile.person)


def basket_of(user, festival: Festival, status: str = "draft") -> list[BasketEntry]:
    """Return the account's basket entries of a festival with this status, oldest first."""
    return list(
        db.session.scalars(
            select(BasketEntry)
            .where(BasketEntry.user_id == user.id, BasketEntry.festival_id == festival.id, BasketEntry.status == status)
            .options(joinedload(BasketEntry.festival_class), joinedload(BasketEntry.profile).joinedload(Profile.person), _MEMBERS)
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
    person, members = item.profile.person, item_members(item)
    issues = basket_issues(
        festival, item.festival_class, person, item.pieces, teacher, user=user, basket_entry_id=item.id, members=members,
        accompanist=(item.accompanist_first_name, item.accompanist_last_name), group_name=item.group_name,
    )
    blocking = eligibility(festival, person, item.festival_class, members) + [issue for issue in issues if blocks(issue)]
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
    named: dict[tuple, Person] = {}
    for item in items:
        entry = _make_entry(festival, item, named)
        item.status, item.entry_id, item.submitted_at = "submitted", entry.id, now
        details = {"source": "online", "basket_entry": item.id}
        if len(entry.performers) > 1:
            # A group's people by id: named members' records are made here, and the trail says which.
            details["performers"] = [performer.person_id for performer in entry.performers]
        if entry.group_id is not None:
            details["group"] = entry.group_id
        record("entry-created", target=f"entry #{entry.id}", details=details)
        entries.append(entry)
    if entries:
        # Higher features (fees, consent) add to the same transaction: their refusal undoes the submission.
        basket_submitted.send(festival, user=user, entries=entries, at=now)
    return entries


def _make_entry(festival: Festival, item: BasketEntry, named: dict[tuple, Person] | None = None) -> Entry:
    """Write a draft as an entry: its performers in order (a named member becomes a person record), its group,
    pieces (found in the repertoire or added to it), teacher, accompanist and school.

    `named` holds the people made for named members during one submission, by name and birth date:
    the same friend in two of the basket's duets is one person.
    """
    named = {} if named is None else named
    performers = [item.profile.person]
    for member in item.members:
        person = member.profile.person if member.profile is not None else _named_member(member, named)
        # The form refuses a performer listed twice; a person is an entry's performer once whatever reaches here.
        if person not in performers:
            performers.append(person)
    school = _school(item.school_name)
    if item.profile.relation == "pupil":
        # The teacher's own record, never one matched by name: the entry shows on that teacher's pupils' page.
        account = teacher_account_of(item.user_id)
        teacher = account.person if account is not None else None
    else:
        teacher = _teacher(item.teacher_first_name, item.teacher_last_name)
    entry = Entry(
        festival_id=festival.id, class_id=item.class_id, status="submitted", source="online", fee=item.festival_class.fee,
        teacher=teacher,
        accompanist=_accompanist(item.accompanist_first_name, item.accompanist_last_name),
        school=school, group=_group(item.group_name, performers, school), given_contacts={},
    )
    for position, person in enumerate(performers):
        entry.performers.append(EntryPerformer(person_id=person.id, position=position))
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


def teacher_account_of(user_id: int) -> TeacherAccount | None:
    """Return the account's teacher record (with its person), when it enters as a teacher (mfo.enter.teachers)."""
    return db.session.scalar(select(TeacherAccount).where(TeacherAccount.user_id == user_id).options(joinedload(TeacherAccount.person)))


def _pupils_teacher_name(user_id: int) -> tuple[str, str]:
    """Return the name of the teacher whose account enters a pupil (empty when the account is no teacher)."""
    account = teacher_account_of(user_id)
    return (account.person.first_name, account.person.last_name) if account is not None else ("", "")


def _teacher(first_name: str, last_name: str) -> Person | None:
    """Return the teacher named: the one person of that name already a teacher of some entry, else a new record."""
    return _helper(first_name, last_name, Entry.teacher_id)


def _accompanist(first_name: str, last_name: str) -> Person | None:
    """Return the accompanist named: the one person of that name already an accompanist of some entry, else a new record."""
    return _helper(first_name, last_name, Entry.accompanist_id)


def _helper(first_name: str, last_name: str, column) -> Person | None:
    """Return the person named in an entry's part (`column`: the teacher's or the accompanist's): the one person of that
    name already in that part of some entry, else a new record. Two of that name: a new record, never a guess."""
    if not first_name:
        return None
    key = normalise_name(f"{first_name} {last_name}")
    found = db.session.scalars(
        select(Person).where(Person.name_key == key, Person.id.in_(select(column).where(column.is_not(None)))).limit(2)
    ).all()
    if len(found) == 1:
        return found[0]
    return _new_person(PersonValues(first_name, last_name, None))


def _named_member(member: BasketEntryMember, named: dict[tuple, Person]) -> Person:
    """Return the person record of a member named in a draft: made on submission (once per name and birth date)."""
    key = (normalise_name(f"{member.first_name} {member.last_name}"), member.birth_date)
    person = named.get(key)
    if person is None:
        person = named[key] = _new_person(PersonValues(member.first_name, member.last_name, member.birth_date))
        db.session.flush()
    member.person_id = person.id
    return person


def _school(name: str) -> School | None:
    """Return the school of this name (accents, case and punctuation aside), adding it when new; None for none."""
    key = normalise_name(name or "")
    if not key:
        return None
    school = db.session.scalar(select(School).where(School.key == key))
    if school is None:
        school = School(name=name.strip(), key=key)
        db.session.add(school)
        db.session.flush()
    return school


def _group(name: str, performers: list[Person], school: School | None) -> Group | None:
    """Return the group of this name with exactly these members, adding it when there is none; None without a name.

    A group is found by name and members together: another group of the same name (someone else's
    quartet) is never joined, and the same quartet entered in two classes is one group.
    """
    key = normalise_name(name or "")
    if not key:
        return None
    wanted = {person.id for person in performers}
    for group in db.session.scalars(select(Group).where(Group.name_key == key).options(selectinload(Group.members))):
        if {member.id for member in group.members} == wanted:
            return group
    # The first performer's guardian (the account holder, for a child) or the performer is the group's contact.
    lead = performers[0]
    group = Group(name=name.strip(), name_key=key, school=school, contact=lead.guardian or lead, members=list(performers))
    db.session.add(group)
    db.session.flush()
    return group
