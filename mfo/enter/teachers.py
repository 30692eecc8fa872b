"""Teachers online: an account that enters its pupils, sees the entries naming it as teacher, and families that see them.

The rules, each kept on the server:

- **Becoming a teacher.** Any account may say "I am a teacher". Its teacher record is the account
  holder's own person record (made from the name typed when the account has none), never a record
  found by name: typing a teacher's name does not open the entries of someone else of that name.
- **Pupils.** A teacher adds pupils (name, birth date, optionally the guardian's email): each is a
  performer profile of the teacher's account with the relation "pupil", entered through the same
  class picker, entry form and basket as a child. On a pupil's entry the teacher is the account's
  own record, set by the basket whatever was typed (mfo.enter.services).
- **The teacher's page** lists the festival's active entries whose teacher is the account's record,
  and those the account submitted itself. Entries made by another account (a family that typed the
  same teacher's name, which `services._teacher` links to the one teacher record of that name) or
  by the festival are read-only there. A teacher sees no other teacher's pupils: every id is looked
  up with the account's own.
- **Families.** When a teacher gives a pupil's guardian email, the pupil becomes a child profile of
  the account with that email, once that account's email is confirmed (now, when it exists and is
  confirmed; or when it confirms its email later, at registration or on an email change). The email
  must match the account's exactly (case aside) and be confirmed: an account cannot claim a pupil,
  only a teacher can hand one to the address they were given. The family then sees the pupil's
  entries (those its teacher made included) on its "Entries for your performers" page, and may
  enter the child itself. A pupil is linked once; the email is not matched again afterwards.

Every change is recorded in the audit trail with ids only (no names, birth dates or emails).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask
from flask_security import change_email_confirmed, user_confirmed
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from mfo.audit.trail import record
from mfo.database import db
from mfo.database.models import User
from mfo.enter.models import BasketEntry, Profile, PupilGuardian, TeacherAccount
from mfo.enter.services import PersonValues, _add_profile, _new_person, _target, profiles_of, self_profile, teacher_account_of
from mfo.entries.models import ACTIVE_STATUSES, Entry, EntryPerformer, EntryPiece
from mfo.festival.models import Festival

EMAIL_MAX = 255  # PupilGuardian.email, User.email


def teacher_of(user) -> TeacherAccount | None:
    """Return the account's teacher record, when it enters as a teacher."""
    return teacher_account_of(user.id)


def become_teacher(user, values: PersonValues | None) -> TeacherAccount:
    """Make the account a teacher, its holder's own record the teacher (made from `values` when it has none)."""
    existing = teacher_of(user)
    if existing is not None:
        return existing
    holder = self_profile(user)
    if holder is None:
        if values is None:
            raise ValueError("the account has no record of its own: the teacher's name is needed")
        holder = _add_profile(user, _new_person(values, email=user.email), "self")
    account = TeacherAccount(user_id=user.id, person_id=holder.person_id, person=holder.person)
    db.session.add(account)
    db.session.flush()
    record("teacher_account-created", target=f"teacher account #{account.id} (person #{account.person_id})")
    return account


def pupils_of(user) -> list[Profile]:
    """Return the teacher account's pupils, by first name."""
    return [profile for profile in profiles_of(user) if profile.relation == "pupil"]


def normal_email(email: str | None) -> str:
    """Return an email as it is matched: spaces around it and case left out."""
    return (email or "").strip().lower()


def add_pupil(user, values: PersonValues, guardian_email: str | None = None) -> Profile:
    """Add a pupil to a teacher's account; with a guardian's email, show the pupil to that account when it is confirmed."""
    if teacher_of(user) is None:
        raise ValueError("only a teacher's account has pupils")
    if len(normal_email(guardian_email)) > EMAIL_MAX:
        raise ValueError("the guardian's email is longer than an email may be")
    profile = _add_profile(user, _new_person(values), "pupil")
    email = normal_email(guardian_email)
    if email:
        db.session.add(PupilGuardian(profile_id=profile.id, email=email))
        db.session.flush()
        family = db.session.scalar(select(User).where(func.lower(User.email) == email, User.confirmed_at.is_not(None)))
        if family is not None:
            link_waiting_pupils(family)
    return profile


def link_waiting_pupils(user) -> int:
    """Show this (confirmed) account every pupil whose teacher gave its email and who is not linked yet; return how many."""
    if user.confirmed_at is None or not user.email:
        return 0
    waiting = db.session.scalars(
        select(PupilGuardian)
        .where(PupilGuardian.email == normal_email(user.email), PupilGuardian.linked_user_id.is_(None))
        .options(joinedload(PupilGuardian.profile).joinedload(Profile.person))
        .order_by(PupilGuardian.profile_id)
    ).all()
    linked = 0
    for guardian in waiting:
        guardian.linked_user_id = user.id
        person = guardian.profile.person
        if db.session.scalar(select(Profile.id).where(Profile.user_id == user.id, Profile.person_id == person.id)):
            # The teacher gave their own email, or the account holds the person already: nothing to add.
            continue
        holder = self_profile(user)
        if holder is not None and person.guardian_id is None:
            person.guardian_id = holder.person_id
        child = _add_profile(user, person, "child")
        record("pupil-linked", target=_target(child), details={"pupil_profile": guardian.profile_id})
        linked += 1
    return linked


def _linked_on_confirm(sender: Flask, user, **_extra) -> None:
    """Link the pupils waiting for an account when its email is confirmed (registration, or an email change)."""
    link_waiting_pupils(user)


def init_teachers(app: Flask) -> None:
    """Link waiting pupils to an account when it confirms its email; Flask-Security commits with the confirmation."""
    user_confirmed.connect(_linked_on_confirm, app)
    change_email_confirmed.connect(_linked_on_confirm, app)


def has_linked_pupils(user) -> bool:
    """Tell whether a teacher has shown the account one of its pupils (the account then has entries made for it)."""
    return db.session.scalar(select(PupilGuardian.profile_id).where(PupilGuardian.linked_user_id == user.id).limit(1)) is not None


# The entries pages


@dataclass(frozen=True)
class EntryRow:
    """An entry as the teacher's and the family's pages list it, with who made it: "you", "teacher", "account" or "festival"."""

    entry: Entry
    made_by: str
    teacher_name: str = ""


def _entries(where, festival: Festival) -> list[Entry]:
    """Return the festival's active entries matching `where`, by class then id, with what the pages show."""
    return list(
        db.session.scalars(
            select(Entry)
            .where(Entry.festival_id == festival.id, Entry.status.in_(ACTIVE_STATUSES), where)
            .options(
                joinedload(Entry.festival_class),
                joinedload(Entry.teacher),
                selectinload(Entry.performers).joinedload(EntryPerformer.person),
                selectinload(Entry.pieces).joinedload(EntryPiece.piece),
            )
            .order_by(Entry.class_id, Entry.id)
        ).unique()
    )


def _submitters(entry_ids: list[int]) -> dict[int, int]:
    """Return the account that submitted each online entry, by entry id."""
    if not entry_ids:
        return {}
    rows = db.session.execute(select(BasketEntry.entry_id, BasketEntry.user_id).where(BasketEntry.entry_id.in_(entry_ids)))
    return dict(rows.all())


def pupils_entries(festival: Festival, user) -> list[EntryRow]:
    """Return the entries naming the account's teacher record, and those the account submitted; nothing for a non-teacher."""
    account = teacher_of(user)
    if account is None:
        return []
    own = select(BasketEntry.entry_id).where(BasketEntry.user_id == user.id, BasketEntry.entry_id.is_not(None))
    entries = _entries((Entry.teacher_id == account.person_id) | Entry.id.in_(own), festival)
    submitters = _submitters([entry.id for entry in entries])
    rows = []
    for entry in entries:
        by = submitters.get(entry.id)
        made_by = "you" if by == user.id else "account" if by is not None else "festival"
        rows.append(EntryRow(entry, made_by))
    return rows


def family_entries(festival: Festival, user) -> list[EntryRow]:
    """Return the active entries of the account's own performers (itself, its children) that another account or the festival made."""
    persons = select(Profile.person_id).where(Profile.user_id == user.id, Profile.relation.in_(("self", "child")))
    performing = select(EntryPerformer.entry_id).where(EntryPerformer.person_id.in_(persons))
    entries = _entries(Entry.id.in_(performing), festival)
    submitters = _submitters([entry.id for entry in entries])
    teacher_users = set(
        db.session.scalars(select(TeacherAccount.user_id).where(TeacherAccount.user_id.in_(sorted(set(submitters.values())))))
    ) if submitters else set()
    rows = []
    for entry in entries:
        by = submitters.get(entry.id)
        if by == user.id:
            continue  # the account's own: its basket lists them
        made_by = "teacher" if by in teacher_users else "account" if by is not None else "festival"
        rows.append(EntryRow(entry, made_by, entry.teacher.full_name if entry.teacher else ""))
    return rows

