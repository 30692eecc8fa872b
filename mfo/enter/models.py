"""Performer profiles (the people an account enters for: its holder, and the holder's children) and the basket of draft entries.

A draft names its first performer by profile; a group's draft lists its other performers as members
(more of the account's profiles, or people named by the entrant).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Date, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mfo.database import db
from mfo.festival.models import Timestamps
from mfo.people.models import Person
from mfo.syllabus.models import FestivalClass

# "self": the account holder's own person record (a performer, or only the guardian of the children);
# "child": a child the holder enters for, whose person record names the holder's as guardian;
# "pupil": a pupil a teacher's account enters for (mfo.enter.teachers), the teacher named on its entries.
RELATIONS = ("self", "child", "pupil")


class Profile(Timestamps, db.Model):
    """A person an account may enter for. Profiles outlive festivals: a family keeps its children from one season to the next.

    Each account sees and changes only its own profiles (the views look them up by account and id).
    An account has at most one "self" profile (kept by mfo.enter.services).
    """

    __tablename__ = "performer_profile"
    __table_args__ = (
        UniqueConstraint("user_id", "person_id"),
        CheckConstraint("relation IN ('" + "', '".join(RELATIONS) + "')", name="relation_known"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    relation: Mapped[str] = mapped_column(String(10))

    person: Mapped[Person] = relationship()

    def __str__(self) -> str:
        return self.person.full_name


# draft: in the basket, the account's alone; submitted: made into an entry of the festival (entry_id).
BASKET_STATUSES = ("draft", "submitted")


class BasketEntry(Timestamps, db.Model):
    """An entry an account is preparing online: one profile (and a group's other members) in one class, as typed.

    Drafts stay out of the festival's entries (organizers' lists, the Issues page, the schedule)
    until the account submits them; submitting makes the entry and keeps its id here, with when and
    by whom (the basket's account) it came online.
    """

    __tablename__ = "basket_entry"
    __table_args__ = (CheckConstraint("status IN ('" + "', '".join(BASKET_STATUSES) + "')", name="status_known"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    festival_id: Mapped[int] = mapped_column(ForeignKey("festival.id", ondelete="CASCADE"), index=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("festival_class.id", ondelete="CASCADE"), index=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("performer_profile.id", ondelete="CASCADE"), index=True)
    teacher_first_name: Mapped[str] = mapped_column(String(100), default="")
    teacher_last_name: Mapped[str] = mapped_column(String(100), default="")
    # [{"title": ..., "composer": ..., "duration": seconds}, ...] in performance order.
    pieces: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(10), default="draft")
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("entry.id", ondelete="SET NULL"), index=True)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime)
    # A group's name as typed ("" for none: a duet may go by its performers' names); made a group on submission.
    group_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    accompanist_first_name: Mapped[str] = mapped_column(String(100), default="", server_default="")
    accompanist_last_name: Mapped[str] = mapped_column(String(100), default="", server_default="")
    school_name: Mapped[str] = mapped_column(String(200), default="", server_default="")

    festival_class: Mapped[FestivalClass] = relationship()
    profile: Mapped[Profile] = relationship()
    # A group's performers after the first (`profile`), in order; empty for a solo entry.
    members: Mapped[list[BasketEntryMember]] = relationship(
        back_populates="basket_entry", order_by="BasketEntryMember.position", cascade="all, delete-orphan"
    )

    @property
    def performer_names(self) -> list[str]:
        """Return the names of every performer, the first one (the profile) first."""
        return [self.profile.person.full_name, *(member.full_name for member in self.members)]


class TeacherAccount(Timestamps, db.Model):
    """An account that enters as a teacher: the person record its pupils' entries name as teacher (mfo.enter.teachers).

    The person is the account holder's own ("self") record, never a record found by name: claiming a
    name does not open the entries of someone else of that name.
    """

    __tablename__ = "teacher_account"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)

    person: Mapped[Person] = relationship()


class PupilGuardian(Timestamps, db.Model):
    """The guardian's email a teacher gave for a pupil: the confirmed account of that email sees the pupil as its child.

    `linked_user_id` is the account the pupil was shown to (once linked, the email is not matched again).
    """

    __tablename__ = "pupil_guardian"

    profile_id: Mapped[int] = mapped_column(ForeignKey("performer_profile.id", ondelete="CASCADE"), primary_key=True)
    email: Mapped[str] = mapped_column(String(255), index=True)
    linked_user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    profile: Mapped[Profile] = relationship()


class BasketEntryMember(db.Model):
    """Another performer of a group's draft: one of the account's profiles, or someone the entrant names.

    A named member's details are kept as typed until the basket is submitted; submitting makes their
    person record (its id kept here). The names and birth date are personal data, like a profile's.
    """

    __tablename__ = "basket_entry_member"
    __table_args__ = (
        UniqueConstraint("basket_entry_id", "position"),
        CheckConstraint("profile_id IS NOT NULL OR first_name <> ''", name="profile_or_name"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    basket_entry_id: Mapped[int] = mapped_column(ForeignKey("basket_entry.id", ondelete="CASCADE"), index=True)
    # 1, 2, ...: the entry's performer positions after the first (the draft's profile, position 0).
    position: Mapped[int] = mapped_column(Integer)
    profile_id: Mapped[int | None] = mapped_column(ForeignKey("performer_profile.id", ondelete="CASCADE"), index=True)
    first_name: Mapped[str] = mapped_column(String(100), default="")
    last_name: Mapped[str] = mapped_column(String(100), default="")
    birth_date: Mapped[date | None] = mapped_column(Date)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), index=True)

    basket_entry: Mapped[BasketEntry] = relationship(back_populates="members")
    profile: Mapped[Profile | None] = relationship()

    @property
    def full_name(self) -> str:
        """Return the member's name: the profile's person's, or the one typed."""
        if self.profile is not None:
            return self.profile.person.full_name
        return f"{self.first_name} {self.last_name}".strip()
